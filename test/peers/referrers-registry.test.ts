// The referrers registry itself (regsrv: go-containerregistry's pkg/registry with the referrers API, plus the
// spec listing layer in scripts/regsrv/main.go), driven over plain HTTP so it needs no peer: what tests may rely
// on in each listing mode.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, test, type TestContext } from 'node:test';
import {
  listReferrers, referrersRegistryAvailable, registryGet, startReferrersRegistry, type ReferrersRegistry,
} from '../helpers/referrers-registry.ts';

const MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const INDEX = 'application/vnd.oci.image.index.v1+json';
const EMPTY = 'application/vnd.oci.empty.v1+json';
const sha256 = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

let spec: ReferrersRegistry | undefined;
let ggcr: ReferrersRegistry | undefined;
const why = referrersRegistryAvailable();

before(async () => {
  if (why) return;
  spec = await startReferrersRegistry();
  ggcr = await startReferrersRegistry({ listing: 'ggcr' });
});
after(async () => {
  await spec?.stop();
  await ggcr?.stop();
});

function need(t: TestContext, registry: ReferrersRegistry | undefined): ReferrersRegistry | undefined {
  if (registry) return registry;
  t.skip(why ?? 'regsrv not started');
  return undefined;
}

async function putBlob(url: string, repo: string, bytes: Buffer): Promise<{ digest: string; size: number }> {
  const digest = sha256(bytes);
  const start = await fetch(`${url}/v2/${repo}/blobs/uploads/`, { method: 'POST', signal: AbortSignal.timeout(10_000) });
  assert.equal(start.status, 202);
  const location = new URL(start.headers.get('location')!, url);
  location.searchParams.set('digest', digest);
  const put = await fetch(location, { method: 'PUT', body: new Uint8Array(bytes), headers: { 'content-type': 'application/octet-stream' }, signal: AbortSignal.timeout(10_000) });
  assert.equal(put.status, 201);
  return { digest, size: bytes.length };
}

async function putManifest(url: string, repo: string, doc: object, tag?: string): Promise<{ digest: string; size: number; headers: Headers }> {
  const bytes = Buffer.from(JSON.stringify(doc));
  const digest = sha256(bytes);
  const res = await fetch(`${url}/v2/${repo}/manifests/${tag ?? digest}`, {
    method: 'PUT', body: new Uint8Array(bytes), headers: { 'content-type': MANIFEST }, signal: AbortSignal.timeout(10_000),
  });
  assert.equal(res.status, 201, await res.text());
  return { digest, size: bytes.length, headers: res.headers };
}

/** An image, an artifact with artifactType and annotations, and one typed only by its config. */
async function imageWithTwoReferrers(url: string, repo: string) {
  const config = await putBlob(url, repo, Buffer.from('{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}'));
  const image = await putManifest(url, repo, { schemaVersion: 2, mediaType: MANIFEST, config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config }, layers: [] }, 'v1');
  const subject = { mediaType: MANIFEST, digest: image.digest, size: image.size };
  const empty = { mediaType: EMPTY, ...(await putBlob(url, repo, Buffer.from('{}'))) };
  const sbom = { mediaType: 'application/spdx+json', ...(await putBlob(url, repo, Buffer.from('{"spdxVersion":"SPDX-2.3"}'))) };
  const typed = await putManifest(url, repo, {
    schemaVersion: 2, mediaType: MANIFEST, artifactType: 'application/spdx+json', config: empty, layers: [sbom], subject, annotations: { 'org.example.kind': 'sbom' },
  });
  const configTyped = await putManifest(url, repo, {
    schemaVersion: 2, mediaType: MANIFEST, config: { ...empty, mediaType: 'application/vnd.example.config+json' }, layers: [sbom], subject,
  });
  return { image, typed, configTyped };
}

test('spec listing: artifactType from the manifest (else its config), annotations copied, filter, sorted, OCI-Subject', async (t) => {
  const r = need(t, spec);
  if (!r) return;
  const { image, typed, configTyped } = await imageWithTwoReferrers(r.url, 'spec/app');
  assert.equal(typed.headers.get('oci-subject'), image.digest);

  const listing = await registryGet(r.url, `spec/app/referrers/${image.digest}`, INDEX);
  assert.equal(listing.status, 200);
  assert.equal(listing.contentType, INDEX);
  const all = JSON.parse(listing.bytes.toString('utf8')) as { manifests: { digest: string; artifactType: string; annotations?: object }[] };
  assert.deepEqual(all.manifests.map((d) => d.digest), [typed.digest, configTyped.digest].sort());
  const byDigest = new Map(all.manifests.map((d) => [d.digest, d]));
  assert.equal(byDigest.get(typed.digest)!.artifactType, 'application/spdx+json');
  assert.deepEqual(byDigest.get(typed.digest)!.annotations, { 'org.example.kind': 'sbom' });
  assert.equal(byDigest.get(configTyped.digest)!.artifactType, 'application/vnd.example.config+json');

  const filtered = await registryGet(r.url, `spec/app/referrers/${image.digest}?artifactType=${encodeURIComponent('application/spdx+json')}`, INDEX);
  assert.equal(filtered.headers.get('oci-filters-applied'), 'artifactType');
  assert.deepEqual(JSON.parse(filtered.bytes.toString('utf8')).manifests.map((d: { digest: string }) => d.digest), [typed.digest]);
  const none = await registryGet(r.url, `spec/app/referrers/${image.digest}?artifactType=x`, INDEX);
  assert.deepEqual(JSON.parse(none.bytes.toString('utf8')).manifests, []);
  const unfiltered = await registryGet(r.url, `spec/app/referrers/${image.digest}`, INDEX);
  assert.equal(unfiltered.headers.get('oci-filters-applied'), null);

  assert.deepEqual((await listReferrers(r.url, 'spec/app', typed.digest))!.manifests, [], 'no referrers: 200 with an empty index');
  assert.equal((await registryGet(r.url, `spec/nothing/referrers/${image.digest}`, INDEX)).status, 404, 'an unknown repository is 404 NAME_UNKNOWN');
});

test("ggcr listing: pkg/registry's own answer (artifactType = config mediaType, no annotations, no OCI-Subject)", async (t) => {
  const r = need(t, ggcr);
  if (!r) return;
  const { image, typed, configTyped } = await imageWithTwoReferrers(r.url, 'ggcr/app');
  assert.equal(typed.headers.get('oci-subject'), null);
  const listing = (await listReferrers(r.url, 'ggcr/app', image.digest))!;
  const byDigest = new Map(listing.manifests.map((d) => [d.digest, d]));
  assert.equal(byDigest.size, 2);
  assert.deepEqual([byDigest.get(typed.digest)!.artifactType, byDigest.get(typed.digest)!.annotations], [EMPTY, undefined]);
  assert.equal(byDigest.get(configTyped.digest)!.artifactType, 'application/vnd.example.config+json');
});
