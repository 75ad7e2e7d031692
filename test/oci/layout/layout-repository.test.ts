import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isOcisignError } from '../../../src/core/errors.ts';
import { sha256Digest } from '../../../src/oci/digest.ts';
import { createLayoutRepository } from '../../../src/oci/layout/layout-repository.ts';
import { buildImage, buildIndex, sampleLayers } from '../../../src/oci/image-builder.ts';
import { MediaType } from '../../../src/oci/media-types.ts';
import { TagMovedError } from '../../../src/oci/repository.ts';

async function tempLayout(t: { after(fn: () => Promise<void>): void }) {
  const dir = await mkdtemp(join(tmpdir(), 'ocisign-layout-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return { dir, repo: createLayoutRepository({ kind: 'layout', path: join(dir, 'l') }), root: join(dir, 'l') };
}

async function collect(it: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const c of it) parts.push(c);
  return new Uint8Array(Buffer.concat(parts));
}

test('first write creates the layout; manifests round-trip by tag and digest', async (t) => {
  const { repo, root } = await tempLayout(t);
  assert.deepEqual(await repo.listTags(), [], 'absent layout has no tags');
  assert.equal(await repo.getManifest('v1'), undefined);
  const img = await buildImage(repo, { layers: sampleLayers() }, 'v1');
  assert.equal(await readFile(join(root, 'oci-layout'), 'utf8'), '{"imageLayoutVersion":"1.0.0"}');
  const index = JSON.parse(await readFile(join(root, 'index.json'), 'utf8'));
  assert.equal(index.schemaVersion, 2);
  assert.deepEqual(index.manifests, [{ mediaType: MediaType.OciManifest, digest: img.digest, size: img.manifestBytes.byteLength, annotations: { 'org.opencontainers.image.ref.name': 'v1' } }]);
  const byTag = await repo.getManifest('v1');
  assert.deepEqual(byTag?.bytes, img.manifestBytes);
  assert.equal(byTag?.digest, img.digest);
  const byDigest = await repo.getManifest(img.digest);
  assert.deepEqual(byDigest?.bytes, img.manifestBytes);
  assert.deepEqual(await repo.resolve('v1'), { mediaType: MediaType.OciManifest, digest: img.digest, size: img.manifestBytes.byteLength });
  for (const layer of img.layers) {
    assert.ok(await repo.hasBlob(layer.descriptor.digest));
    const bytes = await collect(await repo.openBlob(layer.descriptor.digest, layer.descriptor.size));
    assert.equal(sha256Digest(bytes), layer.descriptor.digest);
  }
  const leftovers = (await readdir(root)).filter((n) => n.endsWith('.tmp') || n.endsWith('.lock'));
  assert.deepEqual(leftovers, [], 'no temp or lock files left');
});

test('same inputs give the same digests (deterministic builder)', async (t) => {
  const a = await tempLayout(t);
  const b = await tempLayout(t);
  const x = await buildIndex(a.repo, [{ layers: sampleLayers('amd64') }, { layers: sampleLayers('arm64'), platform: { os: 'linux', architecture: 'arm64' } }], 'multi');
  const y = await buildIndex(b.repo, [{ layers: sampleLayers('amd64') }, { layers: sampleLayers('arm64'), platform: { os: 'linux', architecture: 'arm64' } }], 'multi');
  assert.equal(x.digest, y.digest);
  assert.notEqual(x.images[0]!.digest, x.images[1]!.digest);
  assert.deepEqual((await a.repo.resolve(x.images[1]!.digest))?.mediaType, MediaType.OciManifest, 'untagged child resolves by digest');
});

test('retagging replaces the entry; attachment tags are ordinary tags; delete removes every tag of a digest', async (t) => {
  const { repo } = await tempLayout(t);
  const one = await buildImage(repo, { layers: sampleLayers() }, 'latest');
  const two = await buildImage(repo, { layers: sampleLayers(), config: { Env: ['X=1'] } }, 'latest');
  const sigTag = `${one.digest.replace(':', '-')}.sig`;
  await repo.putManifest(sigTag, { bytes: one.manifestBytes, digest: one.digest, mediaType: MediaType.OciManifest });
  assert.deepEqual((await repo.listTags()).sort(), ['latest', sigTag].sort());
  assert.equal((await repo.resolve('latest'))?.digest, two.digest);
  await repo.deleteManifest(one.digest);
  assert.deepEqual(await repo.listTags(), ['latest']);
  assert.equal(await repo.getManifest(one.digest), undefined);
  await assert.rejects(repo.deleteManifest(one.digest), (e: unknown) => isOcisignError(e, 'NOT_FOUND'));
});

test('bad writes are refused and leave nothing behind', async (t) => {
  const { repo, root } = await tempLayout(t);
  const bytes = new TextEncoder().encode('hello');
  await assert.rejects(repo.putBlob({ digest: sha256Digest('other'), size: 5 }, bytes), /its bytes have digest/);
  await assert.rejects(repo.putBlob({ digest: sha256Digest(bytes), size: 4 }, bytes), /5 bytes, expected 4/);
  const files = await readdir(join(root, 'blobs', 'sha256'));
  assert.deepEqual(files, [], 'no blob or temp file kept');
  const manifest = new TextEncoder().encode(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.OciManifest, config: { mediaType: MediaType.OciConfig, digest: sha256Digest('{}'), size: 2 }, layers: [] }));
  await assert.rejects(repo.putManifest('x', { bytes: manifest, digest: sha256Digest(manifest), mediaType: MediaType.OciManifest }), /is not in the layout/);
  await assert.rejects(repo.putManifest('x', { bytes: manifest, digest: sha256Digest('nope'), mediaType: MediaType.OciManifest }), /its bytes have digest/);
  assert.deepEqual(await repo.listTags(), []);
});

