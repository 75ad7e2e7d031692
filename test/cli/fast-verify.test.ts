// `verify` without yargs (src/cli/fast-verify.ts): for the forms it takes, exactly the argv yargs gives the verify
// handler; every other form left to the full CLI; and, through the real bin/ocisign, the same output and exit code
// as the full CLI on successes and failures alike.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseFastVerify } from '../../src/cli/fast-verify.ts';
import { buildParser } from '../../src/cli/main.ts';
import { commands } from '../../src/cli/commands/index.ts';
import type { CliIo } from '../../src/cli/io.ts';
import { createLayoutRepository } from '../../src/oci/layout/layout-repository.ts';
import { pushTestImage, runCli as runInProcess, writeTestKeyPair } from '../cosign/test-image.ts';
import { runCli } from './run-cli.ts';

const silent: CliIo = { stdout() {}, stderr() {}, env: {} };

/** What yargs hands the verify handler for `args`, without the keys the handler never reads (camelCase twins, aliases, `_`, `$0`, io). */
async function yargsArgv(args: string[]): Promise<Record<string, unknown>> {
  let seen: Record<string, unknown> | undefined;
  const capture = commands.map((c) => (String(c.command).startsWith('verify ') ? { ...c, handler: (a: unknown) => void (seen = a as Record<string, unknown>) } : c));
  await buildParser(args, silent, capture).parseAsync(args, { io: silent });
  assert.ok(seen, `yargs ran no verify handler for ${args.join(' ')}`);
  return Object.fromEntries(Object.entries(seen).filter(([k]) => k.length > 1 && !/[A-Z]/.test(k) && k !== '$0' && k !== 'io'));
}

/** bin/ocisign with `args`, and the URLs of every module the run resolved (recorded to a file, not to its output). */
async function runRecordingModules(dir: string, args: string[], options: { fromSource: boolean }) {
  const hook = join(dir, 'record-modules.mjs');
  await writeFile(hook, `import module from 'node:module'; import { appendFileSync } from 'node:fs';
    module.registerHooks({ resolve(s, c, next) { const r = next(s, c); appendFileSync(process.env.LOADED_LOG, r.url + '\\n'); return r; } });`);
  const log = join(dir, `modules-${Date.now()}-${Math.random().toString(36).slice(2)}.txt`);
  const run = await runCli(args, { fromSource: options.fromSource, env: { NODE_OPTIONS: `--import=${hook}`, LOADED_LOG: log } });
  return { run, modules: (await readFile(log, 'utf8')).split('\n').filter((u) => u !== '') };
}

const TAKEN: string[][] = [
  ['verify', '--key', 'k.pub', 'reg.example/app:1'],
  ['verify', '--key', 'k.pub', '--insecure-ignore-tlog', 'reg.example/app@sha256:' + 'a'.repeat(64)],
  ['verify', '--key=k.pub', '--insecure-ignore-tlog=true', 'a', 'b', 'oci:/tmp/x:1'],
  ['verify', '--insecure-ignore-tlog=false', '--key', 'k1.pub', '--key', 'k2.pub', 'a'],
  ['verify', '-o', 'text', '--key', 'k.pub', 'a'],
  ['verify', '--output=json', '--allow-http-registry', '--allow-insecure-registry', '--key', 'awskms:///alias/x', 'a'],
  ['verify', '--timeout', '10s', '--request-timeout=2s', '--check-docker-reference', '--key', 'k.pub', 'a'],
  ['verify', '--certificate-identity', 'me@example.com', '--certificate-oidc-issuer', 'https://issuer.example', '--trusted-root', 'tr.json', '--insecure-ignore-sct', 'a'],
  ['verify', 'a'],
];

const LEFT_TO_YARGS: string[][] = [
  ['verify'],
  ['verify', '--key', 'k.pub'],
  ['verify', '--help', 'a'],
  ['verify', '-h'],
  ['verify', '--verbose', '--key', 'k.pub', 'a'],
  ['verify', '--policy', 'p.yaml', 'a'],
  ['verify', '--key', 'k.pub', '--max-workers', '2', 'a'],
  ['verify', '-a', 'x=y', '--key', 'k.pub', 'a'],
  ['verify', '--output', 'yaml', 'a'],
  ['verify', '-o', 'json', '--output', 'text', 'a'],
  ['verify', '--insecure-ignore-tlog', 'true', 'a'],
  ['verify', '--insecure-ignore-tlog=yes', 'a'],
  ['verify', '--no-insecure-ignore-tlog', 'a'],
  ['verify', '--key', '--insecure-ignore-tlog', 'a'],
  ['verify', '--key=', 'a'],
  ['verify', '--', 'a'],
  ['verify', '--keyy', 'k.pub', 'a'],
  ['verify', '12345'],
  ['--verbose', 'verify', 'a'],
  ['sign', '--key', 'k', 'a'],
];

