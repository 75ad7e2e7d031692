// Referrers storage on the real docker-registry 2.8 (no referrers API: the sha256-<hex> fallback index), and
// through an intercepting proxy for what 2.8 never does (an API with paging or a charset Content-Type, 406,
// OCI-Subject, 412 on If-Match, a tag resolving to the subject, a 500 on the listing).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { isOcisignError } from '../../src/core/errors.ts';
import { sha256Digest } from '../../src/oci/digest.ts';
import { buildImage, sampleLayers } from '../../src/oci/image-builder.ts';
import type { Descriptor } from '../../src/oci/manifest.ts';
import { MediaType } from '../../src/oci/media-types.ts';
import { pushArtifact } from '../../src/oci/referrers/artifact-manifest.ts';
import { referrersTag } from '../../src/oci/referrers/referrers-tag.ts';
import { createRegistryRepository } from '../../src/oci/registry/registry-repository.ts';
import type { Repository } from '../../src/oci/repository.ts';
import { registryAvailable, startRegistry, type TestRegistry } from '../helpers/registry-server.ts';
import { clientFor, recordingLogger, ref, type Client } from '../oci/registry/setup.ts';
import { BUNDLE, bundleArtifact } from './artifacts.ts';
import { startInterceptProxy, type InterceptProxy } from './intercept-proxy.ts';

const skip = registryAvailable();

