import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { createLayoutRepository } from '../../src/oci/layout/layout-repository.ts';
import { readAttachments } from '../../src/cosign/attachments.ts';
import { pushTestIndex, runCli, testLayout, writeTestKeyPair } from '../cosign/test-image.ts';
import { closedPortUrl } from '../helpers/sigstore-mock.ts';

async function setup(t: { after(fn: () => Promise<void>): void }) {
  const { dir, layout, repo, digest } = await testLayout(t, 'ocisign-sign-');
  const k1 = await writeTestKeyPair(join(dir, 'k1'));
  const k2 = await writeTestKeyPair(join(dir, 'k2'));
  return { dir, layout, repo, digest, k1, k2 };
}

test('sign a layout image by tag, then verify it (cosign output shape, exit codes 0/12)', async (t) => {
  const { layout, repo, digest, k1, k2 } = await setup(t);
  const signed = await runCli(['sign', '--new-bundle-format=false', '--key', k1.key, '--tlog-upload=false', `oci:${layout}:v1`]);
  assert.equal(signed.code, 0, signed.stderr);
  assert.match(signed.stderr, /uses a tag, not a digest/);
  assert.match(signed.stderr, new RegExp(`Pushing signature to: oci:.*:${digest.replace(':', '-')}\\.sig`));

  const ok = await runCli(['verify', '--key', k1.pub, '--insecure-ignore-tlog', `oci:${layout}:v1`]);
  assert.equal(ok.code, 0, ok.stderr);
  const sigTag = `${digest.replace(':', '-')}.sig`;
  const layer = (await readAttachments(repo, digest, 'signature')).layers[0]!.descriptor.digest;
  // cosign's element, plus where the signature was found
  assert.equal(
    ok.stdout,
    `[{"critical":{"identity":{"docker-reference":"oci:${basename(layout)}"},"image":{"docker-manifest-digest":"${digest}"},"type":"cosign container image signature"},"optional":null,` +
      `"source":{"kind":"tag","repository":"oci:${layout}","tag":"${sigTag}","layer":0,"digest":"${layer}"}}]\n`,
  );
  assert.match(ok.stderr, /The following checks were performed on each of these signatures:/);

  const text = await runCli(['verify', '--key', k1.pub, '--insecure-ignore-tlog', '-o', 'text', `oci:${layout}@${digest}`]);
  assert.equal(text.code, 0, text.stderr);
  const set = await readAttachments(repo, digest, 'signature', { payloads: true });
  assert.equal(text.stdout, `${new TextDecoder().decode(set.layers[0]!.payload)}\n`);

  const noTlog = await runCli(['verify', '--key', k1.pub, `oci:${layout}:v1`]);
  assert.equal(noTlog.code, 12);
  assert.match(noTlog.stderr, /no transparency log entry/);

  const wrongKey = await runCli(['verify', '--key', k2.pub, '--insecure-ignore-tlog', `oci:${layout}:v1`]);
  assert.equal(wrongKey.code, 12);
  assert.match(wrongKey.stderr, /no matching signatures[\s\S]*does not verify with the public key/);

  const eitherKey = await runCli(['verify', '--key', k2.pub, '--key', k1.pub, '--insecure-ignore-tlog', `oci:${layout}:v1`]);
  assert.equal(eitherKey.code, 0, eitherKey.stderr);
});

test('--tlog-upload defaults to true; an unreachable Rekor fails before writing anything', async (t) => {
  const { layout, repo, digest, k1 } = await setup(t);
  const before = await readFile(join(layout, 'index.json'), 'utf8');
  const r = await runCli(['sign', '--new-bundle-format=false', '--key', k1.key, '--rekor-url', await closedPortUrl(), `oci:${layout}:v1`]);
  assert.equal(r.code, 4, r.stderr);
  assert.match(r.stderr, /nothing was written: uploading to the transparency log http:\/\/127\.0\.0\.1:\d+: .*ECONNREFUSED/);
  assert.equal(await readFile(join(layout, 'index.json'), 'utf8'), before);
  assert.equal((await readAttachments(repo, digest, 'signature')).layers.length, 0);
});

test('unsigned image exits 10, missing image exits 11', async (t) => {
  const { layout, k1 } = await setup(t);
  const none = await runCli(['verify', '--key', k1.pub, '--insecure-ignore-tlog', `oci:${layout}:v1`]);
  assert.equal(none.code, 10);
  assert.match(none.stderr, /no signatures found/);
  const missing = await runCli(['verify', '--key', k1.pub, '--insecure-ignore-tlog', `oci:${layout}:nope`]);
  assert.equal(missing.code, 11);
  assert.match(missing.stderr, /image not found/);
  const many = await runCli(['verify', '--key', k1.pub, '--insecure-ignore-tlog', `oci:${layout}:v1`, `oci:${layout}:nope`]);
  assert.equal(many.code, 11, 'the worst exit code of several images wins');
});

