// Runs every benchmark file in bench/ (or those named with --only) and prints one markdown table for the
// README. A bench file exports `bench: BenchFunction` (see lib.ts); a file without it is run as a child process
// and its stdout is passed through. Usage: npm run bench -- [--runs N] [--warmup N] [--only digest,sign-verify]
import { spawn } from 'node:child_process';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type BenchFunction, type BenchOptions, type BenchRow, markdownTable, optionsFromArgv } from './lib.ts';

const benchDir = dirname(fileURLToPath(import.meta.url));
const notBenches = new Set(['lib.ts', 'run.ts']);

async function benchFiles(only: string[] | undefined): Promise<string[]> {
  const names = (await readdir(benchDir)).filter((n) => n.endsWith('.ts') && !notBenches.has(n) && !n.endsWith('.d.ts'));
  const picked = only ? names.filter((n) => only.includes(n.replace(/\.ts$/, ''))) : names;
  return picked.sort();
}

function onlyFromArgv(argv: string[]): string[] | undefined {
  const i = argv.indexOf('--only');
  return i >= 0 && argv[i + 1] ? argv[i + 1]!.split(',') : undefined;
}

function runChild(file: string, argv: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [file, ...argv], { stdio: ['ignore', 'pipe', 'inherit'] });
    const out: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      const text = Buffer.concat(out).toString('utf8').trim();
      resolve(code === 0 ? text : `${text}\n\n(${file} exited ${code})`);
    });
  });
}

async function runFile(name: string, options: BenchOptions, argv: string[]): Promise<string> {
  const file = join(benchDir, name);
  // Import only files that export `bench` (importing a script without it would run it here, then again as a child).
  if (!/export\s+(const|let|async\s+function|function)\s+bench\b/.test(await readFile(file, 'utf8'))) return runChild(file, argv);
  const mod = (await import(pathToFileURL(file).href)) as { bench?: BenchFunction };
  if (typeof mod.bench !== 'function') return runChild(file, argv);
  let rows: BenchRow[];
  try {
    rows = await mod.bench(options);
  } catch (err) {
    return `${name} failed: ${err instanceof Error ? err.message : String(err)}`;
  }
  return markdownTable(rows);
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const options = optionsFromArgv(argv);
  const sections: string[] = [];
  for (const name of await benchFiles(onlyFromArgv(argv))) {
    console.error(`bench: ${name} (${options.runs} runs, ${options.warmup} warm-up)`);
    const table = await runFile(name, options, argv);
    sections.push(`### ${name.replace(/\.ts$/, '')}\n\n${table}`);
    console.log(sections.at(-1) + '\n');
  }
  const header = `Measured ${new Date().toISOString()} on ${process.platform}/${process.arch}, Node ${process.version}.`;
  const out = join(benchDir, '..', '.work', 'bench');
  await mkdir(out, { recursive: true });
  await writeFile(join(out, 'results.md'), `${header}\n\n${sections.join('\n\n')}\n`);
  console.error(`bench: results in ${join(out, 'results.md')}`);
}

await main();
