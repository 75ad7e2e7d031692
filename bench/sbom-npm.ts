// SBOM of a large npm project (≥ 1,400 packages) side by side with @cyclonedx/cdxgen and @cyclonedx/cyclonedx-npm.
// The project is built here once with `npm install --ignore-scripts --legacy-peer-deps` into
// .work/bench/npm-project (cached); the peers are installed bench-locally into .work/bench/peers (cached,
// `--omit=optional`: cdxgen's optional native plugins are not used for `-t js`). Target: ocisign ≤ 0.1× cdxgen.
// ocisign runs as users run it: bin/ocisign on the esbuild bundle and the ahead-of-time CycloneDX validator, both
// rebuilt here first (untimed) from the current source so neither is stale; if the bundle cannot be built, the
// TypeScript source runs instead (slower start-up; the row's note says so).
// Usage: node bench/sbom-npm.ts [--runs N] [--warmup N]
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BenchFunction, type BenchRow, compare, runStandalone } from './lib.ts';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const work = join(repo, '.work', 'bench');
const project = join(work, 'npm-project');
const peers = join(work, 'peers');
const node = process.execPath;
/** The reference's project "L": four big stacks plus a CRA toolchain. */
const PROJECT_DEPS = ['@aws-sdk/client-s3', 'webpack', 'jest', 'eslint', 'react-scripts', '@babel/preset-env', '@typescript-eslint/eslint-plugin', 'typescript', 'webpack-dev-server'];
const PEERS = ['@cyclonedx/cdxgen', '@cyclonedx/cyclonedx-npm'];

function run(cmd: string, args: string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, PATH: `${dirname(node)}:${process.env.PATH}` } });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(' ')} exited ${code}`))));
  });
}

async function ensureProject(): Promise<number> {
  if (!existsSync(join(project, 'package-lock.json'))) {
    await mkdir(project, { recursive: true });
    await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'bench-npm-project', version: '1.0.0', private: true }, null, 2));
    console.error(`bench: npm install ${PROJECT_DEPS.length} stacks into ${project} (once)…`);
    await run('npm', ['install', '--ignore-scripts', '--legacy-peer-deps', '--no-audit', '--no-fund', ...PROJECT_DEPS], project);
  }
  const lock = JSON.parse(await readFile(join(project, 'package-lock.json'), 'utf8')) as { packages: Record<string, unknown> };
  return Object.keys(lock.packages).length - 1;
}

async function ensurePeers(): Promise<void> {
  if (existsSync(join(peers, 'node_modules', '.bin', 'cdxgen')) && existsSync(join(peers, 'node_modules', '.bin', 'cyclonedx-npm'))) return;
  await mkdir(peers, { recursive: true });
  if (!existsSync(join(peers, 'package.json'))) await writeFile(join(peers, 'package.json'), '{"name":"bench-peers","private":true}\n');
  console.error(`bench: installing ${PEERS.join(', ')} into ${peers} (once)…`);
  await run('npm', ['install', '--omit=optional', '--no-audit', '--no-fund', ...PEERS], peers);
}

/** Build dist/cli-bundle and dist/generated from the current source; false when the bundle build fails. */
async function buildOcisign(): Promise<boolean> {
  await run(node, [join(repo, 'scripts', 'build-sbom-validator.ts')], repo);
  return run(node, [join(repo, 'scripts', 'bundle.ts')], repo).then(() => true, (err: unknown) => {
    console.error(`bench: bundle build failed (${String(err)}); timing the TypeScript source`);
    return false;
  });
}

export const bench: BenchFunction = async (options) => {
  const entries = await ensureProject();
  await ensurePeers();
  const bundled = await buildOcisign();
  const out = await mkdtemp(join(tmpdir(), 'ocisign-bench-sbom-'));
  try {
    const ours = {
      name: 'ocisign sbom dir:',
      command: node,
      args: [join(repo, 'bin', 'ocisign'), 'sbom', `dir:${project}`, '--output-file', join(out, 'ocisign.json')],
      env: { ...process.env, OCISIGN_FROM_SOURCE: bundled ? '0' : '1' } as Record<string, string>,
    };
    const cdxgen = {
      name: 'cdxgen -t js',
      command: node,
      args: [join(peers, 'node_modules', '.bin', 'cdxgen'), '-t', 'js', '--spec-version', '1.6', '--no-install-deps', '-o', join(out, 'cdxgen.json'), project],
      env: { ...process.env, CDXGEN_NO_BANNER: '1', FETCH_LICENSE: 'false' } as Record<string, string>,
    };
    const cyclonedxNpm = {
      name: 'cyclonedx-npm --package-lock-only',
      command: node,
      args: [join(peers, 'node_modules', '.bin', 'cyclonedx-npm'), '--ignore-npm-errors', '--package-lock-only', '--output-format', 'JSON', '--spec-version', '1.6', '--output-file', join(out, 'cyclonedx-npm.json'), join(project, 'package.json')],
      env: { ...process.env, PATH: `${dirname(node)}:${process.env.PATH}` } as Record<string, string>,
    };
    const rows: BenchRow[] = [
      await compare(`npm project, ${entries} lock entries: vs cdxgen`, ours, cdxgen, options, 0.1),
      await compare(`npm project, ${entries} lock entries: vs cyclonedx-npm`, ours, cyclonedxNpm, options),
    ];
    const count = async (f: string) => {
      try {
        const bom = JSON.parse(await readFile(join(out, f), 'utf8')) as { components?: unknown[]; dependencies?: unknown[] };
        return `${bom.components?.length ?? 0} components / ${bom.dependencies?.length ?? 0} dependency entries`;
      } catch {
        return 'no output';
      }
    };
    rows[0]!.note = `ocisign${bundled ? '' : ' (from source)'}: ${await count('ocisign.json')}; cdxgen: ${await count('cdxgen.json')}`;
    rows[1]!.note = `cyclonedx-npm: ${await count('cyclonedx-npm.json')}`;
    return rows;
  } finally {
    await rm(out, { recursive: true, force: true });
  }
};

if (import.meta.url === `file://${process.argv[1]}`) await runStandalone(bench);
