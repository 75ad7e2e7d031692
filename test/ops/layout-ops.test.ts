import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isOcisignError } from '../../src/core/errors.ts';
import { attachmentTag } from '../../src/cosign/tags.ts';
import { buildImage, buildIndex, sampleLayers } from '../../src/oci/image-builder.ts';
import { createLayoutRepository } from '../../src/oci/layout/layout-repository.ts';
import { parseReference, type LayoutReference } from '../../src/oci/reference.ts';
import type { Repository } from '../../src/oci/repository.ts';
import { copyImage } from '../../src/ops/copy.ts';
import { digestImage } from '../../src/ops/digest.ts';
import { treeImage } from '../../src/ops/tree.ts';
import { triangulateImage } from '../../src/ops/triangulate.ts';
import { attach } from './attach.ts';

async function layout(t: { after(fn: () => Promise<void>): void }, name: string): Promise<{ ref: LayoutReference; repo: Repository }> {
  const dir = await mkdtemp(join(tmpdir(), `ocisign-${name}-`));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const ref = parseReference(`oci:${dir}/layout`) as LayoutReference;
  return { ref, repo: createLayoutRepository(ref) };
}

const ARM = { os: 'linux', architecture: 'arm64', variant: 'v8' };

/** A 2-platform index with a .sig on the index, and .sig/.att/.sbom on the children. */
async function signedIndex(repo: Repository) {
  const index = await buildIndex(repo, [{ layers: sampleLayers('amd64') }, { layers: sampleLayers('arm64'), platform: ARM }], 'v1');
  const [amd, arm] = index.images as [typeof index.images[0], typeof index.images[0]];
  await attach(repo, index.digest, 'signature');
  await attach(repo, amd.digest, 'signature');
  await attach(repo, amd.digest, 'attestation');
  await attach(repo, arm.digest, 'sbom');
  return index;
}

test('copy layout → layout keeps every digest: index, children, blobs and attachments', async (t) => {
  const a = await layout(t, 'src');
  const b = await layout(t, 'dst');
  const index = await signedIndex(a.repo);
  const result = await copyImage(a.repo, { ...a.ref, tag: 'v1' }, b.repo, { ...b.ref, tag: 'copied' });
  assert.equal(result.digest, index.digest);
  assert.equal(result.attachments.length, 4);
  assert.equal(result.manifests, 1 + 2 + 4);
  for (const tag of await a.repo.listTags()) {
    if (tag === 'v1') continue;
    const src = await a.repo.getManifest(tag);
    const dst = await b.repo.getManifest(tag);
    assert.deepEqual(dst?.bytes, src?.bytes, `attachment ${tag} identical`);
  }
  assert.deepEqual((await b.repo.getManifest('copied'))?.bytes, index.indexBytes);
  for (const image of index.images) {
    assert.deepEqual((await b.repo.getManifest(image.digest))?.bytes, image.manifestBytes, 'child by digest');
    for (const l of [image.config, ...image.layers.map((x) => x.descriptor)]) assert.ok(await b.repo.hasBlob(l.digest), l.digest);
  }
  // a second copy skips every blob already there
  const again = await copyImage(a.repo, { ...a.ref, tag: 'v1' }, b.repo, { ...b.ref, tag: 'copied' });
  assert.equal(again.blobsCopied, 0);
  assert.ok(again.blobsSkipped > 0);
});

test('copy: missing source is NOT_FOUND (11); a destination digest that differs is refused', async (t) => {
  const a = await layout(t, 'src');
  const b = await layout(t, 'dst');
  await assert.rejects(copyImage(a.repo, { ...a.ref, tag: 'nope' }, b.repo, b.ref), (e: unknown) => isOcisignError(e, 'NOT_FOUND') && e.exitCode === 11);
  const img = await buildImage(a.repo, { layers: sampleLayers() }, 'v1');
  await assert.rejects(copyImage(a.repo, { ...a.ref, tag: 'v1' }, b.repo, { ...b.ref, digest: `sha256:${'0'.repeat(64)}` }), /source's digest is/);
  const byDigest = await copyImage(a.repo, { ...a.ref, digest: img.digest }, b.repo, { ...b.ref, digest: img.digest });
  assert.equal(byDigest.digest, img.digest);
});

test('digest, triangulate and tree on a layout', async (t) => {
  const a = await layout(t, 'src');
  const index = await signedIndex(a.repo);
  const ref = { ...a.ref, tag: 'v1' };
  assert.equal((await digestImage(a.repo, ref)).digest, index.digest);
  await assert.rejects(digestImage(a.repo, { ...a.ref, tag: 'missing' }), (e: unknown) => isOcisignError(e, 'NOT_FOUND'));
  const sig = await triangulateImage(a.repo, ref, 'signature');
  assert.equal(sig.reference, `oci:${a.ref.path}:${attachmentTag(index.digest, 'signature')}`);
  assert.equal((await triangulateImage(a.repo, ref, 'digest')).reference, `oci:${a.ref.path}@${index.digest}`);
  const moved = await triangulateImage(a.repo, ref, 'attestation', { targetRepository: parseReference('127.0.0.1:5000/other/sigs') });
  assert.equal(moved.reference, `127.0.0.1:5000/other/sigs:${attachmentTag(index.digest, 'attestation')}`);

  const tree = await treeImage(a.repo, ref);
  assert.equal(tree.digest, index.digest);
  assert.deepEqual(tree.attachments.map((x) => x.kind), ['signature']);
  assert.equal(tree.children.length, 2);
  const [amd, arm] = tree.children as [typeof tree, typeof tree];
  assert.deepEqual(amd.attachments.map((x) => x.kind), ['signature', 'attestation']);
  assert.equal(amd.attachments[1]!.layers[0]!.predicateType, 'https://slsa.dev/provenance/v1');
  assert.deepEqual(arm.platform, ARM);
  assert.deepEqual(arm.attachments.map((x) => x.kind), ['sbom']);
  assert.equal(arm.attachments[0]!.layers[0]!.mediaType, 'application/vnd.cyclonedx+json');
});
