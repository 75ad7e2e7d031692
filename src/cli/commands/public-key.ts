import type { CommandModule } from 'yargs';
import type { GlobalArgs } from '../context.ts';
import { runCommand } from '../run-command.ts';
import { cliKeyOptions } from './generate-key-pair.ts';

interface PublicKeyArgs extends GlobalArgs {
  key: string;
  outfile?: string;
}

export const publicKeyCommand: CommandModule<GlobalArgs, PublicKeyArgs> = {
  command: 'public-key',
  describe: 'Print (or write) the PEM public key of a cosign private key, a KMS key or a PKCS#11 key',
  builder: (y) =>
    y
      .option('key', { type: 'string', demandOption: true, describe: 'cosign private key file, public key PEM, awskms://… or pkcs11:… URI' })
      .option('outfile', { type: 'string', describe: 'write the public key to this file instead of stdout' }),
  handler: (argv) =>
    runCommand(argv, async (ctx, args) => {
      const { publicKeyFromFile, writeFileAtomic } = await import('../../ops/keys.ts');
      const { password, ...options } = cliKeyOptions(ctx.env);
      const pem = await publicKeyFromFile(args.key, password, options);
      if (args.outfile === undefined) return { text: pem.trimEnd(), json: { publicKey: pem } };
      await writeFileAtomic(args.outfile, pem, 0o644, true);
      return { text: `Public key written to ${args.outfile}`, json: { publicKey: pem, outfile: args.outfile } };
    }),
};
