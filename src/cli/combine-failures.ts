import { OcisignError } from '../core/errors.ts';
import type { CliIo } from './io.ts';

/**
 * Multi-image commands: with one image its error is thrown as is; with several, each failure is printed (with its
 * detail lines) and one error carries the worst exit code. Nothing happens when nothing failed.
 */
export function throwCombinedFailures(failures: readonly OcisignError[], total: number, io: CliIo, what: string): void {
  if (failures.length === 0) return;
  if (total === 1) throw failures[0];
  for (const f of failures) {
    io.stderr(`ocisign: ${f.message}`);
    for (const line of f.details) io.stderr(`  ${line}`);
  }
  const worst = failures.reduce((a, b) => (b.exitCode > a.exitCode ? b : a));
  throw new OcisignError(worst.code, `${failures.length} of ${total} images failed ${what}`);
}
