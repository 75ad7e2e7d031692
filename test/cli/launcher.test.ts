// bin/ocisign run as a command: its sh lines start the Node found on PATH on the same file, with the glibc tunable for
// huge pages added for the commands that run scrypt on a key file, and the CLI then gives its children the caller's
// GLIBC_TUNABLES back. A `node` first on PATH records what it was started with, then runs the test's Node.
import assert from 'node:assert/strict';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { generateKeyPair } from '../../src/ops/keys.ts';
import { testLayout } from '../cosign/test-image.ts';
import { BIN, spawnCollect } from './run-cli.ts';

const TUNABLE = 'glibc.malloc.hugetlb=1';

/** What the recording `node` saw: GLIBC_TUNABLES, the marker for the CLI, and its arguments (one per line). */
interface Start {
  tunables: string | undefined;
  marker: string | undefined;
  args: string[];
}

async function launcherSetup(t: { after(fn: () => Promise<void>): void }) {
  const { dir, layout } = await testLayout(t, 'ocisign-launcher-');
  const keys = await generateKeyPair({ outputKeyPrefix: join(dir, 'k'), password: async () => 'pw', scryptN: 32768 });
  const record = join(dir, 'starts.txt');
  const fakeNode = join(dir, 'node');
  await writeFile(
    fakeNode,
    `#!/bin/sh
{ echo "tunables=\${GLIBC_TUNABLES-<unset>}"; echo "marker=\${OCISIGN_ADDED_GLIBC_TUNABLE-<unset>}"; for a in "$@"; do echo "arg=$a"; done; echo end; } >> '${record}'
exec '${process.execPath}' "$@"
`,
  );
  await chmod(fakeNode, 0o755);
  // the CLI's own process.env, after bin/ocisign's first lines, printed at exit
  const preload = join(dir, 'print-env.mjs');
  await writeFile(preload, `process.on('exit', () => process.stderr.write('cli GLIBC_TUNABLES=' + (process.env.GLIBC_TUNABLES ?? '<unset>') + ' marker=' + (process.env.OCISIGN_ADDED_GLIBC_TUNABLE ?? '<unset>') + '\\n'));\n`);
  const run = async (args: string[], env: Record<string, string | undefined> = {}) => {
    await writeFile(record, '');
    const result = await spawnCollect(BIN, args, {
      env: { ...process.env, COSIGN_REPOSITORY: undefined, GLIBC_TUNABLES: undefined, OCISIGN_FROM_SOURCE: '1', COSIGN_PASSWORD: 'pw', PATH: `${dir}:${process.env.PATH ?? '/usr/bin:/bin'}`, NODE_OPTIONS: `--import=${pathToFileURL(preload).href}`, ...env },
    });
    return { ...result, starts: parseStarts(await readFile(record, 'utf8')), cliEnv: /^cli GLIBC_TUNABLES=(.*) marker=(.*)$/m.exec(result.stderr)?.slice(1) };
  };
  return { layout, keys, run };
}

function parseStarts(text: string): Start[] {
  const starts: Start[] = [];
  let current: Start = { tunables: undefined, marker: undefined, args: [] };
  for (const line of text.split('\n')) {
    const unset = (v: string) => (v === '<unset>' ? undefined : v);
    if (line.startsWith('tunables=')) current.tunables = unset(line.slice('tunables='.length));
    else if (line.startsWith('marker=')) current.marker = unset(line.slice('marker='.length));
    else if (line.startsWith('arg=')) current.args.push(line.slice('arg='.length));
    else if (line === 'end') {
      starts.push(current);
      current = { tunables: undefined, marker: undefined, args: [] };
    }
  }
  return starts;
}

describe('bin/ocisign as a command (sh lines, then Node)', () => {
  it('sign: Node starts once on the same file and arguments, with the huge-page tunable; the CLI hands on no tunable', async (t) => {
    const { layout, keys, run } = await launcherSetup(t);
    const args = ['-o', 'json', 'sign', '--key', keys.privateKeyPath, '--tlog-upload=false', '-a', 'note=two words', '-a', "quote=it's \"x\"", `oci:${layout}:v1`];
    const r = await run(args);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.starts, [{ tunables: TUNABLE, marker: '1', args: [BIN, ...args] }]);
    assert.deepEqual(r.cliEnv, ['<unset>', '<unset>']);
  });

  it("sign with the caller's own tunables: ours is appended, and the CLI hands on exactly the caller's", async (t) => {
    const { layout, keys, run } = await launcherSetup(t);
    const r = await run(['sign', '--key', keys.privateKeyPath, '--tlog-upload=false', `oci:${layout}:v1`], { GLIBC_TUNABLES: 'glibc.malloc.arena_max=2' });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.starts.length, 1);
    assert.equal(r.starts[0]!.tunables, `glibc.malloc.arena_max=2:${TUNABLE}`);
    assert.deepEqual(r.cliEnv, ['glibc.malloc.arena_max=2', '<unset>']);
  });

  it("a caller's glibc.malloc.hugetlb setting is left as it is, marker and all", async (t) => {
    const { layout, keys, run } = await launcherSetup(t);
    const r = await run(['sign', '--key', keys.privateKeyPath, '--tlog-upload=false', `oci:${layout}:v1`], { GLIBC_TUNABLES: 'glibc.malloc.hugetlb=0' });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.starts.map((s) => [s.tunables, s.marker]), [['glibc.malloc.hugetlb=0', undefined]]);
    assert.deepEqual(r.cliEnv, ['glibc.malloc.hugetlb=0', '<unset>']);
  });

  it('commands without scrypt (verify, digest, --version) start Node without the tunable', async (t) => {
    const { layout, keys, run } = await launcherSetup(t);
    const signed = await run(['sign', '--key', keys.privateKeyPath, '--tlog-upload=false', `oci:${layout}:v1`]);
    assert.equal(signed.code, 0, signed.stderr);
    for (const args of [['verify', '--key', keys.publicKeyPath, '--insecure-ignore-tlog', `oci:${layout}:v1`], ['digest', `oci:${layout}:v1`], ['--version']]) {
      const r = await run(args);
      assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
      assert.deepEqual(r.starts, [{ tunables: undefined, marker: undefined, args: [BIN, ...args] }], args.join(' '));
    }
  });

  it('public-key (scrypt to read the key file) gets the tunable too', async (t) => {
    const { keys, run } = await launcherSetup(t);
    const r = await run(['public-key', '--key', keys.privateKeyPath]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^-----BEGIN PUBLIC KEY-----$/m);
    assert.deepEqual(r.starts.map((s) => s.tunables), [TUNABLE]);
  });
});
