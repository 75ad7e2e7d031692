/**
 * Runs bin/ocisign (from source) as a real process for hostile-input tests: optionally as an unprivileged user
 * (so file permissions apply even when the tests run as root), with the peak RSS of the whole process tree
 * measured by GNU time.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, spawnCollect } from '../cli/run-cli.ts';

export interface HostileRun {
  code: number;
  stdout: string;
  stderr: string;
  /** Peak resident set size in MiB (GNU time's %M), when measured. */
  peakMiB?: number;
}

const TIME = '/usr/bin/time';

/** Why runs as another user are impossible here (undefined: they work). */
export function unprivilegedUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return undefined; // already unprivileged: permissions apply as they are
  if (spawnSync('setpriv', ['--version']).status !== 0) return 'running as root without setpriv: cannot drop privileges to make permissions apply';
  return undefined;
}

/** Why peak RSS cannot be measured here (undefined: it can). */
export function rssUnavailable(): string | undefined {
  return existsSync(TIME) ? undefined : `${TIME} (GNU time) is not installed: peak RSS cannot be measured`;
}

export async function runHostile(
  args: string[],
  options: { env?: Record<string, string>; unprivileged?: boolean; measure?: boolean; stdin?: string; node?: string; fromSource?: boolean; cwd?: string } = {},
): Promise<HostileRun> {
  let argv = [options.node ?? process.execPath, BIN, ...args];
  if (options.unprivileged && process.getuid?.() === 0) argv = ['setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups', ...argv];
  let timeFile: string | undefined;
  if (options.measure) {
    const dir = await mkdtemp(join(tmpdir(), 'ocisign-rss-'));
    timeFile = join(dir, 'rss');
    argv = [TIME, '-f', '%M', '-o', timeFile, ...argv];
  }
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, OCISIGN_FROM_SOURCE: options.fromSource === false ? '0' : '1', ...options.env };
  const run = await spawnCollect(argv[0]!, argv.slice(1), { env, ...(options.cwd ? { cwd: options.cwd } : {}), ...(options.stdin !== undefined ? { stdin: options.stdin } : {}) });
  if (!timeFile) return run;
  const text = await readFile(timeFile, 'utf8');
  await rm(join(timeFile, '..'), { recursive: true, force: true });
  const kib = Number(text.trim().split('\n').pop());
  return { ...run, peakMiB: Math.round(kib / 1024) };
}

/** Where a run fails the CLI's error rule: exit 1, a stack trace, or not exactly one `ocisign: …` error line. */
export function errorRuleViolation(r: HostileRun): string | undefined {
  if (r.code === 1) return `exit 1 (an internal error): ${r.stderr}`;
  if (/\n\s+at |RangeError|TypeError|ReferenceError/.test(r.stderr)) return `stack trace or raw JS error in stderr: ${r.stderr}`;
  const errors = r.stderr.split('\n').filter((l) => l.startsWith('ocisign: ') && !l.startsWith('ocisign: warning:') && !/^ocisign: run "ocisign [a-z-]* ?--help" for usage$/.test(l));
  if (r.code !== 0 && errors.length !== 1) return `expected one "ocisign: …" error line, got ${errors.length}: ${r.stderr}`;
  return undefined;
}