describe('referrers on docker-registry 2.8 and behind an intercepting proxy', { skip }, () => {
  let registry: TestRegistry;
  let front: InterceptProxy;
  let client: Client;
  const logger = recordingLogger();
  before(async () => {
    registry = await startRegistry({ mode: 'http' });
    front = await startInterceptProxy(registry.url);
    client = clientFor(registry, { logger });
  });
  after(async () => {
    await client?.close();
    await front?.stop();
    await registry?.stop();
  });
  const direct = (name: string) => createRegistryRepository(ref(registry, name), client.options);
  const proxied = (name: string) => createRegistryRepository(ref(front, name), client.options);
  async function subjectIn(repo: Repository, arch = 'amd64'): Promise<Descriptor> {
    const built = await buildImage(repo, { layers: sampleLayers(arch), platform: { os: 'linux', architecture: arch } }, 'v1');
    return { mediaType: built.descriptor.mediaType, digest: built.digest, size: built.descriptor.size };
  }
  async function fallbackIndex(repo: Repository, subject: string) {
    const raw = await repo.getManifest(referrersTag(subject));
    return raw && { raw, doc: JSON.parse(new TextDecoder().decode(raw.bytes)) as { mediaType: string; manifests: Descriptor[] } };
  }

  it('without the API: pushes by digest, writes the fallback index with artifactType and every annotation, lists it back', async () => {
    const repo = direct('fallback/basic');
    const subject = await subjectIn(repo);
    const none = await repo.listReferrers(subject.digest);
    assert.deepEqual(none, { via: 'fallback-tag', descriptors: [] });
    const a = await pushArtifact(repo, bundleArtifact(subject, 1), { settle: false });
    const b = await pushArtifact(repo, bundleArtifact(subject, 2, 'https://cyclonedx.org/bom'), { settle: false });
    assert.equal(a.via, 'fallback-tag');
    assert.equal(a.tag, referrersTag(subject.digest));
    assert.equal(b.writes, 1);
    const index = await fallbackIndex(repo, subject.digest);
    assert.equal(index?.raw.mediaType, MediaType.OciIndex);
    assert.deepEqual(index?.doc.manifests.map((d) => d.digest), [a.digest, b.digest]);
    const listing = await repo.listReferrers(subject.digest);
    assert.equal(listing.via, 'fallback-tag');
    assert.deepEqual(listing.descriptors[1], {
      mediaType: MediaType.OciManifest, digest: b.digest, size: b.size, artifactType: BUNDLE,
      annotations: bundleArtifact(subject, 2, 'https://cyclonedx.org/bom').annotations,
    });
    assert.deepEqual((await repo.listReferrers(subject.digest, { artifactType: 'application/other' })).descriptors, []);
    // the manifest itself is stored by digest, untagged
    assert.ok(await repo.resolve(a.digest));
    assert.deepEqual((await repo.listTags()).sort(), [referrersTag(subject.digest), 'v1'].sort());
    // pushing the same referrer again writes nothing
    const again = await repo.pushReferrer((await repo.getManifest(a.digest))!, subject, { settle: false });
    assert.equal(again.writes, 0);
  });

  it('keeps entries other writers made (cosign 3.1.1 style, without annotations) and unknown index fields', async () => {
    const repo = direct('fallback/foreign');
    const subject = await subjectIn(repo);
    const real = await pushArtifact(repo, bundleArtifact(subject, 'first'), { settle: false });
    const doc = (await fallbackIndex(repo, subject.digest))!.doc;
    const rewritten = new TextEncoder().encode(JSON.stringify({ ...doc, manifests: [{ mediaType: MediaType.OciManifest, size: real.size, digest: real.digest, artifactType: MediaType.OciEmpty }], annotations: { keep: 'me' } }));
    await repo.putManifest(referrersTag(subject.digest), { bytes: rewritten, mediaType: MediaType.OciIndex, digest: sha256Digest(rewritten) });
    const added = await pushArtifact(repo, bundleArtifact(subject, 'second'), { settle: false });
    const after = (await fallbackIndex(repo, subject.digest))!.doc as unknown as Record<string, unknown> & { manifests: Descriptor[] };
    assert.deepEqual(after.manifests[0], { mediaType: MediaType.OciManifest, size: real.size, digest: real.digest, artifactType: MediaType.OciEmpty }, 'the foreign entry is kept verbatim');
    assert.equal(after.manifests[1]!.digest, added.digest);
    assert.deepEqual(after.annotations, { keep: 'me' });
  });

  it('16 writers in one process on one digest: all 16 listed (distribution 2.8 ignores If-Match; the read-back merges)', async () => {
    const repo = direct('fallback/race');
    const subject = await subjectIn(repo);
    const pushed = await Promise.all(Array.from({ length: 16 }, (_, i) => pushArtifact(direct('fallback/race'), bundleArtifact(subject, i))));
    const listed = new Set((await repo.listReferrers(subject.digest)).descriptors.map((d) => d.digest));
    assert.equal(listed.size, 16);
    for (const p of pushed) assert.ok(listed.has(p.digest), `${p.digest} listed`);
  });

  it('a referrers API answering with "; charset=utf-8" and two Link pages is read whole, filtered client-side', async () => {
    const repo = proxied('api/paged');
    const subject = await subjectIn(repo);
    const d = (n: number, artifactType: string): Descriptor => ({ mediaType: MediaType.OciManifest, digest: sha256Digest(`r${n}`), size: 10, artifactType });
    const page1 = { schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: [d(1, BUNDLE), d(2, 'application/spdx')] };
    const page2 = { schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: [d(3, BUNDLE), d(1, BUNDLE)] };
    front.intercept = (req) => {
      if (!req.path.startsWith(`/v2/api/paged/referrers/${subject.digest}`)) return undefined;
      const second = req.path.includes('page=2');
      return {
        status: 200,
        headers: {
          'content-type': 'application/vnd.oci.image.index.v1+json; charset=utf-8',
          ...(second ? {} : { link: `</v2/api/paged/referrers/${subject.digest}?page=2>; rel="next"` }),
        },
        body: JSON.stringify(second ? page2 : page1),
      };
    };
    try {
      const all = await repo.listReferrers(subject.digest);
      assert.equal(all.via, 'referrers-api');
      assert.deepEqual(all.descriptors.map((x) => x.digest), [d(1, BUNDLE), d(2, ''), d(3, BUNDLE)].map((x) => x.digest));
      const bundles = await repo.listReferrers(subject.digest, { artifactType: BUNDLE });
      assert.deepEqual(bundles.descriptors.map((x) => x.digest), [d(1, BUNDLE).digest, d(3, BUNDLE).digest]);
      assert.ok(front.requests.some((r) => r.path.includes('artifactType=application%2Fvnd.dev.sigstore.bundle.v0.3%2Bjson')), 'the filter is sent too');
    } finally {
      front.intercept = undefined;
    }
  });

  it('406 from the referrers endpoint means no API: the fallback index is read', async () => {
    const repo = proxied('api/406');
    const subject = await subjectIn(repo);
    const pushed = await pushArtifact(direct('api/406'), bundleArtifact(subject, 1), { settle: false });
    front.intercept = (req) => (req.path.includes('/referrers/') ? { status: 406, body: 'not acceptable' } : undefined);
    try {
      const listing = await repo.listReferrers(subject.digest);
      assert.equal(listing.via, 'fallback-tag');
      assert.deepEqual(listing.descriptors.map((x) => x.digest), [pushed.digest]);
    } finally {
      front.intercept = undefined;
    }
  });

  it('a 500 on the listing, and a 401 that stays, are errors — never an empty list', async () => {
    const repo = proxied('api/500');
    const subject = await subjectIn(repo);
    front.intercept = (req) => (req.path.includes('/referrers/') ? { status: 500, body: '{"errors":[{"code":"UNKNOWN","message":"boom"}]}' } : undefined);
    try {
      await assert.rejects(repo.listReferrers(subject.digest), (err: Error) => isOcisignError(err, 'IO') && /listing referrers of .*: 500 UNKNOWN: boom/.test(err.message));
      front.intercept = (req) => (req.path.includes('/manifests/sha256-') ? { status: 503, body: 'busy' } : undefined);
      await assert.rejects(repo.listReferrers(subject.digest), (err: Error) => isOcisignError(err, 'IO') && /503/.test(err.message), 'the fallback tag failing is an error too');
      front.intercept = (req) => (req.path.includes('/referrers/') ? { status: 401, headers: { 'www-authenticate': 'Basic realm="x"' } } : undefined);
      await assert.rejects(repo.listReferrers(subject.digest), (err: Error) => isOcisignError(err, 'AUTH'));
    } finally {
      front.intercept = undefined;
    }
  });

  it('a fallback tag that resolves to the subject itself (GitLab) lists nothing and is never overwritten', async () => {
    const repo = proxied('gitlab/app');
    const subject = await subjectIn(repo);
    const subjectBytes = (await repo.getManifest(subject.digest))!.bytes;
    const tag = referrersTag(subject.digest);
    front.intercept = (req) => {
      if (req.method === 'GET' && req.path === `/v2/gitlab/app/manifests/${tag}`) {
        return { status: 200, headers: { 'content-type': subject.mediaType, 'docker-content-digest': subject.digest }, body: subjectBytes };
      }
      return undefined;
    };
    try {
      const listing = await repo.listReferrers(subject.digest);
      assert.deepEqual(listing, { via: 'fallback-tag', descriptors: [] });
      assert.ok(logger.warnings.some((w) => w.includes('resolves to the subject itself')));
      await assert.rejects(pushArtifact(repo, bundleArtifact(subject, 1), { settle: false }), (err: Error) =>
        isOcisignError(err, 'IO') && /refusing to replace the tag: the tag resolves to the subject itself/.test(err.message) && /stored but not listed/.test(err.message));
      assert.ok(!front.requests.some((r) => r.method === 'PUT' && r.path.endsWith(`/manifests/${tag}`)), 'no PUT of the tag');
    } finally {
      front.intercept = undefined;
    }
  });

  it('a fallback tag naming an image (not an index) lists nothing and is not replaced', async () => {
    const repo = direct('notindex/app');
    const subject = await subjectIn(repo);
    const other = await buildImage(repo, { layers: sampleLayers('arm64'), platform: { os: 'linux', architecture: 'arm64' } }, referrersTag(subject.digest));
    assert.deepEqual((await repo.listReferrers(subject.digest)).descriptors, []);
    await assert.rejects(pushArtifact(repo, bundleArtifact(subject, 1), { settle: false }), (err: Error) =>
      isOcisignError(err, 'IO') && /not an OCI image index/.test(err.message));
    assert.equal((await repo.resolve(referrersTag(subject.digest)))?.digest, other.digest, 'the tag still names the image');
  });

  it('If-Match carries the ETag of the read; a 412 makes it read again and retry', async () => {
    const repo = proxied('ifmatch/app');
    const subject = await subjectIn(repo);
    const first = await pushArtifact(repo, bundleArtifact(subject, 1), { settle: false });
    const tagPath = `/v2/ifmatch/app/manifests/${referrersTag(subject.digest)}`;
    let conflicts = 1;
    front.requests.length = 0;
    front.intercept = (req) => (req.method === 'PUT' && req.path === tagPath && req.headers['if-match'] && conflicts-- > 0 ? { status: 412, body: '' } : undefined);
    try {
      const second = await pushArtifact(repo, bundleArtifact(subject, 2), { settle: false });
      const puts = front.requests.filter((r) => r.method === 'PUT' && r.path === tagPath);
      assert.equal(puts.length, 2, 'one 412, one accepted');
      const indexDigest = (await direct('ifmatch/app').resolve(referrersTag(subject.digest)))!.digest;
      assert.match(String(puts[0]!.headers['if-match']), /^"?sha256:[a-f0-9]{64}"?$/);
      assert.notEqual(String(puts[1]!.headers['if-match']).replace(/"/g, ''), indexDigest);
      const listed = (await repo.listReferrers(subject.digest)).descriptors.map((d) => d.digest);
      assert.deepEqual(listed, [first.digest, second.digest]);
    } finally {
      front.intercept = undefined;
    }
  });

  it('OCI-Subject on the PUT, or a 200 index from the probe, means the registry keeps the list: no fallback tag', async () => {
    const repo = proxied('api/subject');
    const subject = await subjectIn(repo);
    front.addResponseHeaders = (req, status) => (req.method === 'PUT' && req.path.includes('/manifests/sha256:') && status === 201 ? { 'oci-subject': subject.digest } : undefined);
    try {
      const pushed = await pushArtifact(repo, bundleArtifact(subject, 1));
      assert.deepEqual([pushed.via, pushed.tag], ['referrers-api', undefined]);
    } finally {
      front.addResponseHeaders = undefined;
    }
    const probed = proxied('api/probe');
    const subject2 = await subjectIn(probed);
    front.intercept = (req) => (req.method === 'GET' && req.path.includes('/referrers/')
      ? { status: 200, headers: { 'content-type': `${MediaType.OciIndex}; charset=utf-8` }, body: JSON.stringify({ schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: [] }) }
      : undefined);
    try {
      const pushed = await pushArtifact(probed, bundleArtifact(subject2, 1));
      assert.equal(pushed.via, 'referrers-api');
    } finally {
      front.intercept = undefined;
    }
    assert.equal(await direct('api/subject').resolve(referrersTag(subject.digest)), undefined);
    assert.equal(await direct('api/probe').resolve(referrersTag(subject2.digest)), undefined);
  });

  it('one 404 of an existing fallback index is not taken for "absent": no entry is dropped', async () => {
    const repo = proxied('flaky404/app');
    const subject = await subjectIn(repo);
    const first = await pushArtifact(repo, bundleArtifact(subject, 1), { settle: false });
    const tagPath = `/v2/flaky404/app/manifests/${referrersTag(subject.digest)}`;
    let misses = 1;
    front.intercept = (req) => (req.method === 'GET' && req.path === tagPath && misses-- > 0 ? { status: 404, body: '{"errors":[{"code":"MANIFEST_UNKNOWN"}]}' } : undefined);
    try {
      const second = await pushArtifact(repo, bundleArtifact(subject, 2), { settle: false });
      assert.deepEqual((await repo.listReferrers(subject.digest)).descriptors.map((d) => d.digest), [first.digest, second.digest]);
    } finally {
      front.intercept = undefined;
    }
  });

  it('an index whose tag GET keeps answering 404 is read by the digest HEAD names; unreadable by that too: IO, left as it was', async () => {
    const repo = proxied('unreadable/app');
    const subject = await subjectIn(repo);
    const first = await pushArtifact(repo, bundleArtifact(subject, 1), { settle: false });
    const tag = referrersTag(subject.digest);
    const notFound = { status: 404, body: '{"errors":[{"code":"MANIFEST_UNKNOWN"}]}' };
    front.intercept = (req) => (req.method === 'GET' && req.path === `/v2/unreadable/app/manifests/${tag}` ? notFound : undefined);
    let second: Awaited<ReturnType<typeof pushArtifact>>;
    try {
      second = await pushArtifact(repo, bundleArtifact(subject, 2), { settle: false });
    } finally {
      front.intercept = undefined;
    }
    assert.deepEqual((await repo.listReferrers(subject.digest)).descriptors.map((d) => d.digest), [first.digest, second.digest]);

    const before = (await direct('unreadable/app').resolve(tag))!.digest;
    front.intercept = (req) => (req.method === 'GET' && (req.path.endsWith(`/manifests/${tag}`) || req.path.endsWith(`/manifests/${before}`)) ? notFound : undefined);
    try {
      await assert.rejects(pushArtifact(repo, bundleArtifact(subject, 3), { settle: false }), (err: Error) =>
        isOcisignError(err, 'IO') && /updating the referrers index .*the tag exists \(HEAD answers sha256:[a-f0-9]{64}\) but reading it answers "not found"/.test(err.message));
    } finally {
      front.intercept = undefined;
    }
    assert.equal((await direct('unreadable/app').resolve(tag))!.digest, before, 'the index was not rewritten');
    assert.deepEqual((await repo.listReferrers(subject.digest)).descriptors.map((d) => d.digest), [first.digest, second.digest]);
  });

  it('a failing index write leaves the previous index as it was', async () => {
    const repo = proxied('failwrite/app');
    const subject = await subjectIn(repo);
    const first = await pushArtifact(repo, bundleArtifact(subject, 1), { settle: false });
    const before = (await direct('failwrite/app').resolve(referrersTag(subject.digest)))!.digest;
    front.intercept = (req) => (req.method === 'PUT' && req.path.includes('/manifests/sha256-') ? { status: 400, body: '{"errors":[{"code":"MANIFEST_INVALID","message":"nope"}]}' } : undefined);
    try {
      await assert.rejects(pushArtifact(repo, bundleArtifact(subject, 2), { settle: false }), (err: Error) => isOcisignError(err, 'IO') && /updating the referrers index .*MANIFEST_INVALID/.test(err.message));
    } finally {
      front.intercept = undefined;
    }
    assert.equal((await direct('failwrite/app').resolve(referrersTag(subject.digest)))!.digest, before);
    assert.deepEqual((await repo.listReferrers(subject.digest)).descriptors.map((d) => d.digest), [first.digest]);
  });
});
