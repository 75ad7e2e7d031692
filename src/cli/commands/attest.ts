import type { CommandModule } from 'yargs';
import type { GlobalArgs } from '../context.ts';
import { runCommand, type HandlerArgs } from '../run-command.ts';
import { attachTarget } from './attach.ts';
import { cliPasswordProvider } from './generate-key-pair.ts';
import { ioOf, signingSetup } from './sign.ts';

interface AttestArgs extends GlobalArgs {
  images: string[];
  key?: string;
  'identity-token'?: string;
  'fulcio-url': string;
  'rekor-url': string;
  'timestamp-server-url'?: string;
  predicate: string;
  type: string;
  'statement-version': 'v1' | 'v0.1';
  recursive?: boolean;
  'tlog-upload': boolean;
  yes?: boolean;
  repository?: string;
}

/** `--key FILE` → a KeySigner (password from $COSIGN_PASSWORD, a prompt or stdin) and its verifier. */
export async function loadSigner(env: Record<string, string | undefined>, keyPath: string) {
  const { readFile } = await import('node:fs/promises');
  const { KeySigner, KeyVerifier } = await import('../../sign/key-signer.ts');
  const { OcisignError, describeError } = await import('../../core/errors.ts');
  const pem = await readFile(keyPath, 'utf8').catch((err: unknown) => {
    throw new OcisignError('BAD_INPUT', `reading key ${keyPath}: ${describeError(err)}`, { cause: err });
  });
  const signer = await KeySigner.fromEncryptedPem(pem, await cliPasswordProvider(env, false)(), keyPath);
  return { signer, verifier: new KeyVerifier(signer.publicKey) };
}

/** SOURCE_DATE_EPOCH (seconds) or the clock. */
export function nowFrom(env: Record<string, string | undefined>): Date {
  const epoch = env.SOURCE_DATE_EPOCH;
  return epoch !== undefined && /^\d+$/.test(epoch) ? new Date(Number(epoch) * 1000) : new Date();
}

/** The signing flags sign, attest and release share (keyless when there is no --key). */
export function signingFlagOptions<T>(y: import('yargs').Argv<T>) {
  return y
    .option('key', { type: 'string', describe: 'cosign private key file (password from $COSIGN_PASSWORD, a prompt, or stdin); without it: keyless signing' })
    .option('identity-token', { type: 'string', describe: 'keyless: the OIDC token, or a file holding it (else $SIGSTORE_ID_TOKEN, GitHub Actions, /var/run/sigstore/cosign/oidc-token)' })
    .option('fulcio-url', { type: 'string', default: 'https://fulcio.sigstore.dev', describe: 'keyless: the Fulcio certificate authority' })
    .option('rekor-url', { type: 'string', default: 'https://rekor.sigstore.dev', describe: 'the Rekor transparency log' })
    .option('timestamp-server-url', { type: 'string', describe: 'RFC 3161 timestamp endpoint (Sigstore timestamp-authority JSON API)' })
    .option('tlog-upload', { type: 'boolean', default: true, describe: 'upload to the transparency log (--rekor-url) and store the entry with it (attestations: a dsse entry)' })
    .option('yes', { alias: 'y', type: 'boolean', default: false, describe: 'skip confirmation prompts' });
}

export const attestCommand: CommandModule<GlobalArgs, AttestArgs> = {
  command: 'attest <images..>',
  describe: 'Sign an in-toto statement about images and store it as cosign does (.att tag)',
  builder: (y) =>
    signingFlagOptions(
      y
        .positional('images', { type: 'string', array: true, demandOption: true, describe: 'image references (a digest is safest)' })
        .option('predicate', { type: 'string', demandOption: true, describe: 'the predicate file' })
        .option('type', { type: 'string', default: 'custom', describe: 'custom, slsaprovenance, slsaprovenance02, slsaprovenance1, spdx, spdxjson, cyclonedx, link, vuln, openvex, or a URI' })
        .option('statement-version', { choices: ['v1', 'v0.1'] as const, default: 'v1' as const, describe: 'in-toto Statement version (cosign 2 writes v0.1)' })
        .option('recursive', { alias: 'r', type: 'boolean', default: false, describe: 'attest an index and every manifest it names' })
        .option('repository', { type: 'string', describe: 'store attestations in this repository (default: $COSIGN_REPOSITORY)' }),
    ),
  handler: (argv) =>
    runCommand(argv as HandlerArgs<AttestArgs>, async (ctx, args) => {
      const { attestImages, readPredicateFile } = await import('../../ops/attest.ts');
      const { resolvePredicateType } = await import('../../attest/predicate-types.ts');
      resolvePredicateType(args.type); // a bad --type fails before the password prompt or the token
      const bytes = await readPredicateFile(args.predicate);
      const targets = [];
      for (const image of args.images) targets.push(await attachTarget(ctx, image, args.repository));
      const tlogUpload = args['tlog-upload'] !== false;
      const setup = await signingSetup(ctx, args, tlogUpload);
      const done = await attestImages(targets, {
        signer: setup.signer,
        ...(setup.envelopeWitness ? { witness: setup.envelopeWitness } : {}),
        ...('layerAnnotations' in setup && setup.layerAnnotations ? { layerAnnotations: setup.layerAnnotations } : {}),
        predicate: { bytes, source: args.predicate },
        type: args.type,
        statementVersion: args['statement-version'],
        recursive: args.recursive === true,
        tlogUpload,
        now: nowFrom(ctx.env),
        logger: ctx.logger,
      });
      for (const a of done) ioOf(args).stderr(`Pushing attestation to: ${a.attestationTag}`);
      return { text: '', json: done };
    }),
};