test('-a annotations (comma-split like cosign), idempotent re-sign, other keys append', async (t) => {
  const { layout, repo, digest, k1, k2 } = await setup(t);
  const s1 = await runCli(['sign', '--new-bundle-format=false', '--key', k1.key, '--tlog-upload=false', '-a', 'env=prod,team=x', '-a', 'z=1', `oci:${layout}@${digest}`]);
  assert.equal(s1.code, 0, s1.stderr);
  assert.doesNotMatch(s1.stderr, /uses a tag/);
  const set = await readAttachments(repo, digest, 'signature', { payloads: true });
  assert.match(new TextDecoder().decode(set.layers[0]!.payload), /"optional":\{"env":"prod","team":"x","z":"1"\}\}$/);

  const again = await runCli(['sign', '--new-bundle-format=false', '--key', k1.key, '--tlog-upload=false', '-a', 'env=prod,team=x', '-a', 'z=1', `oci:${layout}@${digest}`]);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stderr, /Signature already present/);
  assert.equal((await readAttachments(repo, digest, 'signature')).layers.length, 1);

  assert.equal((await runCli(['sign', '--new-bundle-format=false', '--key', k2.key, '--tlog-upload=false', `oci:${layout}@${digest}`])).code, 0);
  const rawBefore = set.layers[0]!.raw;
  const after = await readAttachments(repo, digest, 'signature');
  assert.equal(after.layers.length, 2);
  assert.equal(after.layers[0]!.raw, rawBefore, 'the first layer is kept byte for byte');

  const good = await runCli(['verify', '--key', k1.pub, '--insecure-ignore-tlog', '-a', 'env=prod', `oci:${layout}:v1`]);
  assert.equal(good.code, 0, good.stderr);
  const bad = await runCli(['verify', '--key', k1.pub, '--insecure-ignore-tlog', '-a', 'env=dev', `oci:${layout}:v1`]);
  assert.equal(bad.code, 12);
  assert.match(bad.stderr, /annotation env=dev not found/);
  assert.equal((await runCli(['sign', '--new-bundle-format=false', '--key', k1.key, '--tlog-upload=false', '-a', 'novalue', `oci:${layout}:v1`])).code, 2);
});

test('--repository stores the .sig elsewhere; docker-reference stays the original repository', async (t) => {
  const { dir, layout, digest, k1 } = await setup(t);
  const sigs = join(dir, 'sigs');
  const r = await runCli(['sign', '--new-bundle-format=false', '--key', k1.key, '--tlog-upload=false', '--repository', `oci:${sigs}`, `oci:${layout}:v1`]);
  assert.equal(r.code, 0, r.stderr);
  const stored = await readAttachments(createLayoutRepository({ kind: 'layout', path: sigs }), digest, 'signature', { payloads: true });
  assert.equal(stored.layers.length, 1);
  assert.match(new TextDecoder().decode(stored.layers[0]!.payload), new RegExp(`"docker-reference":"oci:${basename(layout)}"`));
  assert.equal((await runCli(['verify', '--key', k1.pub, '--insecure-ignore-tlog', `oci:${layout}:v1`])).code, 10);
  const v = await runCli(['verify', '--key', k1.pub, '--insecure-ignore-tlog', `oci:${layout}:v1`], { COSIGN_REPOSITORY: `oci:${sigs}` });
  assert.equal(v.code, 0, v.stderr);
  const ref = await runCli(['verify', '--key', k1.pub, '--insecure-ignore-tlog', '--check-docker-reference', '--repository', `oci:${sigs}`, `oci:${layout}:v1`]);
  assert.equal(ref.code, 0, ref.stderr);
});

test('--recursive signs the index and every child', async (t) => {
  const { layout, repo, k1 } = await setup(t);
  const { index, children } = await pushTestIndex(repo, 'multi');
  const r = await runCli(['sign', '--new-bundle-format=false', '--key', k1.key, '--tlog-upload=false', '-r', `oci:${layout}:multi`]);
  assert.equal(r.code, 0, r.stderr);
  for (const d of [index, ...children]) {
    assert.equal((await readAttachments(repo, d, 'signature')).layers.length, 1, d);
    const v = await runCli(['verify', '--key', k1.pub, '--insecure-ignore-tlog', `oci:${layout}@${d}`]);
    assert.equal(v.code, 0, v.stderr);
  }
});
