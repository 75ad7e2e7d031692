/**
 * The exit-1 rule as a table: each row runs the real CLI on one hostile input or fault and must fail cleanly —
 * never exit 1 (a bug in ocisign), never a stack trace, exactly one `ocisign: …` error line naming what failed,
 * and the expected exit code. To add a row: append `{ name, args, code, message }` to a table (the fixture gives
 * paths of prepared inputs); `todo: 'owner: why'` keeps a known failure visible without failing the suite.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { errorRuleViolation, runHostile, unprivilegedUnavailable, type HostileRun } from './run-cli.ts';

export interface HostileRow<F> {
  name: string;
  /** The CLI arguments, built from the fixture. */
  args: (f: F) => string[];
  env?: (f: F) => Record<string, string>;
  /** Expected exit code (0 for inputs that are tolerated with a warning). */
  code: number;
  /** What the error (or warning) line must say, e.g. the file or host it names. */
  message: (f: F) => RegExp;
  /** Run as an unprivileged user (file permissions apply even as root). */
  unprivileged?: boolean;
  /** Assert the peak RSS of the run stays under this many MiB. */
  maxPeakMiB?: number;
  stdin?: string;
  cwd?: (f: F) => string;
  /** Why the row cannot run here (a missing fixture or tool), printed as the skip reason. */
  skip?: string;
  /** A known failure and who fixes it: the row runs and reports, but does not fail the suite. */
  todo?: string;
}

export function hostileTable<F>(title: string, fixture: () => F, rows: readonly HostileRow<F>[]): void {
  for (const row of rows) {
    const skip = row.skip ?? (row.unprivileged ? unprivilegedUnavailable() : undefined);
    test(`${title}: ${row.name}`, { skip, todo: row.todo }, async () => {
      const f = fixture();
      const r: HostileRun = await runHostile(row.args(f), {
        env: { COSIGN_PASSWORD: '', ...row.env?.(f) },
        unprivileged: row.unprivileged,
        measure: row.maxPeakMiB !== undefined,
        stdin: row.stdin,
        cwd: row.cwd?.(f),
      });
      assert.equal(errorRuleViolation(r), undefined);
      assert.equal(r.code, row.code, `exit ${r.code}, expected ${row.code}: ${r.stderr}`);
      assert.match(r.stderr, row.message(f));
      if (row.maxPeakMiB !== undefined) assert.ok(r.peakMiB! < row.maxPeakMiB, `peak RSS ${r.peakMiB} MiB, limit ${row.maxPeakMiB}`);
    });
  }
}

/** A RegExp matching `text` literally. */
export function literal(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
