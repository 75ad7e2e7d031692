import type { CommandModule } from 'yargs';
import type { GlobalArgs } from '../context.ts';
import { runCommand, type HandlerArgs } from '../run-command.ts';
import { attachTarget } from './attach.ts';
import { nowFrom } from './attest.ts';
import { resolveServices, signatureFormat, signingFlagOptions, signingSetup, type SigningArgs } from './sign.ts';

interface ReleaseArgs extends SigningArgs {
  image: string;
  'attach-sbom'?: boolean;
  platform?: string;
  'statement-version': 'v1' | 'v0.1';
  repository?: string;
}

export const releaseCommand: CommandModule<GlobalArgs, ReleaseArgs> = {
  command: 'release <image>',
  describe: "Release job in one step: generate the image's CycloneDX SBOM, sign the image, attest the SBOM",
  builder: (y) =>
    signingFlagOptions(
      y
        .positional('image', { type: 'string', demandOption: true, describe: 'image reference' })
        .option('attach-sbom', { type: 'boolean', default: false, describe: 'also store the SBOM unsigned (.sbom) for tools that read it' })
        .option('platform', { type: 'string', describe: 'of an index: the platform to scan (default linux/<host arch>)' })
        .option('statement-version', { choices: ['v1', 'v0.1'] as const, default: 'v1' as const, describe: 'in-toto Statement version' })
        .option('repository', { type: 'string', describe: 'store signatures and attestations here (default: $COSIGN_REPOSITORY)' }),
    ),
  handler: (argv) =>
    runCommand(argv as HandlerArgs<ReleaseArgs>, async (ctx, args) => {
      const { releaseImage } = await import('../../ops/release.ts');
      const { version } = await import('../main.ts');
      const reference = await ctx.parse(args.image);
      const target = await attachTarget(ctx, args.image, args.repository);
      const { tlogUpload, flags } = await resolveServices(args);
      const setup = await signingSetup(ctx, flags, tlogUpload);
      const r = await releaseImage(target, {
        ...setup,
        format: signatureFormat(args),
        reference,
        attachSbom: args['attach-sbom'] === true,
        platform: args.platform,
        statementVersion: args['statement-version'],
        tlogUpload,
        toolVersion: version(),
        now: ctx.env.SOURCE_DATE_EPOCH ? nowFrom(ctx.env) : undefined,
        logger: ctx.logger,
      });
      const text = [
        `Released ${r.image}@${r.digest}`,
        `  SBOM: ${r.sbom.mediaType}, ${r.sbom.size} bytes, ${r.sbom.digest}${r.sbom.platform ? ` (${r.sbom.platform})` : ''}`,
        ...r.signatures.map((s) => (s.format === 'bundle' ? `  signature (bundle): ${s.referrer}` : `  signature: ${s.signatureTag}${s.appended ? '' : ' (already present)'}`)),
        ...r.attestations.map((a) => `  attestation (${a.predicateType}): ${a.format === 'bundle' ? `${a.referrer} (bundle)` : a.attestationTag}`),
        ...(r.sbomAttachment ? [`  unsigned SBOM: ${r.sbomAttachment.tag}`] : []),
      ];
      return { text, json: r };
    }),
};
