import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile, chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { readAttachments } from '../../src/cosign/attachments.ts';
import { attachmentTag } from '../../src/cosign/tags.ts';
import { sha256Digest } from '../../src/oci/digest.ts';
import { pushTestImage, runCli, testLayout, writeTestKeyPair } from '../cosign/test-image.ts';

async function setup(t: { after(fn: () => Promise<void>): void }) {
  const { dir, layout, repo, digest } = await testLayout(t, 'ocisign-bad-');
  const k = await writeTestKeyPair(join(dir, 'k'));
  return { dir, layout, repo, digest, k };
}

test('a tampered signature blob in a layout: verify fails with an error naming the layer (corrupt layout: exit 3)', async (t) => {
  const { layout, repo, digest, k } = await setup(t);
  // Signed with an annotation: verify (without -a) cannot predict this payload, so it reads the blob. (The
  // payload cosign writes by default is recognised by its digest and needs no read; see readAttachments.)
  assert.equal((await runCli(['sign', '--new-bundle-format=false', '--key', k.key, '--tlog-upload=false', '-a', 'build=7', `oci:${layout}@${digest}`])).code, 0);
  const set = await readAttachments(repo, digest, 'signature');
  const layerDigest = set.layers[0]!.descriptor.digest;
  const path = join(layout, 'blobs', 'sha256', layerDigest.slice(7));
  const original = await readFile(path);
  await chmod(path, 0o644);
  await writeFile(path, Buffer.from(original.toString('utf8').replace('"optional":{"build":"7"}', '"optional":{"build":"8"}')));
  const r = await runCli(['verify', '--key', k.pub, '--insecure-ignore-tlog', `oci:${layout}@${digest}`]);
  assert.equal(r.code, 3, r.stderr); // the layout backend reports a corrupt layout as bad input (a registry: I/O, 4)
  assert.match(r.stderr, new RegExp(`reading layer 0 \\(${layerDigest}\\)`));
  assert.equal(r.stdout, '');
});

test('a .sig with 1001 layers: verify and sign refuse (exit 3), sign writes nothing', async (t) => {
  const { layout, repo, digest, k } = await setup(t);
  const payload = new TextEncoder().encode('{}');
  await repo.putBlob({ digest: sha256Digest(payload), size: payload.byteLength }, payload);
  const config = new TextEncoder().encode('{}');
  const layer = `{"mediaType":"application/vnd.dev.cosign.simplesigning.v1+json","size":2,"digest":"${sha256Digest(payload)}","annotations":{"dev.cosignproject.cosign/signature":"AAAA"}}`;
  const manifest = new TextEncoder().encode(
    `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","size":2,"digest":"${sha256Digest(config)}"},"layers":[${Array(1001).fill(layer).join(',')}]}`,
  );
  await repo.putManifest(attachmentTag(digest, 'signature'), { bytes: manifest, digest: sha256Digest(manifest), mediaType: 'application/vnd.oci.image.manifest.v1+json' });
  const v = await runCli(['verify', '--key', k.pub, '--insecure-ignore-tlog', `oci:${layout}@${digest}`]);
  assert.equal(v.code, 3, v.stderr);
  assert.match(v.stderr, /1001 layers, more than the limit of 1000/);
  const before = await readFile(join(layout, 'index.json'), 'utf8');
  const s = await runCli(['sign', '--new-bundle-format=false', '--key', k.key, '--tlog-upload=false', `oci:${layout}@${digest}`]);
  assert.equal(s.code, 3, s.stderr);
  assert.equal(await readFile(join(layout, 'index.json'), 'utf8'), before, 'nothing written');
});

test('a .sig layer whose payload is over 128 MiB: verify refuses it by its size, without reading it (exit 3)', async (t) => {
  const { layout, repo, digest, k } = await setup(t);
  const size = 128 * 1024 * 1024 + 1;
  const chunk = new Uint8Array(1024 * 1024);
  async function* zeros(): AsyncIterable<Uint8Array> {
    for (let left = size; left > 0; left -= chunk.byteLength) yield left >= chunk.byteLength ? chunk : chunk.subarray(0, left);
  }
  const hash = createHash('sha256');
  for await (const c of zeros()) hash.update(c);
  const payloadDigest = `sha256:${hash.digest('hex')}`;
  await repo.putBlob({ digest: payloadDigest, size }, () => zeros());
  const config = new TextEncoder().encode('{}');
  await repo.putBlob({ digest: sha256Digest(config), size: config.byteLength }, config);
  const manifest = new TextEncoder().encode(
    `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","size":2,"digest":"${sha256Digest(config)}"},"layers":[{"mediaType":"application/vnd.dev.cosign.simplesigning.v1+json","size":${size},"digest":"${payloadDigest}","annotations":{"dev.cosignproject.cosign/signature":"AAAA"}}]}`,
  );
  await repo.putManifest(attachmentTag(digest, 'signature'), { bytes: manifest, digest: sha256Digest(manifest), mediaType: 'application/vnd.oci.image.manifest.v1+json' });
  const v = await runCli(['verify', '--key', k.pub, '--insecure-ignore-tlog', `oci:${layout}@${digest}`]);
  assert.equal(v.code, 3, v.stderr);
  assert.match(v.stderr, new RegExp(`${size} bytes, more than the limit of ${128 * 1024 * 1024}`));
  assert.equal(v.stdout, '');
});

test('a truncated or foreign key file is refused before anything is written', async (t) => {
  const { dir, layout, k } = await setup(t);
  const before = await readFile(join(layout, 'index.json'), 'utf8');
  const truncated = join(dir, 'trunc.key');
  await writeFile(truncated, (await readFile(k.key, 'utf8')).slice(0, 120));
  const s = await runCli(['sign', '--new-bundle-format=false', '--key', truncated, '--tlog-upload=false', `oci:${layout}:v1`]);
  assert.equal(s.code, 3, s.stderr);
  const pubAsKey = await runCli(['sign', '--new-bundle-format=false', '--key', k.pub, '--tlog-upload=false', `oci:${layout}:v1`]);
  assert.equal(pubAsKey.code, 3, pubAsKey.stderr);
  const keyAsPub = await runCli(['verify', '--key', k.key, '--insecure-ignore-tlog', `oci:${layout}:v1`]);
  assert.equal(keyAsPub.code, 3, keyAsPub.stderr);
  assert.equal(await readFile(join(layout, 'index.json'), 'utf8'), before);
});

test('a signature naming another digest, copied onto this image, does not verify (exit 12)', async (t) => {
  const { layout, repo, digest, k } = await setup(t);
  const other = await pushTestImage(repo, 'v2', 'other');
  assert.equal((await runCli(['sign', '--new-bundle-format=false', '--key', k.key, '--tlog-upload=false', `oci:${layout}@${other}`])).code, 0);
  const otherSig = (await repo.getManifest(attachmentTag(other, 'signature')))!;
  await repo.putManifest(attachmentTag(digest, 'signature'), otherSig);
  const r = await runCli(['verify', '--key', k.pub, '--insecure-ignore-tlog', `oci:${layout}@${digest}`]);
  assert.equal(r.code, 12);
  assert.match(r.stderr, new RegExp(`payload signs ${other}, not the image digest ${digest}`));
});
