import type { CommandModule } from 'yargs';
import type { GlobalArgs } from '../context.ts';
import { runCommand } from '../run-command.ts';
import { targetRepository } from './image-args.ts';

interface TreeArgs extends GlobalArgs {
  image: string;
}

export const treeCommand: CommandModule<GlobalArgs, TreeArgs> = {
  command: 'tree <image>',
  describe: 'Show the signatures, attestations and SBOMs attached to an image (and to each child of an index)',
  builder: (y) => y.positional('image', { type: 'string', demandOption: true, describe: 'image reference' }),
  handler: (argv) =>
    runCommand(argv, async (ctx, args) => {
      const { treeImage } = await import('../../ops/tree.ts');
      const { renderTree } = await import('../render-tree.ts');
      const ref = await ctx.parse(args.image);
      const target = await targetRepository(ctx, ctx.env.COSIGN_REPOSITORY);
      const repo = await ctx.openImage(ref);
      const tree = await treeImage(repo, ref, { targetRepository: target && (await ctx.open(target)) });
      return { text: renderTree(tree), json: tree };
    }),
};
