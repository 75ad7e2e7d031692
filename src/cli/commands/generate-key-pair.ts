import type { CommandModule } from 'yargs';
import type { GlobalArgs } from '../context.ts';
import { runCommand } from '../run-command.ts';

interface GenerateKeyPairArgs extends GlobalArgs {
  'output-key-prefix': string;
  yes?: boolean;
}

/** The password provider of the key commands: COSIGN_PASSWORD, else a no-echo TTY prompt, else stdin. */
export function cliPasswordProvider(env: Record<string, string | undefined>, confirm: boolean): () => Promise<string> {
  return async () => {
    const { readPassword, terminalPasswordSource } = await import('../../sign/password.ts');
    const source = terminalPasswordSource({ env, stdin: process.stdin, stderr: process.stderr });
    return readPassword(source, { confirm });
  };
}

/** What generate-key-pair and import-key-pair print: the files written (text) or the files and key type (json). */
export function keyFilesOutput(files: { privateKeyPath: string; publicKeyPath: string; key: { algorithm: string } }) {
  return {
    text: [`Private key written to ${files.privateKeyPath}`, `Public key written to ${files.publicKeyPath}`],
    json: { privateKey: files.privateKeyPath, publicKey: files.publicKeyPath, keyType: files.key.algorithm },
  };
}

export const generateKeyPairCommand: CommandModule<GlobalArgs, GenerateKeyPairArgs> = {
  command: 'generate-key-pair',
  describe: 'Generate an ECDSA P-256 key pair: <prefix>.key (encrypted, mode 0600) and <prefix>.pub, as cosign',
  builder: (y) =>
    y
      .option('output-key-prefix', { type: 'string', default: 'cosign', describe: 'write <prefix>.key and <prefix>.pub' })
      .option('yes', { alias: 'y', type: 'boolean', default: false, describe: 'overwrite existing key files' }),
  handler: (argv) =>
    runCommand(argv, async (ctx, args) => {
      const { generateKeyPair } = await import('../../ops/keys.ts');
      const files = await generateKeyPair({
        outputKeyPrefix: args['output-key-prefix'],
        overwrite: args.yes === true,
        password: cliPasswordProvider(ctx.env, true),
      });
      return keyFilesOutput(files);
    }),
};