test('the forms it takes: the argv yargs would give the verify handler, key for key', async () => {
  for (const args of TAKEN) {
    const fast = parseFastVerify(args);
    assert.ok(fast, `not taken: ${args.join(' ')}`);
    assert.deepEqual(fast, await yargsArgv(args), args.join(' '));
  }
});

test('every other form is left to the full CLI', () => {
  for (const args of LEFT_TO_YARGS) assert.equal(parseFastVerify(args), undefined, args.join(' '));
});

test('through bin/ocisign: the same stdout, stderr and exit code as the full CLI, and yargs never loaded', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'ocisign-fast-verify-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const k = await writeTestKeyPair(join(dir, 'k'));
  const other = await writeTestKeyPair(join(dir, 'other'));
  const repo = createLayoutRepository({ kind: 'layout', path: join(dir, 'img') });
  for (const tag of ['legacy', 'bundle', 'unsigned']) await pushTestImage(repo, tag, tag);
  const image = (tag: string) => `oci:${join(dir, 'img')}:${tag}`;
  assert.equal((await runInProcess(['sign', '--key', k.key, '--tlog-upload=false', '--new-bundle-format=false', image('legacy')])).code, 0);
  assert.equal((await runInProcess(['sign', '--key', k.key, '--tlog-upload=false', image('bundle')])).code, 0);

  const cases: [string[], number][] = [
    [['verify', '--key', k.pub, '--insecure-ignore-tlog', image('legacy'), image('bundle')], 0],
    [['verify', '-o', 'text', '--key', k.pub, '--insecure-ignore-tlog', image('bundle')], 0],
    [['verify', '--key', k.pub, '--insecure-ignore-tlog', image('unsigned')], 10],
    [['verify', '--key', other.pub, '--insecure-ignore-tlog', image('legacy')], 12],
    [['verify', '--key', k.pub, '--insecure-ignore-tlog', image('legacy'), image('unsigned')], 10],
    [['verify', '--key', join(dir, 'missing.pub'), image('legacy')], 3],
    [['verify', '--key', k.pub, 'oci:'], 3],
    [['verify', '--key', k.pub, '--timeout', 'soon', image('legacy')], 2],
  ];
  for (const [args, code] of cases) {
    const full = await runCli(args, { env: { OCISIGN_FULL_CLI: '1' } });
    assert.equal(full.code, code, `${args.join(' ')}: ${full.stderr}`);
    // from source, and from the built bundle (dist/cli-verify, scripts/bundle.ts), which imports eagerly
    for (const fromSource of [true, false]) {
      const { run: fast, modules } = await runRecordingModules(dir, args, { fromSource });
      assert.deepEqual(fast, full, `${args.join(' ')} (${fromSource ? 'source' : 'bundle'})`);
      const loaded = modules.join('\n');
      assert.match(loaded, fromSource ? /src\/cli\/fast-verify\.ts/ : /dist\/cli-verify\/fast-verify\.js/, 'the fast path ran');
      assert.doesNotMatch(loaded, /node_modules\/yargs\/|dist\/cli-bundle\//, 'neither yargs nor the full CLI was loaded');
    }
  }
});

test('the verify bundle: ASCII only (V8 then keeps its source one byte a character), a few files for a key-based verify', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'ocisign-fast-verify-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const bundle = new URL('../../dist/cli-verify/', import.meta.url);
  const files = [join(bundle.pathname, 'fast-verify.js'), ...(await readdir(new URL('chunks/', bundle))).map((f) => join(bundle.pathname, 'chunks', f))];
  for (const file of files) {
    const text = await readFile(file, 'latin1');
    const at = text.search(/[^\x00-\x7f]/);
    assert.equal(at, -1, `${file}: a non-ASCII byte near ${JSON.stringify(text.slice(Math.max(0, at - 60), at + 20))}`);
  }
  const k = await writeTestKeyPair(join(dir, 'k'));
  const repo = createLayoutRepository({ kind: 'layout', path: join(dir, 'img') });
  await pushTestImage(repo, 'bundle', 'bundle');
  const image = `oci:${join(dir, 'img')}:bundle`;
  assert.equal((await runInProcess(['sign', '--key', k.key, '--tlog-upload=false', image])).code, 0);
  const { run, modules } = await runRecordingModules(dir, ['verify', '--key', k.pub, '--insecure-ignore-tlog', image], { fromSource: false });
  assert.equal(run.code, 0, run.stderr);
  const ours = new Set(modules.filter((u) => u.includes('/dist/')));
  assert.ok(ours.size <= 12, `${ours.size} files of dist/ loaded:\n${[...ours].join('\n')}`);
});
