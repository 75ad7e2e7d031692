// Image SBOM scan against its floor: `scanImageLayers` (in a child process, so peak RSS is its own) vs just
// decompressing and listing the same layers (`zcat LAYER | tar -t > /dev/null`). Two images:
//  1. a debootstrap bookworm minbase root layer (≈90 MB gzip, cached in .work/sbom-image) + a generated app
//     layer with a few thousand node_modules packages;
//  2. one generated 1 GiB (uncompressed, mostly incompressible) layer with 20,000 package.json files.
// Targets: time ≤ 1.5× the floor; peak RSS ≤ 200 MiB on both.
// Usage: node bench/sbom-image.ts [--runs N] [--warmup N]   (or npm run bench -- --only sbom-image)
import { createWriteStream, existsSync, renameSync, statSync } from 'node:fs';
import { randomFillSync } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { once } from 'node:events';
import { createGzip } from 'node:zlib';
import { type BenchCommand, type BenchFunction, type BenchOptions, type BenchRow, compare, runStandalone } from './lib.ts';
import { SBOM_WORK_DIR, buildTar, ensureDebianRoot, fileLayer } from '../test/helpers/sbom-images.ts';
import { scanImageLayers } from '../src/sbom/image/scan-image.ts';

const self = fileURLToPath(import.meta.url);

/** Stream entries into a gzip file (level 1 for the big one), atomically. */
async function writeGzipLayer(path: string, level: number, produce: (write: (b: Uint8Array) => Promise<void>) => Promise<void>): Promise<void> {
  const gzip = createGzip({ level });
  const out = createWriteStream(`${path}.tmp`);
  gzip.pipe(out);
  const write = async (b: Uint8Array): Promise<void> => {
    if (!gzip.write(b)) await once(gzip, 'drain');
  };
  await produce(write);
  gzip.end(new Uint8Array(1024));
  await once(out, 'close');
  renameSync(`${path}.tmp`, path);
}

function fakeSource(i: number, bytes: number): string {
  let s = `// module ${i}\n`;
  while (s.length < bytes) s += `export function f${s.length}_${i}(a, b) { return a * ${i} + b - ${s.length}; }\n`;
  return s;
}

const packageJson = (name: string, version: string, deps: string[]): string =>
  JSON.stringify({ name, version, license: 'MIT', description: `generated ${name}`, dependencies: Object.fromEntries(deps.map((d) => [d, '*'])) }, null, 2);

/** An app layer: `count` packages (a quarter scoped, some nested), each with package.json, index.js, README. */
async function ensureAppLayer(count: number): Promise<string> {
  const path = join(SBOM_WORK_DIR, `app-${count}.tar.gz`);
  if (existsSync(path)) return path;
  await writeGzipLayer(path, 6, async (write) => {
    for (let i = 0; i < count; i++) {
      const name = i % 4 === 0 ? `@scope${i % 7}/pkg-${i}` : `pkg-${i}`;
      const dir = i % 10 === 9 ? `app/node_modules/pkg-${i - 1}/node_modules/${name}` : `app/node_modules/${name}`;
      await write(
        buildTar(
          [
            { path: `${dir}/package.json`, content: packageJson(name, `1.${i % 13}.${i % 5}`, [`pkg-${(i * 7) % count}`]) },
            { path: `${dir}/index.js`, content: fakeSource(i, 6000) },
            { path: `${dir}/README.md`, content: `# ${name}\n\n${'lorem ipsum '.repeat(200)}\n` },
          ],
          { omitEnd: true },
        ),
      );
    }
  });
  return path;
}

/** A 1 GiB layer: 100 incompressible 10 MiB "binaries" + 20,000 package.json files. */
async function ensureBigLayer(): Promise<string> {
  const path = join(SBOM_WORK_DIR, 'big-1g.tar.gz');
  if (existsSync(path)) return path;
  const blob = new Uint8Array(10 * 1024 * 1024);
  await writeGzipLayer(path, 1, async (write) => {
    for (let i = 0; i < 20_000; i++) {
      if (i % 200 === 0) {
        randomFillSync(blob);
        await write(buildTar([{ path: `opt/data/blob-${i / 200}.bin`, content: blob, mode: 0o755 }], { omitEnd: true }));
      }
      await write(buildTar([{ path: `srv/app/node_modules/p${i}/package.json`, content: packageJson(`p${i}`, '1.0.0', [`p${i + 1}`]) }], { omitEnd: true }));
    }
  });
  return path;
}

const floor = (name: string, layers: string[]): BenchCommand => ({
  name,
  command: 'sh',
  args: ['-c', layers.map((l) => `zcat '${l}' | tar -t > /dev/null`).join(' && ')],
});

const ours = (name: string, layers: string[], nodeFlags: string[] = []): BenchCommand => ({
  name,
  command: process.execPath,
  args: [...nodeFlags, self, '--scan', ...layers],
});

/** The flag bin/ocisign runs `sbom` and `release` with (a small young generation keeps RSS low at no cost in time). */
const SMALL_YOUNG_GEN = ['--max-semi-space-size=4'];

export const bench: BenchFunction = async (options: BenchOptions): Promise<BenchRow[]> => {
  const runs = { runs: Math.min(options.runs, 3), warmup: Math.min(options.warmup, 1) };
  const rows: BenchRow[] = [];
  const root = ensureDebianRoot();
  if (typeof root === 'string') {
    rows.push({ title: 'sbom image (debootstrap root + app layer)', note: `skipped: ${root}` });
  } else {
    const layers = [root.layerPath, await ensureAppLayer(4000)];
    const mb = layers.reduce((n, l) => n + statSync(l).size, 0) / 1e6;
    const row = await compare(`sbom image, ${mb.toFixed(0)} MB gzip (debootstrap root + 4,000-package app layer) vs zcat|tar -t`, ours('ocisign scanImageLayers', layers, SMALL_YOUNG_GEN), floor('zcat | tar -t', layers), runs, 1.5);
    row.note = await scanSummary(layers);
    rows.push(row);
  }
  const big = await ensureBigLayer();
  const row = await compare(`sbom image, generated 1 GiB layer (${(statSync(big).size / 1e6).toFixed(0)} MB gzip) vs zcat|tar -t`, ours('ocisign scanImageLayers', [big], SMALL_YOUNG_GEN), floor('zcat | tar -t', [big]), runs, 1.5);
  row.note = await scanSummary([big]);
  rows.push(row);
  return rows;
};

async function scanSummary(layers: string[]): Promise<string> {
  const r = await scanImageLayers({ layers: layers.map((l, i) => fileLayer(l, undefined, `sha256:${String(i).padStart(64, '0')}`)) });
  const byType = new Map<string, number>();
  for (const p of r.packages) byType.set(p.type, (byType.get(p.type) ?? 0) + 1);
  return `${r.packages.length} packages (${[...byType].map(([t, n]) => `${t} ${n}`).join(', ')}), ${r.warnings.length} warnings`;
}

/** Child mode: scan the given layer files and print a one-line summary. */
async function scanChild(paths: string[]): Promise<void> {
  const started = process.hrtime.bigint();
  const r = await scanImageLayers({ layers: paths.map((p) => fileLayer(p)) });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  console.log(JSON.stringify({ packages: r.packages.length, warnings: r.warnings.length, ms, maxRssKb: process.resourceUsage().maxRSS }));
}

if (process.argv[1] === self) {
  if (process.argv[2] === '--scan') await scanChild(process.argv.slice(3));
  else await runStandalone(bench);
}
