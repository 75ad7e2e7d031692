// A key-based `verify` of a cosign 2 `.sig` loads no Sigstore library and no secretbox cipher: they are loaded only
// when the evidence needs them (a bundle to parse, a certificate or log entry to check, a private key to decrypt).
// Each start-up module costs every run of the CLI; this keeps them out of the common path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLayoutRepository } from '../../src/oci/layout/layout-repository.ts';
import { pushTestImage, runCli, writeTestKeyPair } from '../cosign/test-image.ts';
import { packagesLoaded } from '../helpers/packages-loaded.ts';

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
