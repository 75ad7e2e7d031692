import type { CommandModule } from 'yargs';
import type { GlobalArgs } from '../context.ts';
import { runCommand } from '../run-command.ts';

interface DigestArgs extends GlobalArgs {
  image: string;
}

export const digestCommand: CommandModule<GlobalArgs, DigestArgs> = {
  command: 'digest <image>',
  describe: 'Print the digest of an image (registry reference or oci:DIR[:TAG])',
  builder: (y) => y.positional('image', { type: 'string', demandOption: true, describe: 'image reference' }),
  handler: (argv) =>
    runCommand(argv, async (ctx, args) => {
      const { digestImage } = await import('../../ops/digest.ts');
      const ref = await ctx.parse(args.image);
      const result = await digestImage(await ctx.openImage(ref), ref);
      return { text: result.digest, json: result };
    }),
};
