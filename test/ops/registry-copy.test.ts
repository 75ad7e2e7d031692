import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent } from 'undici';
import { buildIndex, sampleLayers } from '../../src/oci/image-builder.ts';
import { openRepository } from '../../src/oci/open.ts';
import { parseReference, type Reference } from '../../src/oci/reference.ts';
import type { Repository } from '../../src/oci/repository.ts';
import { copyImage } from '../../src/ops/copy.ts';
import { digestImage } from '../../src/ops/digest.ts';
import { treeImage } from '../../src/ops/tree.ts';
import { registryAvailable, startRegistry } from '../helpers/registry-server.ts';
import { attach } from './attach.ts';

/** Every tag's manifest bytes and every blob a repository's images name, for digest-for-digest comparison. */
async function snapshot(repo: Repository): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const tag of await repo.listTags()) {
    const m = await repo.getManifest(tag);
    out.set(tag, m!.digest);
  }
  return out;
}

test('registry ↔ layout copies keep every digest (multi-arch index + attachments), mount within a registry', async (t) => {
  const why = registryAvailable();
  if (why) return t.skip(why);
  const registry = await startRegistry({ mode: 'http' });
  const dispatcher = new Agent({ connections: 8 });
  const dir = await mkdtemp(join(tmpdir(), 'ocisign-regcopy-'));
  t.after(async () => {
    await dispatcher.close();
    await registry.stop();
    await rm(dir, { recursive: true, force: true });
  });
  const options = { dispatcher, retry: { attempts: 3, baseDelayMs: 5, maxDelayMs: 20 } };
  const open = (ref: Reference) => openRepository(ref, options);

  const srcRef = parseReference(`oci:${dir}/src:v1`);
  const src = open(srcRef);
  const index = await buildIndex(src, [{ layers: sampleLayers('amd64') }, { layers: sampleLayers('arm64'), platform: { os: 'linux', architecture: 'arm64' } }], 'v1');
  await attach(src, index.digest, 'signature');
  for (const image of index.images) await attach(src, image.digest, 'signature');
  await attach(src, index.images[0]!.digest, 'attestation');
  await attach(src, index.images[1]!.digest, 'sbom');

  // layout → registry
  const regRef = parseReference(`${registry.host}/demo/app:v1`);
  const reg = open(regRef);
  const up = await copyImage(src, srcRef, reg, regRef, { concurrency: 3 });
  assert.equal(up.digest, index.digest);
  assert.equal(up.attachments.length, 5);
  assert.equal((await digestImage(reg, regRef)).digest, index.digest);
  for (const image of index.images) assert.deepEqual((await reg.getManifest(image.digest))?.bytes, image.manifestBytes);
  const expected = await snapshot(src);
  assert.deepEqual(await snapshot(reg), expected, 'every tag names the same digest in the registry');
  const tree = await treeImage(reg, regRef);
  assert.equal(tree.children.length, 2);
  assert.deepEqual(tree.children.map((c) => c.attachments.map((a) => a.kind)), [['signature', 'attestation'], ['signature', 'sbom']]);

  // registry → registry (another repository on the same registry: blobs mounted, not re-uploaded)
  const otherRef = parseReference(`${registry.host}/other/app:v1`);
  const other = open(otherRef);
  let blobReads = 0;
  const counting = new Proxy(reg, {
    get(target, key, receiver) {
      if (key === 'openBlob') return (...args: Parameters<Repository['openBlob']>) => (blobReads++, target.openBlob(...args));
      const value = Reflect.get(target, key, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  const across = await copyImage(counting, regRef, other, otherRef);
  assert.equal(across.digest, index.digest);
  assert.ok(across.blobsCopied > 0);
  assert.equal(blobReads, 0, 'every blob was mounted, none streamed through the client');
  assert.deepEqual(await snapshot(other), expected);

  // registry → layout
  const backRef = parseReference(`oci:${dir}/back:v1`);
  const back = open(backRef);
  const down = await copyImage(other, otherRef, back, backRef);
  assert.equal(down.digest, index.digest);
  assert.deepEqual(await snapshot(back), expected);
  for (const image of index.images) {
    for (const l of image.layers) assert.deepEqual(await back.readBlob(l.descriptor.digest, 1e7), await src.readBlob(l.descriptor.digest, 1e7));
  }
});