test('corrupt layouts give clear errors naming the path', async (t) => {
  const { repo, root } = await tempLayout(t);
  const img = await buildImage(repo, { layers: sampleLayers() }, 'v1');
  const layer = img.layers[0]!.descriptor;
  const layerPath = join(root, 'blobs', 'sha256', layer.digest.slice(7));
  // wrong bytes in a blob: the stream errors before its clean end
  await writeFile(layerPath, 'tampered');
  await assert.rejects(collect(await repo.openBlob(layer.digest, layer.size)), (e: unknown) => isOcisignError(e, 'BAD_INPUT') && e.message.includes(layerPath));
  await assert.rejects(collect(await repo.openBlob(layer.digest)), /has digest sha256:/);
  await assert.rejects(repo.readBlob(layer.digest, 1e6), (e: unknown) => isOcisignError(e, 'BAD_INPUT') && e.message.includes(layerPath));
  // a missing manifest blob named by index.json
  await rm(join(root, 'blobs', 'sha256', img.digest.slice(7)));
  await assert.rejects(repo.getManifest('v1'), (e: unknown) => isOcisignError(e, 'IO') && e.message.includes('is missing') && e.message.includes(root));
  // a missing blob
  await assert.rejects(repo.openBlob(sha256Digest('absent')), (e: unknown) => isOcisignError(e, 'NOT_FOUND'));
  // index.json not JSON
  await writeFile(join(root, 'index.json'), '{not json');
  await assert.rejects(repo.getManifest('v1'), (e: unknown) => isOcisignError(e, 'BAD_INPUT') && e.message === `corrupt layout index ${join(root, 'index.json')}: not JSON`);
  await writeFile(join(root, 'index.json'), '{"schemaVersion":2,"manifests":[{"digest":"sha256:1"}]}');
  await assert.rejects(repo.listTags(), /manifests\[0\] has a bad digest/);
});

test('blobs stream from a factory and are verified while written', async (t) => {
  const { repo } = await tempLayout(t);
  const big = new Uint8Array(3 * 1024 * 1024).map((_, i) => i % 251);
  const digest = sha256Digest(big);
  await repo.putBlob({ digest, size: big.byteLength }, async function* () {
    for (let i = 0; i < big.byteLength; i += 65536) yield big.subarray(i, i + 65536);
  });
  assert.equal(sha256Digest(await repo.readBlob(digest, big.byteLength)), digest);
  await assert.rejects(repo.readBlob(digest, 1024), /limit 1024/);
});

test('a stale index.json.lock (its holder died) is broken; a fresh one makes writers wait', async (t) => {
  const { repo, root } = await tempLayout(t);
  await buildImage(repo, { layers: sampleLayers() }, 'first');
  const lock = join(root, 'index.json.lock');
  await writeFile(lock, '99999 dead');
  const { utimes } = await import('node:fs/promises');
  await utimes(lock, new Date(Date.now() - 3600_000), new Date(Date.now() - 3600_000));
  await buildImage(repo, { layers: sampleLayers(), config: { Env: ['A=1'] } }, 'second');
  assert.deepEqual((await repo.listTags()).sort(), ['first', 'second']);
  await writeFile(lock, '99999 alive');
  const impatient = createLayoutRepository({ kind: 'layout', path: root }, { lock: { timeoutMs: 200 } });
  await assert.rejects(buildImage(impatient, { layers: sampleLayers(), config: { Env: ['B=1'] } }, 'third'), (e: unknown) => isOcisignError(e, 'IO') && /timed out waiting for lock .*index\.json\.lock/.test(e.message));
  await rm(lock);
});

test('ifTagIs: a tag is written only if it still names the expected manifest (compare-and-swap under the lock)', async (t) => {
  const { repo } = await tempLayout(t);
  const one = await buildImage(repo, { layers: sampleLayers() });
  const two = await buildImage(repo, { layers: sampleLayers(), config: { Env: ['X=1'] } });
  const raw = (b: typeof one) => ({ bytes: b.manifestBytes, digest: b.digest, mediaType: MediaType.OciManifest });
  await repo.putManifest('t', raw(one), { ifTagIs: null }); // absent, as expected
  await assert.rejects(repo.putManifest('t', raw(two), { ifTagIs: null }), (e: unknown) => e instanceof TagMovedError && /now sha256:/.test(e.message));
  assert.equal((await repo.resolve('t'))?.digest, one.digest, 'a refused write changes nothing');
  await assert.rejects(repo.putManifest('t', raw(two), { ifTagIs: two.digest }), TagMovedError);
  await repo.putManifest('t', raw(two), { ifTagIs: one.digest });
  assert.equal((await repo.resolve('t'))?.digest, two.digest);
  await repo.putManifest('t', raw(one)); // without the option: an ordinary write
  assert.equal((await repo.resolve('t'))?.digest, one.digest);
});
