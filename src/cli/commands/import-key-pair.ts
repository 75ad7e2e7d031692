import type { CommandModule } from 'yargs';
import type { GlobalArgs } from '../context.ts';
import { runCommand } from '../run-command.ts';
import { cliPasswordProvider, keyFilesOutput } from './generate-key-pair.ts';

interface ImportKeyPairArgs extends GlobalArgs {
  key: string;
  'output-key-prefix': string;
  yes?: boolean;
}

export const importKeyPairCommand: CommandModule<GlobalArgs, ImportKeyPairArgs> = {
  command: 'import-key-pair',
  describe: 'Import an unencrypted PEM private key (PKCS#8, SEC1 or PKCS#1) as a cosign key pair',
  builder: (y) =>
    y
      .option('key', { alias: 'k', type: 'string', demandOption: true, describe: 'PEM private key file to import' })
      .option('output-key-prefix', { type: 'string', default: 'import-cosign', describe: 'write <prefix>.key and <prefix>.pub' })
      .option('yes', { alias: 'y', type: 'boolean', default: false, describe: 'overwrite existing key files' }),
  handler: (argv) =>
    runCommand(argv, async (ctx, args) => {
      const { importKeyPair } = await import('../../ops/keys.ts');
      const files = await importKeyPair({
        keyPath: args.key,
        outputKeyPrefix: args['output-key-prefix'],
        overwrite: args.yes === true,
        password: cliPasswordProvider(ctx.env, true),
      });
      return keyFilesOutput(files);
    }),
};
