import type { CommandModule } from 'yargs';
import type { GlobalArgs } from '../context.ts';
import { runCommand, type HandlerArgs } from '../run-command.ts';
import { attachTarget } from './attach.ts';
import { describeStored, resolveServices, signatureFormat, signingFlagOptions, startSigningSetup, type SigningArgs } from './sign.ts';
import { ioOf } from './image-args.ts';

interface AttestArgs extends SigningArgs {
  images: string[];
  predicate: string;
  type: string;
  'statement-version': 'v1' | 'v0.1';
  recursive?: boolean;
  repository?: string;
}

/** SOURCE_DATE_EPOCH (seconds) or the clock. */
export function nowFrom(env: Record<string, string | undefined>): Date {
  const epoch = env.SOURCE_DATE_EPOCH;
  return epoch !== undefined && /^\d+$/.test(epoch) ? new Date(Number(epoch) * 1000) : new Date();
}

export const attestCommand: CommandModule<GlobalArgs, AttestArgs> = {
  command: 'attest <images..>',
  describe: 'Sign an in-toto statement about images and store it as cosign 3 does (a Sigstore bundle in an OCI referrer; --new-bundle-format=false: the .att tag)',
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
      const { tlogUpload, flags } = await resolveServices(args);
      // as sign: scrypt (a key file) runs while the HTTP client loads and the targets are opened
      const { setup: settingUp } = await startSigningSetup(ctx, flags, tlogUpload);
      const targets = [];
      for (const image of args.images) targets.push(await attachTarget(ctx, image, args.repository));
      const setup = await settingUp;
      const done = await attestImages(targets, {
        signer: setup.signer,
        format: signatureFormat(args),
        ...('bundleWitness' in setup && setup.bundleWitness ? { bundleWitness: setup.bundleWitness } : {}),
        ...('material' in setup && setup.material ? { material: setup.material } : {}),
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
      for (const a of done) ioOf(args).stderr(describeStored(a));
      return { text: '', json: done };
    }),
};
