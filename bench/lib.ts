// A tiny benchmark harness: run commands N times interleaved (A B A B …, so drift hits both alike), report the
// median and minimum wall time, the peak RSS and CPU time (through /usr/bin/time when it is installed), optionally
// the CPU time another process (a local registry) spent during each run, and print
// markdown tables for the README. Benchmarks report numbers; nothing here asserts on time.
import { spawn } from 'node:child_process';
import { accessSync, constants, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface BenchCommand {
  /** Label in the table, e.g. "ocisign sign" or "cosign sign". */
  name: string;
  command: string;
  args: string[];
  env?: Record<string, string>;
  input?: string;
  /** Runs before each timed run, untimed (e.g. deleting a .sig tag so each sign starts from the same state). */
  before?: () => Promise<void>;
}

export interface Measurement {
  name: string;
  runs: number;
  medianMs: number;
  minMs: number;
  /** Largest peak RSS over the runs in KiB, when /usr/bin/time is available. */
  peakRssKb?: number;
  /** Median user + system CPU time of the command (all its threads), when /usr/bin/time is available. */
  cpuMs?: number;
  /** Median CPU time `side` (see measure) spent during a run, e.g. the registry serving it. */
  sideCpuMs?: number;
  failures: number;
  /** stderr of the first failed run, trimmed. */
  firstError?: string;
}

export interface BenchRow {
  /** What is measured, e.g. "sign one image". */
  title: string;
  ours?: Measurement;
  peer?: Measurement;
  /** The target for ours/peer median, e.g. 1.0. */
  target?: number;
  /** Free text: a count, a skip reason. */
  note?: string;
}

export interface BenchOptions {
  runs: number;
  warmup: number;
}

/** The shape every bench file exports, so bench/run.ts can run it. */
export type BenchFunction = (options: BenchOptions) => Promise<BenchRow[]>;

export const defaultOptions: BenchOptions = { runs: 10, warmup: 1 };

export const timeBin = '/usr/bin/time';

function hasTime(): boolean {
  try {
    accessSync(timeBin, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

interface Sample {
  ms: number;
  code: number | null;
  rssKb?: number;
  cpuMs?: number;
  sideCpuMs?: number;
  stderr: string;
}

/** One run of a command: wall time from spawn to exit, and peak RSS and CPU time through /usr/bin/time when present. */
export async function runOnce(cmd: BenchCommand, measureRss = hasTime()): Promise<Sample> {
  const dir = measureRss ? await mkdtemp(join(tmpdir(), 'ocisign-bench-')) : undefined;
  const rssFile = dir ? join(dir, 'rss') : undefined;
  const [command, args] = rssFile
    ? [timeBin, ['-f', '%M %U %S', '-o', rssFile, cmd.command, ...cmd.args]]
    : [cmd.command, cmd.args];
  try {
    const started = process.hrtime.bigint();
    const { code, stderr } = await spawnQuiet(command, args, cmd);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    const rssText = rssFile ? await readFile(rssFile, 'utf8').catch(() => '') : '';
    const [rssField, user, system] = (rssText.trim().split('\n').pop() ?? '').split(' ');
    const rss = Number.parseInt(rssField ?? '', 10);
    const cpu = (Number(user) + Number(system)) * 1000;
    return { ms, code, stderr, ...(Number.isFinite(rss) ? { rssKb: rss } : {}), ...(Number.isFinite(cpu) ? { cpuMs: cpu } : {}) };
  } finally {
    if (dir) await rm(dir, { recursive: true, force: true });
  }
}

function spawnQuiet(command: string, args: string[], cmd: BenchCommand): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: cmd.env ?? process.env, stdio: ['pipe', 'ignore', 'pipe'] });
    const err: Buffer[] = [];
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr: Buffer.concat(err).toString('utf8') }));
    child.stdin.on('error', () => {});
    child.stdin.end(cmd.input ?? '');
  });
}

export function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function summarize(name: string, samples: Sample[]): Measurement {
  const ok = samples.filter((s) => s.code === 0);
  const failed = samples.filter((s) => s.code !== 0);
  const rss = ok.map((s) => s.rssKb).filter((v): v is number => v !== undefined);
  const m: Measurement = {
    name,
    runs: ok.length,
    medianMs: median(ok.map((s) => s.ms)),
    minMs: ok.length > 0 ? Math.min(...ok.map((s) => s.ms)) : Number.NaN,
    failures: failed.length,
  };
  if (rss.length > 0) m.peakRssKb = Math.max(...rss);
  const cpu = ok.map((s) => s.cpuMs).filter((v): v is number => v !== undefined);
  if (cpu.length > 0) m.cpuMs = median(cpu);
  const side = ok.map((s) => s.sideCpuMs).filter((v): v is number => v !== undefined);
  if (side.length > 0) m.sideCpuMs = median(side);
  if (failed.length > 0) m.firstError = failed[0]!.stderr.trim().split('\n').slice(-3).join(' | ');
  return m;
}

