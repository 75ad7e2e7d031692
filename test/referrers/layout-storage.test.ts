// Referrers in an OCI image layout: untagged index.json entries whose manifest names the subject (oras's form).
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { sha256Digest } from '../../src/oci/digest.ts';
import { buildImage, buildIndex, sampleLayers } from '../../src/oci/image-builder.ts';
import { createLayoutRepository } from '../../src/oci/layout/layout-repository.ts';
import type { Descriptor } from '../../src/oci/manifest.ts';
import { MediaType } from '../../src/oci/media-types.ts';
import { pushArtifact } from '../../src/oci/referrers/artifact-manifest.ts';
import { referrersTag } from '../../src/oci/referrers/referrers-tag.ts';
import { bundleArtifact } from './artifacts.ts';

async function tempLayout(t: { after(fn: () => Promise<void>): void }) {
  const dir = await mkdtemp(join(tmpdir(), 'ocisign-layout-referrers-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return { dir, repo: createLayoutRepository({ kind: 'layout', path: dir }) };
}

test('layout: a referrer is a blob plus an untagged index.json entry with artifactType and annotations; listed by subject', async (t) => {
  const { dir, repo } = await tempLayout(t);
  const index = await buildIndex(repo, [{ layers: sampleLayers('amd64') }, { layers: sampleLayers('arm64'), platform: { os: 'linux', architecture: 'arm64' } }], 'v1');
  const subject: Descriptor = { mediaType: MediaType.OciIndex, digest: index.digest, size: index.indexBytes.byteLength };
  const child = index.images[0]!;
  assert.deepEqual(await repo.listReferrers(index.digest), { via: 'layout', descriptors: [] });
  const a = await pushArtifact(repo, bundleArtifact(subject, 1));
  const b = await pushArtifact(repo, bundleArtifact(subject, 2, 'https://cyclonedx.org/bom'));
  const onChild = await pushArtifact(repo, bundleArtifact(child.descriptor, 3));
  assert.equal(a.via, 'layout');
  const stored = JSON.parse(await readFile(join(dir, 'index.json'), 'utf8')) as { manifests: Descriptor[] };
  const entry = stored.manifests.find((d) => d.digest === a.digest);
  assert.deepEqual(entry, { mediaType: MediaType.OciManifest, digest: a.digest, size: a.size, artifactType: bundleArtifact(subject, 1).artifactType, annotations: bundleArtifact(subject, 1).annotations });
  assert.deepEqual(await repo.listTags(), ['v1'], 'referrers are not tagged');
  const listing = await repo.listReferrers(index.digest);
  assert.deepEqual(listing.descriptors.map((d) => d.digest), [a.digest, b.digest]);
  assert.deepEqual((await repo.listReferrers(child.digest)).descriptors.map((d) => d.digest), [onChild.digest]);
  assert.deepEqual((await repo.listReferrers(index.digest, { artifactType: 'application/other' })).descriptors, []);
  // pushing again adds no second entry
  await repo.pushReferrer((await repo.getManifest(a.digest))!, subject);
  const again = JSON.parse(await readFile(join(dir, 'index.json'), 'utf8')) as { manifests: Descriptor[] };
  assert.equal(again.manifests.filter((d) => d.digest === a.digest).length, 1);
});

test('layout: a sha256-<hex> fallback index tagged in the layout (copied there by a tag-copying tool) is read too', async (t) => {
  const { repo } = await tempLayout(t);
  const img = await buildImage(repo, { layers: sampleLayers('amd64') }, 'v1');
  const subject: Descriptor = { mediaType: img.descriptor.mediaType, digest: img.digest, size: img.descriptor.size };
  const { dir: other, repo: elsewhere } = await tempLayout(t);
  void other;
  await buildImage(elsewhere, { layers: sampleLayers('amd64') }, 'v1');
  const pushed = await pushArtifact(elsewhere, bundleArtifact(subject, 'copied'));
  // bring the referrer's blobs and manifest over without the index entry, and list it in a tagged fallback index
  for (const d of [pushed.digest, sha256Digest('{}'), sha256Digest(JSON.stringify({ n: 'copied' }))]) {
    const bytes = await elsewhere.readBlob(d, 1 << 20);
    await repo.putBlob({ digest: d, size: bytes.byteLength }, bytes);
  }
  const fallback = new TextEncoder().encode(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: [{ mediaType: MediaType.OciManifest, digest: pushed.digest, size: pushed.size }] }));
  await repo.putManifest(referrersTag(img.digest), { bytes: fallback, mediaType: MediaType.OciIndex, digest: sha256Digest(fallback) });
  assert.deepEqual((await repo.listReferrers(img.digest)).descriptors.map((d) => d.digest), [pushed.digest]);
});

test('layout: 24 concurrent writers (in one process) on one subject keep all 24', async (t) => {
  const { repo, dir } = await tempLayout(t);
  const img = await buildImage(repo, { layers: sampleLayers('amd64') }, 'v1');
  const subject: Descriptor = { mediaType: img.descriptor.mediaType, digest: img.digest, size: img.descriptor.size };
  const pushed = await Promise.all(Array.from({ length: 24 }, (_, i) => pushArtifact(createLayoutRepository({ kind: 'layout', path: dir }), bundleArtifact(subject, i))));
  const listed = new Set((await repo.listReferrers(img.digest)).descriptors.map((d) => d.digest));
  assert.equal(listed.size, 24);
  for (const p of pushed) assert.ok(listed.has(p.digest));
});
