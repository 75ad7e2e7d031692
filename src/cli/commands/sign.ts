import type { CommandModule } from 'yargs';
import type { CliContext, GlobalArgs } from '../context.ts';
import type { CliIo } from '../io.ts';
import { runCommand, type HandlerArgs } from '../run-command.ts';
import { cliKeyOptions } from './generate-key-pair.ts';
import { imageTarget, ioOf, parseAnnotationFlags } from './image-args.ts';
import type { Signer } from '../../sign/signer.ts';

/** The signing flags sign, attest and release share (keyless when there is no --key); see signingFlagOptions. */
export interface SigningArgs extends GlobalArgs {
  key?: string;
  'identity-token'?: string;
  'fulcio-url': string;
  'rekor-url': string;
  'timestamp-server-url'?: string;
  'tlog-upload': boolean;
  'new-bundle-format': boolean;
  'with-legacy-tags': boolean;
  'signing-config'?: string;
  'trusted-root'?: string;
  yes?: boolean;
}

/** The yargs options of SigningArgs. */
export function signingFlagOptions<T>(y: import('yargs').Argv<T>) {
  return y
    .option('key', { type: 'string', describe: 'cosign private key file (password from $COSIGN_PASSWORD, a prompt, or stdin), awskms://… or pkcs11:… URI; without it: keyless signing' })
    .option('identity-token', { type: 'string', describe: 'keyless: the OIDC token, or a file holding it (else $SIGSTORE_ID_TOKEN, GitHub Actions, /var/run/sigstore/cosign/oidc-token)' })
    .option('fulcio-url', { type: 'string', default: 'https://fulcio.sigstore.dev', describe: 'keyless: the Fulcio certificate authority' })
    .option('rekor-url', { type: 'string', default: 'https://rekor.sigstore.dev', describe: 'the Rekor transparency log' })
    .option('timestamp-server-url', { type: 'string', describe: 'RFC 3161 timestamp endpoint (Sigstore timestamp-authority JSON API), e.g. https://timestamp.sigstore.dev/api/v1/timestamp' })
    .option('tlog-upload', { type: 'boolean', default: true, describe: 'upload to the transparency log (--rekor-url) and store the entry with it (attestations: a dsse entry)' })
    .option('new-bundle-format', { type: 'boolean', default: true, describe: "store a Sigstore bundle as an OCI referrer (cosign 3); false: cosign 2's sha256-<hex>.sig/.att tags" })
    .option('with-legacy-tags', { type: 'boolean', default: false, describe: "also write cosign 2's .sig/.att tags, so readers of either format find the signature" })
    .option('signing-config', { type: 'string', describe: "cosign 3's signing config (v0.2 JSON): Fulcio, Rekor and TSA endpoints; no Rekor entry = no transparency log" })
    .option('trusted-root', { type: 'string', describe: 'Sigstore trusted root JSON (accepted for cosign compatibility; verification uses it)' })
    .option('yes', { alias: 'y', type: 'boolean', default: false, describe: 'skip confirmation prompts' });
}

interface SignArgs extends SigningArgs {
  images: string[];
  /** Repeatable; not `array: true` (that would swallow the IMAGE positional). */
  annotations?: string | string[];
  recursive?: boolean;
  repository?: string;
  'sign-container-identity'?: string;
}

/** The flags signingSetup reads (sign, attest, release). */
export type SigningFlags = Pick<SigningArgs, 'key' | 'identity-token' | 'fulcio-url' | 'rekor-url' | 'timestamp-server-url' | 'yes'> & Partial<Pick<SigningArgs, 'signing-config' | 'new-bundle-format' | 'with-legacy-tags'>>;

/** `--new-bundle-format` and `--with-legacy-tags` as one choice. */
export function signatureFormat(args: Partial<Pick<SigningArgs, 'new-bundle-format' | 'with-legacy-tags'>>): 'bundle' | 'legacy' | 'both' {
  if (args['new-bundle-format'] === false) return 'legacy';
  return args['with-legacy-tags'] === true ? 'both' : 'bundle';
}

/**
 * `--tlog-upload` and the services: a `--signing-config` names Fulcio, Rekor and the TSA (a config without Rekor
 * means no transparency log, as in cosign 3); otherwise the flags do.
 */
