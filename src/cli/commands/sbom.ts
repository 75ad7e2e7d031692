/**
 * `ocisign sbom TARGET`: TARGET is `dir:PATH`, an existing directory, `oci:DIR[:TAG|@DIGEST]` or a registry
 * reference. The SBOM is validated before anything is written; `--output-file` is written atomically
 * (temp file in the same directory + rename), nothing else is written. With `--platform all` each platform's
 * SBOM goes to `<file>` with the platform inserted before the extension (`bom.linux-arm64.json`).
 * Warnings (packages that could not be read) go to stderr; progress only when stderr is a TTY.
 */
import type { CommandModule } from 'yargs';
import type { CliContext, GlobalArgs } from '../context.ts';
import { runCommand } from '../run-command.ts';
import { ioOf } from './image-args.ts';

interface SbomArgs extends GlobalArgs {
  target: string;
  'output-file'?: string;
  format: 'cyclonedx-json' | 'cyclonedx-xml' | 'spdx-json';
  platform?: string;
  scope: 'squashed' | 'all-layers';
  exclude?: string | string[];
  deterministic: boolean;
}

export const sbomCommand: CommandModule<GlobalArgs, SbomArgs> = {
  command: 'sbom <target>',
  describe: 'Generate an SBOM of an image (registry or oci:DIR) or a directory (dir:PATH or a path)',
  builder: (y) =>
    y
      .positional('target', { type: 'string', demandOption: true, describe: 'image reference, oci:DIR[:TAG], dir:PATH or a directory' })
      .option('output-file', { type: 'string', describe: 'write the SBOM to this file (atomically) instead of stdout' })
      .option('format', { choices: ['cyclonedx-json', 'cyclonedx-xml', 'spdx-json'] as const, default: 'cyclonedx-json' as const, describe: 'SBOM format' })
      .option('platform', { type: 'string', describe: 'os/arch[/variant] of an index to scan, or "all" (default: linux/<host arch>)' })
      .option('scope', { choices: ['squashed', 'all-layers'] as const, default: 'squashed' as const, describe: 'image layers to catalog' })
      .option('exclude', { type: 'string', describe: '.gitignore-style pattern to skip in a directory (repeatable)' })
      .option('deterministic', { type: 'boolean', default: false, describe: 'derive the serial number from the content (with SOURCE_DATE_EPOCH: byte-identical output)' }),
  handler: (argv) =>
    runCommand(argv, async (ctx, args) => {
      const { generateSboms } = await import('../../ops/sbom.ts');
      const { version } = await import('../main.ts');
      const io = ioOf(args);
      const target = await resolveTarget(ctx, args.target, args.platform);
      if (args.platform === 'all' && !args['output-file']) {
        const { OcisignError } = await import('../../core/errors.ts');
        throw new OcisignError('USAGE', '--platform all writes one SBOM per platform: give --output-file');
      }
      const results = await generateSboms(target, {
        format: args.format,
        scope: args.scope,
        exclude: ([] as string[]).concat(args.exclude ?? []),
        deterministic: args.deterministic,
        timestamp: await timestampOf(ctx.env, args.deterministic),
        toolVersion: version(),
        onProgress: target.kind === 'image' ? progressPrinter(io.isTTY, (line) => io.stderr(line)) : undefined,
      });
      const written: { file?: string; platform?: string; digest?: string; warnings: number }[] = [];
      for (const r of results) {
        for (const w of r.warnings) ctx.logger.warn(`${w.subject}: ${w.reason}`);
        for (const n of r.notes) ctx.logger.warn(n);
        if (args['output-file']) {
          const file = results.length > 1 || args.platform === 'all' ? withPlatform(args['output-file'], r.platform) : args['output-file'];
          await writeAtomically(file, r.bytes);
          written.push({ file, platform: r.platform, digest: r.digest, warnings: r.warnings.length });
        } else {
          io.stdout(Buffer.from(r.bytes).toString('utf8'));
        }
      }
      if (!args['output-file']) return;
      return { text: written.map((w) => `wrote ${w.file}${w.platform ? ` (${w.platform})` : ''}`), json: written };
    }),
};

async function resolveTarget(ctx: CliContext, input: string, platform: string | undefined) {
  if (input.startsWith('dir:')) return { kind: 'directory' as const, path: input.slice(4) || '.' };
  if (!input.startsWith('oci:')) {
    const { stat } = await import('node:fs/promises');
    const isDir = await stat(input).then((s) => s.isDirectory(), () => false);
    if (isDir || input.startsWith('.') || input.startsWith('/')) return { kind: 'directory' as const, path: input };
  }
  const ref = await ctx.parse(input);
  return { kind: 'image' as const, repository: await ctx.openImage(ref), ref, platform };
}

/** SOURCE_DATE_EPOCH (seconds) when set; else now, or nothing with --deterministic. */
async function timestampOf(env: Record<string, string | undefined>, deterministic: boolean): Promise<Date | undefined> {
  const raw = env.SOURCE_DATE_EPOCH;
  if (raw !== undefined && raw !== '') {
    if (!/^\d+$/.test(raw)) {
      const { OcisignError } = await import('../../core/errors.ts');
      throw new OcisignError('USAGE', `invalid SOURCE_DATE_EPOCH ${JSON.stringify(raw)}: want whole seconds since 1970`);
    }
    return new Date(Number(raw) * 1000);
  }
  return deterministic ? undefined : new Date();
}

function withPlatform(file: string, platform: string | undefined): string {
  const tag = (platform ?? 'image').replace(/\//g, '-');
  const slash = file.lastIndexOf('/');
  const dot = file.lastIndexOf('.');
  return dot > slash + 1 ? `${file.slice(0, dot)}.${tag}${file.slice(dot)}` : `${file}.${tag}`;
}

async function writeAtomically(file: string, bytes: Uint8Array): Promise<void> {
  const { open, rename, rm } = await import('node:fs/promises');
  const { dirname, basename, join } = await import('node:path');
  const { randomBytes } = await import('node:crypto');
  const tmp = join(dirname(file), `.${basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const handle = await open(tmp, 'wx', 0o644);
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    const { OcisignError, describeError } = await import('../../core/errors.ts');
    throw new OcisignError('IO', `writing ${file}: ${describeError(err)}`, { cause: err });
  }
}

export interface SbomProgress {
  layersDone: number;
  layersTotal: number;
  bytesRead: number;
  platform?: string;
}

/**
 * Progress of image scans for a terminal: undefined (no progress at all) unless `isTTY`. Writes at most one line
 * per layer finished or per 64 MiB read: `sbom linux/amd64: 2/5 layers, 123.4 MiB read`.
 */
export function progressPrinter(isTTY: boolean | undefined, write: (line: string) => void): ((p: SbomProgress) => void) | undefined {
  if (!isTTY) return undefined;
  let lastLayers = -1;
  let lastBytes = 0;
  return (p) => {
    if (p.layersDone === lastLayers && p.bytesRead - lastBytes < 64 * 1024 * 1024) return;
    lastLayers = p.layersDone;
    lastBytes = p.bytesRead;
    write(`sbom${p.platform ? ` ${p.platform}` : ''}: ${p.layersDone}/${p.layersTotal} layers, ${formatBytes(p.bytesRead)} read`);
  };
}

function formatBytes(n: number): string {
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 * 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(1)} MiB`;
  return `${(n / (1024 * 1024 * 1024)).toFixed(2)} GiB`;
}
