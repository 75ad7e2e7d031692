// A key-based `verify` of a cosign 2 `.sig` loads no Sigstore library and no secretbox cipher: they are loaded only
// when the evidence needs them (a bundle to parse, a certificate or log entry to check, a private key to decrypt).
// Each start-up module costs every run of the CLI; this keeps them out of the common path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createLayoutRepository } from '../../src/oci/layout/layout-repository.ts';
import { pushTestImage, runCli, writeTestKeyPair } from '../cosign/test-image.ts';

const exec = promisify(execFile);

/** Runs the CLI from source in a child process; returns its exit code and the node_modules packages it loaded. */
async function packagesLoaded(args: string[], cwd: string): Promise<{ code: number; packages: string[] }> {
  const script = `
    import module from 'node:module';
    const seen = new Set();
    module.registerHooks({ resolve(specifier, context, next) {
      const r = next(specifier, context);
      const m = /node_modules\\/((?:@[^/]+\\/)?[^/]+)\\//.exec(r.url);
      if (m) seen.add(m[1]);
      return r;
    } });
    const { main } = await import(${JSON.stringify(new URL('../../src/cli/main.ts', import.meta.url).href)});
    const code = await main(${JSON.stringify(args)}, { stdout() {}, stderr() {}, env: { PATH: process.env.PATH, HOME: process.env.HOME } });
    console.log(JSON.stringify({ code, packages: [...seen].sort() }));`;
  const { stdout } = await exec(process.execPath, ['--input-type=module', '-e', script], { cwd, encoding: 'utf8' });
  return JSON.parse(stdout) as { code: number; packages: string[] };
}

test('verify --key of a .sig loads neither @sigstore/* nor @noble/ciphers; a bundle loads the bundle parser only', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'ocisign-lazy-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const k = await writeTestKeyPair(join(dir, 'k'));
  const repo = createLayoutRepository({ kind: 'layout', path: join(dir, 'img') });
  await pushTestImage(repo, 'legacy', 'legacy');
  await pushTestImage(repo, 'bundle', 'bundle');
  const sign = (tag: string, extra: string[]) => runCli(['sign', ...extra, '--key', k.key, '--tlog-upload=false', `oci:${join(dir, 'img')}:${tag}`]);
  assert.equal((await sign('legacy', ['--new-bundle-format=false'])).code, 0);
  assert.equal((await sign('bundle', [])).code, 0);

  const legacy = await packagesLoaded(['verify', '--key', k.pub, '--insecure-ignore-tlog', `oci:${join(dir, 'img')}:legacy`], dir);
  assert.equal(legacy.code, 0);
  assert.deepEqual(legacy.packages.filter((p) => p.startsWith('@sigstore/') || p.startsWith('@noble/')), [], legacy.packages.join(' '));

  const bundle = await packagesLoaded(['verify', '--key', k.pub, '--insecure-ignore-tlog', `oci:${join(dir, 'img')}:bundle`], dir);
  assert.equal(bundle.code, 0);
  assert.ok(bundle.packages.includes('@sigstore/bundle'), bundle.packages.join(' '));
  assert.deepEqual(bundle.packages.filter((p) => p === '@sigstore/verify' || p === '@sigstore/core' || p.startsWith('@noble/')), [], bundle.packages.join(' '));
});
