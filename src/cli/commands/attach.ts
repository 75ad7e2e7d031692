import type { CommandModule } from 'yargs';
import type { CliContext, GlobalArgs } from '../context.ts';
import { runCommand, type HandlerArgs } from '../run-command.ts';
import { imageTarget, ioOf } from './image-args.ts';

interface AttachArgs extends GlobalArgs {
  what: string;
  image: string;
  sbom: string;
  type: 'cyclonedx' | 'spdx' | 'syft';
  'input-format'?: 'json' | 'xml' | 'text';
  repository?: string;
}

/** IMAGE → the ops' ImageTarget (attachments in --repository / $COSIGN_REPOSITORY when set). */
export async function attachTarget(ctx: CliContext, image: string, repository: string | undefined) {
  const t = await imageTarget(ctx, image, repository ?? ctx.env.COSIGN_REPOSITORY);
  return { image: t.image, ref: t.ref, name: t.name, dockerReference: t.dockerReference, attachments: t.signatures };
}

export const attachCommand: CommandModule<GlobalArgs, AttachArgs> = {
  command: 'attach <what> <image>',
  describe: 'Attach an unsigned SBOM to an image as cosign does (.sbom tag); `attest` signs one instead',
  builder: (y) =>
    y
      .positional('what', { type: 'string', choices: ['sbom'], demandOption: true, describe: 'what to attach' })
      .positional('image', { type: 'string', demandOption: true, describe: 'image reference' })
      .option('sbom', { type: 'string', demandOption: true, describe: 'SBOM file, or - for stdin' })
      .option('type', { choices: ['cyclonedx', 'spdx', 'syft'] as const, default: 'spdx' as const, describe: 'SBOM type (cosign default: spdx)' })
      .option('input-format', { choices: ['json', 'xml', 'text'] as const, describe: 'SBOM encoding (default: from the file name or content)' })
      .option('repository', { type: 'string', describe: 'store the SBOM in this repository (default: $COSIGN_REPOSITORY)' }),
  handler: (argv) =>
    runCommand(argv as HandlerArgs<AttachArgs>, async (ctx, args) => {
      const { attachSbom, sbomMediaType, UNSIGNED_SBOM_NOTE } = await import('../../ops/attach.ts');
      const bytes = await readSbomInput(args.sbom);
      const mediaType = sbomMediaType(args.type, bytes, args['input-format'], args.sbom === '-' ? undefined : args.sbom);
      const target = await attachTarget(ctx, args.image, args.repository);
      const io = ioOf(args);
      io.stderr(UNSIGNED_SBOM_NOTE);
      const r = await attachSbom(target, bytes, mediaType);
      io.stderr(`Uploading SBOM file for [${target.name}] to [${r.tag}] with mediaType [${r.mediaType}].`);
      return { text: '', json: r };
    }),
};

/** The SBOM bytes from a file or stdin, refusing more than the payload limit. */
async function readSbomInput(path: string): Promise<Uint8Array> {
  const { DEFAULT_LIMITS } = await import('../../core/limits.ts');
  const { OcisignError } = await import('../../core/errors.ts');
  if (path !== '-') {
    const { readPredicateFile } = await import('../../ops/attest.ts');
    return readPredicateFile(path).catch((err: { message?: string }) => {
      throw new OcisignError('BAD_INPUT', String(err.message ?? err).replace(/^reading predicate/, 'reading SBOM'), { cause: err });
    });
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
    size += chunk.byteLength;
    if (size > DEFAULT_LIMITS.maxPayloadBytes) throw new OcisignError('BAD_INPUT', `reading SBOM from stdin: more than the limit of ${DEFAULT_LIMITS.maxPayloadBytes} bytes`);
    chunks.push(chunk);
  }
  return new Uint8Array(Buffer.concat(chunks));
}
