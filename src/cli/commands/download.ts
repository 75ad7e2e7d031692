import type { CommandModule } from 'yargs';
import type { GlobalArgs } from '../context.ts';
import { runCommand, type HandlerArgs } from '../run-command.ts';
import { attachTarget } from './attach.ts';
import { ioOf } from './image-args.ts';

interface DownloadArgs extends GlobalArgs {
  what: 'sbom' | 'signature' | 'attestation';
  image: string;
  platform?: string;
  'predicate-type'?: string;
  repository?: string;
}

export const downloadCommand: CommandModule<GlobalArgs, DownloadArgs> = {
  command: 'download <what> <image>',
  describe: 'Print what is attached to an image as cosign does: the raw SBOM, or JSON lines of signatures/attestations',
  builder: (y) =>
    y
      .positional('what', { choices: ['sbom', 'signature', 'attestation'] as const, demandOption: true, describe: 'what to download' })
      .positional('image', { type: 'string', demandOption: true, describe: 'image reference' })
      .option('platform', { type: 'string', describe: 'sbom of an index: the platform (os/arch[/variant]) whose SBOM to print' })
      .option('predicate-type', { type: 'string', describe: 'attestation: only this predicate type (cosign name or URI)' })
      .option('repository', { type: 'string', describe: 'read from this repository (default: $COSIGN_REPOSITORY)' }),
  handler: (argv) =>
    runCommand(argv as HandlerArgs<DownloadArgs>, async (ctx, args) => {
      const ops = await import('../../ops/download.ts');
      const target = await attachTarget(ctx, args.image, args.repository);
      const io = ioOf(args);
      if (args.what === 'sbom') {
        io.stderr('WARNING: Downloading SBOMs this way does not ensure its authenticity. To get a signed SBOM, use `ocisign verify-attestation --type cyclonedx`.');
        const sbom = await ops.downloadSbom(target, { platform: args.platform });
        io.stderr(`Found SBOM of media type: ${sbom.mediaType}`);
        printBytes(sbom.bytes, io.stdout);
        return;
      }
      const lines = args.what === 'signature'
        ? await ops.downloadSignatures(target)
        : await ops.downloadAttestations(target, { predicateType: args['predicate-type'] });
      io.stdout(lines.map((l) => `${l}\n`).join(''));
    }),
};

/** Valid UTF-8 goes through the run's io (lossless); anything else is written to stdout as raw bytes. */
function printBytes(bytes: Uint8Array, write: (text: string) => void): void {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    process.stdout.write(bytes);
    return;
  }
  write(text);
}
