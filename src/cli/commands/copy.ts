import type { CommandModule } from 'yargs';
import type { GlobalArgs } from '../context.ts';
import { runCommand } from '../run-command.ts';

interface CopyArgs extends GlobalArgs {
  source: string;
  destination: string;
  parallelism: number;
  'sig-only'?: boolean;
}

export const copyCommand: CommandModule<GlobalArgs, CopyArgs> = {
  command: 'copy <source> <destination>',
  describe: 'Copy an image (an index with every child) and its signatures/attestations/SBOMs, keeping digests',
  builder: (y) =>
    y
      .positional('source', { type: 'string', demandOption: true, describe: 'source reference (registry or oci:DIR[:TAG])' })
      .positional('destination', { type: 'string', demandOption: true, describe: 'destination reference' })
      .option('parallelism', { alias: 'j', type: 'number', default: 4, describe: 'most blob transfers at once' })
      .check((a) => {
        if (!Number.isInteger(a.parallelism) || (a.parallelism as number) < 1) throw new Error('--parallelism must be a positive integer');
        return true;
      }),
  handler: (argv) =>
    runCommand(argv, async (ctx, args) => {
      const { copyImage } = await import('../../ops/copy.ts');
      const srcRef = await ctx.parse(args.source);
      const dstRef = await ctx.parse(args.destination);
      const [src, dst] = [await ctx.openImage(srcRef), await ctx.open(dstRef)];
      const result = await copyImage(src, srcRef, dst, dstRef, { concurrency: args.parallelism, logger: ctx.logger });
      const text = `copied ${result.source} to ${result.destination} (${result.manifests} manifests, ${result.blobsCopied} blobs copied, ${result.blobsSkipped} already there${result.attachments.length ? `, attachments: ${result.attachments.join(' ')}` : ''})`;
      ctx.logger.debug(text);
      return { text: result.destination, json: result };
    }),
};
