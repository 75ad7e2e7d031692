// `ocisign --version` against `node -e 0` on the same Node binary (target ≤ 1.5×), interleaved runs, medians
// and their ratio. Also reports `ocisign --help` (loads yargs and every command module) for reference, and, when
// `node scripts/bundle.ts --snapshot` has built dist/ocisign.blob with this Node, the same from the experimental
// V8 start-up snapshot (not used by bin/ocisign: see scripts/bundle.ts).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BenchFunction, type BenchOptions, type BenchRow, compare, runStandalone } from './lib.ts';

const bin = join(dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'ocisign');
const blob = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'ocisign.blob');

/** The snapshot blob when it exists and was built by this Node version. */
function snapshotBlob(): string | undefined {
  if (!existsSync(blob) || !existsSync(`${blob}.stamp`)) return undefined;
  return readFileSync(`${blob}.stamp`, 'utf8').split(' ')[0] === process.version ? blob : undefined;
}

async function snapshotRows(options: BenchOptions): Promise<BenchRow[]> {
  const snap = snapshotBlob();
  if (!snap) return [];
  const run = (arg: string) => ({ name: `snapshot ${arg}`, command: process.execPath, args: ['--snapshot-blob', snap, '--', arg] });
  const esm = (arg: string) => ({ name: `ocisign ${arg}`, command: process.execPath, args: [bin, arg] });
  return [
    await compare('start-up snapshot vs ESM bundle: --version', run('--version'), esm('--version'), options),
    await compare('start-up snapshot vs ESM bundle: --help', run('--help'), esm('--help'), options),
  ];
}

export const bench: BenchFunction = async (options: BenchOptions): Promise<BenchRow[]> => {
  const node = { name: 'node -e 0', command: process.execPath, args: ['-e', '0'] };
  return [
    await compare('start-up: --version', { name: 'ocisign --version', command: process.execPath, args: [bin, '--version'] }, node, options, 1.5),
    await compare('start-up: --help (yargs + commands)', { name: 'ocisign --help', command: process.execPath, args: [bin, '--help'] }, node, options),
    ...(await snapshotRows(options)),
  ];
};

if (import.meta.main) await runStandalone(bench);
