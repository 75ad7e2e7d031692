import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendAttachment, type NewAttachmentLayer } from '../../src/cosign/append.ts';
import { readAttachments } from '../../src/cosign/attachments.ts';
import { isCosignDuplicate } from '../../src/cosign/dedupe.ts';
import { buildSimpleSigningPayload } from '../../src/cosign/simple-signing.ts';
import { buildSignatureConfig } from '../../src/cosign/signature-image.ts';
import { sha256Digest } from '../../src/oci/digest.ts';
import { MemoryRepository, SUBJECT, testKeyPair } from './memory-repository.ts';

const TAG = `sha256-${'c'.repeat(64)}.sig`;
const noSleep = { settle: false } as const;

async function signedLayer(signer: { sign(d: Uint8Array): Promise<Uint8Array> }, extra: Record<string, string> = {}): Promise<NewAttachmentLayer> {
  const payload = buildSimpleSigningPayload({ dockerReference: 'mem.test/app', digest: SUBJECT, annotations: extra });
  const sig = Buffer.from(await signer.sign(payload)).toString('base64');
  return { payload, mediaType: 'application/vnd.dev.cosign.simplesigning.v1+json', annotations: { 'dev.cosignproject.cosign/signature': sig } };
}

test('first signature creates a cosign-shaped .sig image', async () => {
  const repo = new MemoryRepository();
  const k = testKeyPair();
  const layer = await signedLayer(k.signer);
  const r = await appendAttachment(repo, SUBJECT, layer, { kind: 'signature', ...noSleep });
  assert.deepEqual([r.appended, r.writes, r.layerCount, r.tag], [true, 1, 1, TAG]);
  const m = JSON.parse(new TextDecoder().decode((await repo.getManifest(TAG))!.bytes));
  assert.equal(m.mediaType, 'application/vnd.oci.image.manifest.v1+json');
  assert.equal(m.config.size, 233);
  const config = repo.blobs.get(m.config.digest)!;
  assert.deepEqual(config, buildSignatureConfig([sha256Digest(layer.payload)]));
  assert.deepEqual(repo.blobs.get(m.layers[0].digest), layer.payload);
});

test('appending keeps existing layers and annotations byte for byte, and regenerates the config', async () => {
  const repo = new MemoryRepository();
  const foreign = new TextEncoder().encode('{"critical":{},"optional":null}');
  repo.blobs.set(sha256Digest(foreign), foreign);
  const oldLayer = `{"mediaType":"application/vnd.dev.cosign.simplesigning.v1+json","size":${foreign.byteLength},"digest":"${sha256Digest(foreign)}","annotations":{"dev.sigstore.cosign/bundle":"{\\"a\\":\\"\\u003c\\"}","dev.cosignproject.cosign/signature":"AAAA"}}`;
  repo.putJson(TAG, `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","size":233,"digest":"${sha256Digest('x')}"},"layers":[${oldLayer}],"annotations":{"keep":"me"}}`);
  const layer = await signedLayer(testKeyPair().signer);
  await appendAttachment(repo, SUBJECT, layer, { kind: 'signature', ...noSleep });
  const text = new TextDecoder().decode((await repo.getManifest(TAG))!.bytes);
  assert.ok(text.includes(`"layers":[${oldLayer},{"mediaType"`), text);
  assert.ok(text.endsWith(`],"annotations":{"keep":"me"}}`));
  const m = JSON.parse(text);
  assert.equal(m.config.size, 233 + 109);
  assert.deepEqual(repo.blobs.get(m.config.digest), buildSignatureConfig([sha256Digest(foreign), sha256Digest(layer.payload)]));
});

test('re-signing with the same key is idempotent (cosign dedupe)', async () => {
  const repo = new MemoryRepository();
  const k = testKeyPair();
  await appendAttachment(repo, SUBJECT, await signedLayer(k.signer), { kind: 'signature', ...noSleep });
  const before = repo.putManifestCount;
  const again = await signedLayer(k.signer); // ECDSA: a different signature over the same payload
  const r = await appendAttachment(repo, SUBJECT, again, { kind: 'signature', isDuplicate: isCosignDuplicate(again, k.verifier), ...noSleep });
  assert.equal(r.appended, false);
  assert.equal(repo.putManifestCount, before);
  // another key, or other annotations, append
  const other = testKeyPair();
  const o = await signedLayer(other.signer);
  assert.equal((await appendAttachment(repo, SUBJECT, o, { kind: 'signature', isDuplicate: isCosignDuplicate(o, other.verifier), ...noSleep })).appended, true);
  const withA = await signedLayer(k.signer, { env: 'prod' });
  assert.equal((await appendAttachment(repo, SUBJECT, withA, { kind: 'signature', isDuplicate: isCosignDuplicate(withA, k.verifier), ...noSleep })).layerCount, 3);
});

test('16 concurrent writers with read-back merge lose no layer', async () => {
  const repo = new MemoryRepository(4);
  const keys = Array.from({ length: 16 }, () => testKeyPair());
  const layers = await Promise.all(keys.map((k) => signedLayer(k.signer)));
  await Promise.all(layers.map((l) => appendAttachment(repo, SUBJECT, l, { kind: 'signature' })));
  const set = await readAttachments(repo, SUBJECT, 'signature', { payloads: true });
  assert.equal(set.layers.length, 16);
  const sigs = new Set(set.layers.map((l) => l.annotations['dev.cosignproject.cosign/signature']));
  for (const l of layers) assert.ok(sigs.has(l.annotations['dev.cosignproject.cosign/signature']));
  const m = JSON.parse(new TextDecoder().decode((await repo.getManifest(TAG))!.bytes));
  assert.equal(repo.blobs.get(m.config.digest)!.byteLength, 233 + 15 * 109);
  assert.ok(repo.putManifestCount > 16, `races happened (${repo.putManifestCount} writes)`);
});

test('a writer that never yields (no jitter) also converges', async () => {
  const repo = new MemoryRepository(0);
  const layers = await Promise.all(Array.from({ length: 8 }, () => signedLayer(testKeyPair().signer)));
  await Promise.all(layers.map((l) => appendAttachment(repo, SUBJECT, l, { kind: 'signature' })));
  assert.equal((await readAttachments(repo, SUBJECT, 'signature')).layers.length, 8);
});

test('a writer whose payload upload is slow does not drop a faster writer (the payload goes up before the read)', async () => {
  const slowPayload = buildSimpleSigningPayload({ dockerReference: 'mem.test/app', digest: SUBJECT, annotations: { slow: 'yes' } });
  const slowDigest = sha256Digest(slowPayload);
  class SlowUploads extends MemoryRepository {
    override async putBlob(d: { digest: string; size: number }, source: Uint8Array | (() => AsyncIterable<Uint8Array>)): Promise<void> {
      if (d.digest === slowDigest) await new Promise((resolve) => setTimeout(resolve, 300));
      return super.putBlob(d, source);
    }
  }
  const repo = new SlowUploads();
  const k = testKeyPair();
  const fast = await signedLayer(k.signer);
  const slow = { ...(await signedLayer(k.signer, { slow: 'yes' })), payload: slowPayload };
  await Promise.all([appendAttachment(repo, SUBJECT, fast, { kind: 'signature' }), appendAttachment(repo, SUBJECT, slow, { kind: 'signature' })]);
  const set = await readAttachments(repo, SUBJECT, 'signature');
  assert.deepEqual(set.layers.map((l) => l.descriptor.digest).sort(), [sha256Digest(fast.payload), slowDigest].sort());
});
