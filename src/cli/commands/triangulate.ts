import type { CommandModule } from 'yargs';
import type { GlobalArgs } from '../context.ts';
import { runCommand } from '../run-command.ts';
import { targetRepository } from './image-args.ts';

interface TriangulateArgs extends GlobalArgs {
  image: string;
  type: 'signature' | 'attestation' | 'sbom' | 'digest' | 'bundle';
  repository?: string;
}

export const triangulateCommand: CommandModule<GlobalArgs, TriangulateArgs> = {
  command: 'triangulate <image>',
  describe: 'Print where the signature/attestation/sbom (or, --type bundle, the Sigstore bundle referrers) of an image is stored',
  builder: (y) =>
    y
      .positional('image', { type: 'string', demandOption: true, describe: 'image reference' })
      .option('type', { choices: ['signature', 'attestation', 'sbom', 'digest', 'bundle'] as const, default: 'signature' as const, describe: "what to locate; bundle: where the image's OCI referrers are listed (the sha256-<hex> index, the referrers API, or a layout), then each bundle referrer" })
      .option('repository', { type: 'string', describe: 'repository holding attachments (default: $COSIGN_REPOSITORY, else the image\'s)' }),
  handler: (argv) =>
    runCommand(argv, async (ctx, args) => {
      const { triangulateImage } = await import('../../ops/triangulate.ts');
      const ref = await ctx.parse(args.image);
      const target = await targetRepository(ctx, args.repository ?? ctx.env.COSIGN_REPOSITORY);
      const opened = target && args.type === 'bundle' ? await ctx.open(target) : undefined;
      const result = await triangulateImage(await ctx.openImage(ref), ref, args.type, { targetRepository: target, ...(opened ? { openRepository: () => opened } : {}) });
      return { text: [result.reference, ...(result.bundles ?? [])], json: result };
    }),
};