/**
 * Run every command `warmup` + `runs` times, interleaved; only the timed runs count. `side` reads the CPU time (ms)
 * of another process so far, e.g. processCpuMs(registry pid): each sample then records what it spent during the run.
 */
export async function measure(commands: BenchCommand[], options: BenchOptions = defaultOptions, side?: () => number | undefined): Promise<Measurement[]> {
  const samples = commands.map(() => [] as Sample[]);
  for (let round = 0; round < options.warmup + options.runs; round++) {
    for (const [i, cmd] of commands.entries()) {
      if (cmd.before) await cmd.before();
      const sideBefore = side?.();
      const sample = await runOnce(cmd);
      const sideAfter = side?.();
      if (sideBefore !== undefined && sideAfter !== undefined) sample.sideCpuMs = sideAfter - sideBefore;
      if (round >= options.warmup) samples[i]!.push(sample);
    }
  }
  return commands.map((cmd, i) => summarize(cmd.name, samples[i]!));
}

/** user + system CPU time (ms) a process has used so far, from /proc/PID/stat; undefined where unreadable. */
export function processCpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // after "pid (comm) ": state is field 3
    const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14, 15)
    return Number.isFinite(ticks) ? (ticks * 1000) / CLOCK_TICKS : undefined;
  } catch {
    return undefined;
  }
}

/** USER_HZ: 100 on every Linux architecture Node runs on. */
const CLOCK_TICKS = 100;

/** Measure ours against a peer and return one table row. */
export async function compare(title: string, ours: BenchCommand, peer: BenchCommand | undefined, options: BenchOptions, target?: number): Promise<BenchRow> {
  const [o, p] = await measure(peer ? [ours, peer] : [ours], options);
  const row: BenchRow = { title, ours: o! };
  if (p) row.peer = p;
  if (target !== undefined) row.target = target;
  return row;
}

export function ratio(row: BenchRow): number | undefined {
  if (!row.ours || !row.peer || row.ours.runs === 0 || row.peer.runs === 0) return undefined;
  return row.ours.medianMs / row.peer.medianMs;
}

function ms(value: number | undefined): string {
  return value === undefined || Number.isNaN(value) ? '–' : `${value.toFixed(value < 100 ? 1 : 0)} ms`;
}

function cell(m: Measurement | undefined): string {
  if (!m) return '–';
  const fails = m.failures > 0 ? ` (${m.failures} failed)` : '';
  // CPU shown only where the bench asked for the side process too (the two belong together)
  const cpu = m.sideCpuMs !== undefined && m.cpuMs !== undefined ? `; CPU ${ms(m.cpuMs)} + registry ${ms(m.sideCpuMs)}` : '';
  return `${m.name}: ${ms(m.medianMs)} (min ${ms(m.minMs)}, n=${m.runs}${cpu})${fails}`;
}

function rss(m: Measurement | undefined): string {
  return m?.peakRssKb === undefined ? '–' : `${(m.peakRssKb / 1024).toFixed(0)} MiB`;
}

/** A markdown table of the rows. */
export function markdownTable(rows: BenchRow[]): string {
  const lines = [
    '| benchmark | ocisign (median) | peer (median) | ratio | target | peak RSS ocisign / peer | notes |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const row of rows) {
    const r = ratio(row);
    const target = row.target === undefined ? '–' : `≤ ${String(row.target)}×`;
    const verdict = r === undefined || row.target === undefined ? '' : r <= row.target ? ' ✓' : ' ✗';
    const notes = [row.note, row.ours?.firstError, row.peer?.firstError].filter(Boolean).join('; ').replaceAll('|', '/');
    lines.push(
      `| ${row.title} | ${cell(row.ours)} | ${cell(row.peer)} | ${r === undefined ? '–' : `${r.toFixed(2)}×${verdict}`} | ${target} | ${rss(row.ours)} / ${rss(row.peer)} | ${notes} |`,
    );
  }
  return lines.join('\n');
}

/** Options from argv: --runs N --warmup N. */
export function optionsFromArgv(argv: string[]): BenchOptions {
  const options = { ...defaultOptions };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--runs') options.runs = Number(argv[++i]);
    else if (argv[i] === '--warmup') options.warmup = Number(argv[++i]);
  }
  return options;
}

/** Run one bench file's function standalone and print its table. */
export async function runStandalone(fn: BenchFunction): Promise<void> {
  const rows = await fn(optionsFromArgv(process.argv.slice(2)));
  console.log(markdownTable(rows));
}
