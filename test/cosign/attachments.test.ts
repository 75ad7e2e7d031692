import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readAttachments } from '../../src/cosign/attachments.ts';
import { isOcisignError } from '../../src/core/errors.ts';
import { sha256Digest } from '../../src/oci/digest.ts';
import { MemoryRepository, SUBJECT } from './memory-repository.ts';

const TAG = `sha256-${'c'.repeat(64)}.sig`;

function sigManifest(repo: MemoryRepository, payloads: string[], layerText?: (d: string, size: number) => string): void {
  const layers = payloads.map((p) => {
    const bytes = new TextEncoder().encode(p);
    const d = sha256Digest(bytes);
    repo.blobs.set(d, bytes);
    return layerText ? layerText(d, bytes.byteLength) : `{"mediaType":"application/vnd.dev.cosign.simplesigning.v1+json","size":${bytes.byteLength},"digest":"${d}","annotations":{"dev.cosignproject.cosign/signature":"c2ln"}}`;
  });
  repo.putJson(TAG, `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","size":2,"digest":"${sha256Digest('{}')}"},"layers":[${layers.join(',')}]}`);
}

test('a missing .sig tag is an empty set', async () => {
  const set = await readAttachments(new MemoryRepository(), SUBJECT, 'signature', { payloads: true });
  assert.equal(set.tag, TAG);
  assert.equal(set.layers.length, 0);
  assert.equal(set.manifest, undefined);
});

test('layers keep their exact descriptor text, annotations and payload bytes', async () => {
  const repo = new MemoryRepository();
  sigManifest(repo, ['one', 'two'], (d, size) => `{ "digest":"${d}" , "size":${size},"mediaType":"x/y","annotations":{"b":"\\u003c","a":"1"}}`);
  const set = await readAttachments(repo, SUBJECT, 'signature', { payloads: true });
  assert.equal(set.layers.length, 2);
  assert.equal(set.layers[0]!.raw, `{ "digest":"${sha256Digest('one')}" , "size":3,"mediaType":"x/y","annotations":{"b":"\\u003c","a":"1"}}`);
  assert.deepEqual(set.layers[1]!.annotations, { b: '<', a: '1' });
  assert.equal(new TextDecoder().decode(set.layers[1]!.payload), 'two');
});

test('more than 1000 layers is an error', async () => {
  const repo = new MemoryRepository();
  sigManifest(repo, Array.from({ length: 1001 }, (_, i) => `p${i}`));
  await assert.rejects(readAttachments(repo, SUBJECT, 'signature'), (e) => isOcisignError(e, 'BAD_INPUT') && /1001 layers/.test(e.message));
});

test('a blob whose bytes do not match its digest is an error naming the layer', async () => {
  const repo = new MemoryRepository();
  sigManifest(repo, ['good', 'evil']);
  repo.tampered.set(sha256Digest('evil'), new TextEncoder().encode('EVIL'));
  await assert.rejects(readAttachments(repo, SUBJECT, 'signature', { payloads: true }), (e) => {
    assert.ok(isOcisignError(e, 'IO'), String(e));
    assert.match(e.message, new RegExp(`layer 1 \\(${sha256Digest('evil')}\\)`));
    return true;
  });
});

test('an expected payload whose SHA-256 is the layer digest is used without reading the blob; others are read', async () => {
  const repo = new MemoryRepository();
  sigManifest(repo, ['predicted', 'other']);
  const reads: string[] = [];
  const readBlob = repo.readBlob.bind(repo);
  repo.readBlob = async (digest, max) => {
    reads.push(digest);
    return readBlob(digest, max);
  };
  const expected = new TextEncoder().encode('predicted');
  const set = await readAttachments(repo, SUBJECT, 'signature', { payloads: true, expectedPayloads: [expected, new TextEncoder().encode('unused')] });
  assert.deepEqual(reads, [sha256Digest('other')]);
  assert.equal(set.layers[0]!.payload, expected);
  assert.equal(new TextDecoder().decode(set.layers[1]!.payload), 'other');
});

test('an expected payload does not stand in for a tampered blob of another digest', async () => {
  const repo = new MemoryRepository();
  sigManifest(repo, ['evil']);
  repo.tampered.set(sha256Digest('evil'), new TextEncoder().encode('EVIL'));
  // bytes hashing to something else never replace the blob: it is read, and the mismatch is reported
  await assert.rejects(
    readAttachments(repo, SUBJECT, 'signature', { payloads: true, expectedPayloads: [new TextEncoder().encode('EVIL')] }),
    (e) => isOcisignError(e, 'IO') && /does not match/.test(e.message),
  );
});