export async function resolveServices(args: SigningFlags & { 'tlog-upload'?: boolean }): Promise<{ tlogUpload: boolean; flags: SigningFlags }> {
  const tlogFlag = args['tlog-upload'] !== false;
  const trustedRoot = (args as { 'trusted-root'?: string })['trusted-root'];
  if (trustedRoot !== undefined) {
    // accepted as cosign 3 accepts it (signing needs nothing from it), but a file that is not there is a mistake
    const [{ access }, errors] = await Promise.all([import('node:fs/promises'), import('../../core/errors.ts')]);
    await access(trustedRoot).catch((err: unknown) => {
      throw new errors.OcisignError('BAD_INPUT', `reading trusted root ${trustedRoot}: ${errors.describeError(err)}`, { cause: err });
    });
  }
  if (!args['signing-config']) return { tlogUpload: tlogFlag, flags: args };
  const { readSigningConfig } = await import('../../bundle/signing-config.ts');
  const services = await readSigningConfig(args['signing-config']);
  const flags: SigningFlags = { ...args, 'timestamp-server-url': services.tsaUrl };
  if (services.fulcioUrl) flags['fulcio-url'] = services.fulcioUrl;
  if (services.rekorUrl) flags['rekor-url'] = services.rekorUrl;
  return { tlogUpload: tlogFlag && services.rekorUrl !== undefined, flags };
}

/**
 * The signer (key file or keyless) and its witnesses (Rekor, TSA) for the flags given: `witness` logs a
 * hashedrekord (signatures), `envelopeWitness` a dsse entry (attestations).
 */
export async function signingSetup(ctx: CliContext, args: SigningFlags, tlogUpload: boolean) {
  return (await startSigningSetup(ctx, args, tlogUpload)).setup;
}

/**
 * signingSetup in two steps: resolves once a key file's decryption is under way (scrypt, ~0.25 s on the thread
 * pool), with the rest still pending in `setup`. Callers start it before loading anything else, so scrypt
 * overlaps with loading the HTTP client and talking to the registry instead of queueing behind them.
 */
export async function startSigningSetup(ctx: CliContext, args: SigningFlags, tlogUpload: boolean) {
  const keySigner = args.key === undefined ? undefined : await (await import('../../kms/load-key.ts')).startSigner(args.key, cliKeyOptions(ctx.env));
  const setup = finishSigningSetup(ctx, args, tlogUpload, keySigner?.signer);
  setup.catch(() => undefined); // the caller awaits it
  return { setup };
}

async function finishSigningSetup(ctx: CliContext, args: SigningFlags, tlogUpload: boolean, keySigner: Promise<Signer> | undefined) {
  const dispatcher = (await ctx.clientOptions()).dispatcher;
  const { OcisignError } = await import('../../core/errors.ts');
  if (!dispatcher) throw new OcisignError('INTERNAL', 'signing: no http dispatcher');
  const urls = { dispatcher, ...(tlogUpload ? { rekorUrl: args['rekor-url'] } : {}), ...(args['timestamp-server-url'] ? { tsaUrl: args['timestamp-server-url'] } : {}) };
  const logged = urls.rekorUrl !== undefined || urls.tsaUrl !== undefined;
  if (args.key === undefined) {
    const { setupKeylessSigning, KEYLESS_NOTICE } = await import('../../keyless/setup.ts');
    const io = ioOf(args as object);
    const setup = await setupKeylessSigning({
      ...urls,
      fulcioUrl: args['fulcio-url'],
      ...(args['identity-token'] !== undefined ? { identityToken: args['identity-token'] } : {}),
      env: ctx.env,
      log: (line) => io.stderr(line),
      confirm: args.yes === true ? undefined : () => confirmOnTty(io, KEYLESS_NOTICE),
    });
    const signer = setup.signer as import('../../keyless/keyless-signer.ts').KeylessSigner;
    const verifier = { pem: signer.verifierPem, der: signer.verifierDer };
    const bundleWitness = logged ? (await import('../../bundle/bundle-witness.ts')).createBundleWitness({ ...urls, verifier }) : undefined;
    return { ...setup, material: { certificate: signer.verifierDer }, ...(bundleWitness ? { bundleWitness } : {}) };
  }
  const { KeyVerifier } = await import('../../sign/key-signer.ts');
  // the Rekor/TSA clients (and the sigstore packages under them) load only when something is to be logged
  const witnesses = logged ? (await import('../../keyless/setup.ts')).keyWitness : undefined;
  const signer = await keySigner!;
  const witness = witnesses?.(signer.publicKey, urls);
  const envelopeWitness = witnesses?.(signer.publicKey, urls, 'dsse');
  let bundleWitness;
  if (logged) {
    const [{ createBundleWitness }, { publicKeyVerifier }] = await Promise.all([import('../../bundle/bundle-witness.ts'), import('../../keyless/witness.ts')]);
    bundleWitness = createBundleWitness({ ...urls, verifier: publicKeyVerifier(signer.publicKey) });
  }
  return {
    signer,
    verifier: new KeyVerifier(signer.publicKey),
    ...(witness ? { witness } : {}),
    ...(envelopeWitness ? { envelopeWitness } : {}),
    ...(bundleWitness ? { bundleWitness } : {}),
  };
}

