import type { CommandModule } from 'yargs';
import type { GlobalArgs } from '../context.ts';
import { runCommand } from '../run-command.ts';

interface GenerateKeyPairArgs extends GlobalArgs {
  'output-key-prefix': string;
  yes?: boolean;
  kms?: string;
}

/** The password provider of the key commands: COSIGN_PASSWORD, else a no-echo TTY prompt, else stdin. */
export function cliPasswordProvider(env: Record<string, string | undefined>, confirm: boolean): () => Promise<string> {
  return async () => {
    const { readPassword, terminalPasswordSource } = await import('../../sign/password.ts');
    const source = terminalPasswordSource({ env, stdin: process.stdin, stderr: process.stderr });
    return readPassword(source, { confirm });
  };
}

/**
 * How the key commands load `--key` (kms/load-key.ts): the environment, the key-file password (as above), and a
 * no-echo PIN prompt for PKCS#11 tokens when stdin is a terminal.
 */
export function cliKeyOptions(env: Record<string, string | undefined>) {
  return {
    env,
    password: cliPasswordProvider(env, false),
    askPin: async (question: string) => {
      const { terminalPasswordSource } = await import('../../sign/password.ts');
      const { OcisignError } = await import('../../core/errors.ts');
      const source = terminalPasswordSource({ env, stdin: process.stdin, stderr: process.stderr });
      if (!source.isInteractive()) throw new OcisignError('BAD_INPUT', `${question.replace(/: $/, '')}: no terminal to ask on; set pin-value in the URI or COSIGN_PKCS11_PIN`);
      return source.prompt(question);
    },
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
      .option('yes', { alias: 'y', type: 'boolean', default: false, describe: 'overwrite existing key files' })
      .option('kms', { type: 'string', describe: 'create the key in AWS KMS instead (awskms://[ENDPOINT]/alias/NAME; reused if it exists) and write only <prefix>.pub' }),
  handler: (argv) =>
    runCommand(argv, async (ctx, args) => {
      if (args.kms !== undefined) {
        const { generateKmsKeyPair } = await import('../../ops/keys.ts');
        const made = await generateKmsKeyPair({ kms: args.kms, outputKeyPrefix: args['output-key-prefix'], overwrite: args.yes === true, env: ctx.env });
        return { text: `Public key written to ${made.publicKeyPath}`, json: { publicKey: made.publicKeyPath, keyType: made.key.algorithm, created: made.created } };
      }
      const { generateKeyPair } = await import('../../ops/keys.ts');
      const files = await generateKeyPair({
        outputKeyPrefix: args['output-key-prefix'],
        overwrite: args.yes === true,
        password: cliPasswordProvider(ctx.env, true),
      });
      return keyFilesOutput(files);
    }),
};
