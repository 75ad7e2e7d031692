// `ocisign --version` against `node -e 0` on the same Node binary (target ≤ 1.5×), interleaved runs, medians
// and their ratio. Also reports `ocisign --help` (loads yargs and every command module) for reference.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BenchFunction, type BenchOptions, type BenchRow, compare, runStandalone } from './lib.ts';

const bin = join(dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'ocisign');

export const bench: BenchFunction = async (options: BenchOptions): Promise<BenchRow[]> => {
  const node = { name: 'node -e 0', command: process.execPath, args: ['-e', '0'] };
  return [
    await compare('start-up: --version', { name: 'ocisign --version', command: process.execPath, args: [bin, '--version'] }, node, options, 1.5),
    await compare('start-up: --help (yargs + commands)', { name: 'ocisign --help', command: process.execPath, args: [bin, '--help'] }, node, options),
  ];
};

if (import.meta.main) await runStandalone(bench);