/** cosign's "Are you sure you would like to continue? [y/N]", only when stdin and stderr are terminals. */
async function confirmOnTty(io: CliIo, notice: string): Promise<boolean> {
  if (!io.isTTY || process.stdin.isTTY !== true) return true;
  io.stderr(notice);
  const { createInterface } = await import('node:readline/promises');
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question('Are you sure you would like to continue? [y/N] ');
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

export const signCommand: CommandModule<GlobalArgs, SignArgs> = {
  command: 'sign <images..>',
  describe: 'Sign images with a key, or keyless (Fulcio + Rekor), and store the signatures as cosign 3 does (a Sigstore bundle in an OCI referrer; --new-bundle-format=false: the .sig tag)',
  builder: (y) =>
    signingFlagOptions(
      y
        .positional('images', { type: 'string', array: true, demandOption: true, describe: 'image references (a digest is safest)' })
        .option('annotations', { alias: 'a', type: 'string', describe: 'extra key=value claims signed in the payload (repeatable, comma-separated)' })
        .option('recursive', { alias: 'r', type: 'boolean', default: false, describe: 'sign an index and every manifest it names' })
        .option('repository', { type: 'string', describe: 'store signatures in this repository (default: $COSIGN_REPOSITORY)' })
        .option('sign-container-identity', { type: 'string', describe: "the identity to sign (the payload's docker-reference) instead of the image's repository, e.g. the registry repository a layout will be pushed to" }),
    ),
  handler: (argv) =>
    runCommand(argv as HandlerArgs<SignArgs>, async (ctx, args) => {
      const { tlogUpload, flags } = await resolveServices(args);
      // Decrypting the key (scrypt, ~0.25 s on the thread pool) starts first and overlaps with loading the
      // registry client, connecting and resolving the images; signImages resolves a tag again over the warm
      // connection (a digest's answer is kept). A failure of the warm-up is left to signImages to report, so users
      // see the same error as without the overlap. (bin/ocisign may have started the scrypt even earlier:
      // bin/key-prefetch.js.)
      const { setup: settingUp } = await startSigningSetup(ctx, flags, tlogUpload);
      const { signImages } = await import('../../ops/sign.ts');
      const annotations = await parseAnnotationFlags(args.annotations);
      const repository = args.repository ?? ctx.env.COSIGN_REPOSITORY;
      const targets = [];
      for (const image of args.images) targets.push(await imageTarget(ctx, image, repository));
      const identity = args['sign-container-identity'];
      if (identity !== undefined) for (const t of targets) t.dockerReference = identity;
      const { isDigest } = await import('../../oci/digest.ts');
      // A digest's HEAD answer cannot change: signImages takes it as the subject instead of asking again.
      const warmUp = Promise.all(targets.map(async (t) => {
        const found = await t.image.resolve(t.ref).catch(() => undefined);
        if (found && isDigest(t.ref) && found.digest === t.ref) Object.assign(t, { resolved: found });
      }));
      const [setup] = await Promise.all([settingUp, warmUp]);
      const signed = await signImages(targets, {
        ...setup,
        format: signatureFormat(args),
        annotations,
        recursive: args.recursive === true,
        tlogUpload,
        now: sourceDateEpoch(ctx.env),
        logger: ctx.logger,
      });
      for (const s of signed) ioOf(args).stderr(describeStored(s));
      return { text: '', json: signed };
    }),
};

/** SOURCE_DATE_EPOCH (whole seconds) as a Date, or undefined when unset. */
export function sourceDateEpoch(env: Record<string, string | undefined>): Date | undefined {
  const epoch = env.SOURCE_DATE_EPOCH;
  return epoch !== undefined && /^\d+$/.test(epoch) ? new Date(Number(epoch) * 1000) : undefined;
}

/** One stderr line for what sign, attest or release stored. */
export function describeStored(s: import('../../ops/sign.ts').SignResult | import('../../ops/attest.ts').AttestResult): string {
  if (s.format === 'bundle') {
    const where = s.via === 'referrers-api' ? "listed by the registry's referrers API" : s.via === 'layout' ? 'listed in the layout index' : `listed in the fallback index ${s.tag}`;
    return `Pushing bundle to: ${s.referrer} (${where})`;
  }
  if ('signatureTag' in s) return s.appended ? `Pushing signature to: ${s.signatureTag}` : `Signature already present: ${s.signatureTag}`;
  return `Pushing attestation to: ${s.attestationTag}`;
}
