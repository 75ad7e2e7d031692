import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createRegistryRepository } from '../../../src/oci/registry/registry-repository.ts';
import { registryAvailable, startRegistry, type RegistryMode, type TestRegistry } from '../../helpers/registry-server.ts';
import { buildImage, buildIndex, pushImage, pushIndex } from './test-images.ts';
import { clientFor, collect, ref, type Client } from './setup.ts';

const skip = registryAvailable();

for (const mode of ['http', 'tls-basic', 'token'] as RegistryMode[]) {
  describe(`registry round trips (${mode})`, { skip }, () => {
    let registry: TestRegistry;
    let client: Client;
    before(async () => {
      registry = await startRegistry({ mode });
      client = clientFor(registry);
    });
    after(async () => {
      await client?.close();
      await registry?.stop();
    });
    const repo = (name: string) => createRegistryRepository(ref(registry, name), client.options);

    it('pushes and pulls an image by tag and by digest, resolves it with HEAD', async () => {
      const r = repo('demo/app');
      const image = buildImage('single');
      const pushed = await pushImage(r, image, 'v1');
      assert.equal(pushed.digest, image.manifest.digest);
      const byTag = await r.getManifest('v1');
      assert.ok(byTag);
      assert.deepEqual(Buffer.from(byTag.bytes), Buffer.from(image.manifest.bytes));
      assert.equal(byTag.digest, image.manifest.digest);
      assert.equal(byTag.mediaType, 'application/vnd.oci.image.manifest.v1+json');
      const byDigest = await r.getManifest(image.manifest.digest);
      assert.deepEqual(Buffer.from(byDigest!.bytes), Buffer.from(image.manifest.bytes));
      assert.deepEqual(await r.resolve('v1'), { mediaType: image.manifest.mediaType, digest: image.manifest.digest, size: image.manifest.bytes.byteLength });
      for (const b of image.blobs) {
        assert.equal(await r.hasBlob(b.descriptor.digest), true);
        assert.deepEqual(Buffer.from(await r.readBlob(b.descriptor.digest, 1024)), Buffer.from(b.bytes));
        assert.deepEqual(await collect(await r.openBlob(b.descriptor.digest, b.descriptor.size)), Buffer.from(b.bytes));
      }
      assert.equal(await r.resolve('nope'), undefined);
      assert.equal(await r.getManifest('nope'), undefined);
      assert.equal(await r.getManifest(`sha256:${'0'.repeat(64)}`), undefined);
      assert.equal(await r.hasBlob(`sha256:${'1'.repeat(64)}`), false);
      await assert.rejects(r.readBlob(image.blobs[1]!.descriptor.digest, 3), /limit of 3 bytes/);
    });

    it('pushes a multi-arch index with every child and reads it back', async () => {
      const r = repo('demo/multi');
      const index = buildIndex('multi');
      const pushed = await pushIndex(r, index, 'latest');
      assert.equal(pushed.digest, index.index.digest);
      const got = await r.getManifest('latest');
      assert.equal(got!.mediaType, 'application/vnd.oci.image.index.v1+json');
      assert.equal(got!.digest, index.index.digest);
      for (const image of index.images) {
        const child = await r.getManifest(image.manifest.digest);
        assert.equal(child!.digest, image.manifest.digest);
      }
    });

    it('lists tags, deletes by digest, and an unknown repository has no tags', async () => {
      const r = repo('demo/tags');
      const a = buildImage('tags-a');
      const b = buildImage('tags-b');
      await pushImage(r, a, 'one');
      await pushImage(r, a, 'two');
      await pushImage(r, b, 'three');
      assert.deepEqual((await r.listTags()).sort(), ['one', 'three', 'two']);
      await r.deleteManifest(a.manifest.digest);
      assert.deepEqual(await r.listTags(), ['three']);
      assert.equal(await r.getManifest(a.manifest.digest), undefined);
      await r.deleteManifest(b.manifest.digest);
      assert.deepEqual(await r.listTags(), []); // {"tags": null}
      assert.deepEqual(await repo('demo/never-pushed').listTags(), []); // 404 NAME_UNKNOWN
      await assert.rejects(r.deleteManifest(b.manifest.digest), (err: Error & { code?: string }) => err.code === 'NOT_FOUND');
    });

    it('mounts a blob from another repository of the same registry', async () => {
      const source = repo('demo/mount-src');
      const target = repo('demo/mount-dst');
      const image = buildImage('mount');
      await pushImage(source, image, 'v1');
      for (const b of image.blobs) await target.putBlob(b.descriptor, new Uint8Array(0), source); // mount: source bytes never read
      await target.putManifest('v1', image.manifest);
      assert.equal((await target.getManifest('v1'))!.digest, image.manifest.digest);
      // mounting a blob the source does not have falls back to an upload in the session it opened
      const fresh = buildImage('mount-fresh').blobs[1]!;
      await target.putBlob(fresh.descriptor, fresh.bytes, source);
      assert.equal(await target.hasBlob(fresh.descriptor.digest), true);
    });

    it('uploads a blob larger than 5 MiB in chunks, from a stream', async () => {
      const r = repo('demo/big');
      const bytes = randomBytes(5 * 1024 * 1024 + 123_457);
      const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
      const source = async function* () {
        for (let i = 0; i < bytes.length; i += 1_000_000) yield bytes.subarray(i, i + 1_000_000);
      };
      await r.putBlob({ digest, size: bytes.length }, source);
      const back = await collect(await r.openBlob(digest, bytes.length));
      assert.equal(back.length, bytes.length);
      assert.ok(back.equals(bytes));
      // a second push is skipped: the blob exists (the factory is never called)
      await r.putBlob({ digest, size: bytes.length }, () => { throw new Error('must not reopen'); });
    });

    it('refuses a source whose bytes do not match the descriptor', async () => {
      const r = repo('demo/bad-source');
      const good = buildImage('bad-source').blobs[1]!;
      await assert.rejects(r.putBlob(good.descriptor, new TextEncoder().encode('something else')), /source has/);
      assert.equal(await r.hasBlob(good.descriptor.digest), false);
    });
  });
}
