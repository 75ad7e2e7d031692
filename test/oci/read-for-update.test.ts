// readForUpdate: a "not found" is believed only when HEAD and the tag list agree; an existing tag that cannot be read
// stops the writer. The registry version of these faults is in test/faults/lost-signature.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OcisignError } from '../../src/core/errors.ts';
import { TagUnreadableError, readForUpdate } from '../../src/oci/read-for-update.ts';
import { appendAttachment } from '../../src/cosign/append.ts';
import { readAttachments } from '../../src/cosign/attachments.ts';
import { buildSimpleSigningPayload } from '../../src/cosign/simple-signing.ts';
import { MemoryRepository, SUBJECT } from '../cosign/memory-repository.ts';

const TAG = `sha256-${'c'.repeat(64)}.sig`;
const noSleep = async () => {};

/** A memory repository whose GETs of the tag (by tag or by its digest), HEADs and tag list forget it on demand. */
class ForgetfulRepository extends MemoryRepository {
  getMisses = 0;
  headMisses = 0;
  hideFromList = false;
  listDenied = false;
  gets = 0;

  override async getManifest(ref: string) {
    this.gets++;
    if ((ref === TAG || ref === this.tags.get(TAG)) && this.getMisses > 0) {
      this.getMisses--;
      return undefined;
    }
    return super.getManifest(ref);
  }

  override async resolve(ref: string) {
    if (ref === TAG && this.headMisses > 0) {
      this.headMisses--;
      return undefined;
    }
    const m = await super.getManifest(ref);
    return m && { mediaType: m.mediaType, digest: m.digest, size: m.bytes.byteLength };
  }

  override async listTags() {
    if (this.listDenied) throw new OcisignError('AUTH', 'authentication failed for mem.test/app: DENIED (403 on listing tags of)');
    return (await super.listTags()).filter((t) => !(this.hideFromList && t === TAG));
  }
}

function storedSet(repo: MemoryRepository): string {
  return repo.putJson(TAG, `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","size":1,"digest":"sha256:${'1'.repeat(64)}"},"layers":[{"mediaType":"application/vnd.dev.cosign.simplesigning.v1+json","size":1,"digest":"sha256:${'2'.repeat(64)}","annotations":{"dev.cosignproject.cosign/signature":"AAAA"}}]}`);
}

test('an absent tag is absent when HEAD and the tag list agree', async () => {
  const repo = new ForgetfulRepository();
  assert.equal(await readForUpdate(repo, TAG, { sleep: noSleep }), undefined);
});

test('one "not found" for a tag that exists: the manifest is read again, by the digest HEAD answered', async () => {
  const repo = new ForgetfulRepository();
  const digest = storedSet(repo);
  repo.getMisses = 1;
  const got = await readForUpdate(repo, TAG, { sleep: noSleep });
  assert.equal(got?.digest, digest);
});

test('GET and HEAD say "not found" but the tag list names the tag: read again by tag', async () => {
  const repo = new ForgetfulRepository();
  const digest = storedSet(repo);
  repo.getMisses = 2;
  repo.headMisses = 1;
  assert.equal((await readForUpdate(repo, TAG, { sleep: noSleep }))?.digest, digest);
});

test('a tag that exists but never reads is refused (TagUnreadableError, IO)', async () => {
  const repo = new ForgetfulRepository();
  storedSet(repo);
  repo.getMisses = Infinity;
  await assert.rejects(readForUpdate(repo, TAG, { sleep: noSleep, attempts: 3 }), (err: Error) =>
    err instanceof TagUnreadableError && err.code === 'IO' && /HEAD answers sha256:/.test(err.message));
});

test('no tag list (403): a second GET and HEAD after a pause decide', async () => {
  const repo = new ForgetfulRepository();
  repo.listDenied = true;
  assert.equal(await readForUpdate(repo, TAG, { sleep: noSleep }), undefined, 'absent');
  const digest = storedSet(repo);
  repo.getMisses = 1;
  repo.headMisses = 1;
  assert.equal((await readForUpdate(repo, TAG, { sleep: noSleep }))?.digest, digest, 'the second GET finds it');
});

test('append after one spurious "not found" keeps the stored layer (fails without readForUpdate)', async () => {
  const repo = new ForgetfulRepository();
  storedSet(repo);
  repo.getMisses = 1;
  const payload = buildSimpleSigningPayload({ dockerReference: 'mem.test/app', digest: SUBJECT, annotations: {} });
  const layer = { payload, mediaType: 'application/vnd.dev.cosign.simplesigning.v1+json', annotations: { 'dev.cosignproject.cosign/signature': 'BBBB' } };
  const r = await appendAttachment(repo, SUBJECT, layer, { kind: 'signature', settle: false, sleep: noSleep });
  assert.equal(r.layerCount, 2);
  const set = await readAttachments(repo, SUBJECT, 'signature');
  assert.deepEqual(set.layers.map((l) => l.annotations['dev.cosignproject.cosign/signature']), ['AAAA', 'BBBB']);
});

test('append over a set that cannot be read writes nothing', async () => {
  const repo = new ForgetfulRepository();
  storedSet(repo);
  repo.getMisses = Infinity;
  const before = repo.putManifestCount;
  const payload = buildSimpleSigningPayload({ dockerReference: 'mem.test/app', digest: SUBJECT, annotations: {} });
  const layer = { payload, mediaType: 'application/vnd.dev.cosign.simplesigning.v1+json', annotations: { 'dev.cosignproject.cosign/signature': 'BBBB' } };
  await assert.rejects(appendAttachment(repo, SUBJECT, layer, { kind: 'signature', settle: false, sleep: noSleep }), (err: OcisignError) =>
    err.code === 'IO' && /^appending to mem\.test\/app:sha256-c+\.sig: the tag exists/.test(err.message));
  assert.equal(repo.putManifestCount, before);
});
