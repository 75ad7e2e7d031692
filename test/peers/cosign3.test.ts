// Smoke tests of cosign 3.1.1 itself, so interop tests can rely on the helpers: it signs and attests (key-based
// and keyless through @sigstore/mock) as Sigstore bundles v0.3 stored as OCI referrers, on a registry with the
// referrers API (regsrv) and on one without (docker-registry 2.8: the `sha256-<hex>` fallback index), and
// verifies its own output both ways.
import assert from 'node:assert/strict';
import { createHash, createPublicKey } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  cosign3AttestKey, cosign3AttestKeyless, cosign3GenerateKeyPair, cosign3SignKey, cosign3SignKeyLegacy, cosign3SignKeyless, cosign3VerifyAttestationKey,
  cosign3VerifyAttestationKeyless, cosign3VerifyKey, cosign3VerifyKeyless, ok, type Cosign3Key,
} from '../helpers/cosign3.ts';
import { describeRun, peersMissing, peerVersion, runCosign3 } from '../helpers/peers.ts';
import { fallbackIndex, listReferrers, readBlob, readManifest, type IndexDescriptor } from '../helpers/referrers-registry.ts';
import { MOCK_ISSUER, MOCK_SUBJECT } from '../helpers/sigstore-mock.ts';
import { peersEnv, type RegistryKind, type SampleImage } from './context.ts';

const BUNDLE_V03 = 'application/vnd.dev.sigstore.bundle.v0.3+json';
const EMPTY = 'application/vnd.oci.empty.v1+json';
const SIGN_PREDICATE = 'https://sigstore.dev/cosign/sign/v1';
const suite = peersEnv('cosign3');

let keyPair: Promise<Cosign3Key> | undefined;
let otherPair: Promise<Cosign3Key> | undefined;
const key = () => (keyPair ??= cosign3GenerateKeyPair());
const otherKey = () => (otherPair ??= cosign3GenerateKeyPair('other'));

async function bom(dir: string): Promise<string> {
  const path = join(dir, 'bom.json');
  await writeFile(path, JSON.stringify({ bomFormat: 'CycloneDX', specVersion: '1.6', version: 1, components: [] }));
  return path;
}

/** The referrer descriptors of an image: the API listing on regsrv, the fallback index on docker-registry. */
async function referrersOf(image: SampleImage, kind: RegistryKind): Promise<IndexDescriptor[]> {
  if (kind === 'referrers') {
    assert.equal(await fallbackIndex(image.url, image.repo, image.digest), undefined, 'no fallback tag where the API exists');
    return (await listReferrers(image.url, image.repo, image.digest))?.manifests ?? [];
  }
  assert.equal(await listReferrers(image.url, image.repo, image.digest), undefined, 'docker-registry has no referrers API');
  return (await fallbackIndex(image.url, image.repo, image.digest))?.manifests ?? [];
}

interface Bundle {
  mediaType: string;
  verificationMaterial: Record<string, unknown> & { publicKey?: { hint: string }; certificate?: { rawBytes: string }; tlogEntries?: { kindVersion: unknown }[] };
  dsseEnvelope: { payload: string; payloadType: string; signatures: { sig: string }[] };
}

/** Each referrer's manifest checked for cosign 3's shape; returns the bundles keyed by predicate type. */
async function bundlesOf(image: SampleImage, descriptors: IndexDescriptor[]): Promise<Map<string, Bundle>> {
  const bundles = new Map<string, Bundle>();
  for (const d of descriptors) {
    const manifest = (await readManifest(image.url, image.repo, d.digest))!.json as {
      artifactType: string; config: { mediaType: string; size: number }; layers: { mediaType: string; digest: string }[];
      subject: { digest: string }; annotations: Record<string, string>;
    };
    assert.equal(manifest.artifactType, BUNDLE_V03);
    assert.deepEqual([manifest.config.mediaType, manifest.config.size], [EMPTY, 2]);
    assert.equal(manifest.layers.length, 1);
    assert.equal(manifest.layers[0]!.mediaType, BUNDLE_V03);
    assert.equal(manifest.subject.digest, image.digest);
    assert.equal(manifest.annotations['dev.sigstore.bundle.content'], 'dsse-envelope');
    const bundle = JSON.parse((await readBlob(image.url, image.repo, manifest.layers[0]!.digest)).toString('utf8')) as Bundle;
    assert.equal(bundle.mediaType, BUNDLE_V03);
    assert.equal(bundle.dsseEnvelope.payloadType, 'application/vnd.in-toto+json');
    const statement = JSON.parse(Buffer.from(bundle.dsseEnvelope.payload, 'base64').toString('utf8')) as { predicateType: string; subject: { digest: { sha256: string } }[] };
    assert.equal(`sha256:${statement.subject[0]!.digest.sha256}`, image.digest);
    assert.equal(manifest.annotations['dev.sigstore.bundle.predicateType'], statement.predicateType);
    bundles.set(statement.predicateType, bundle);
  }
  return bundles;
}

function spkiHint(pubPem: string): string {
  return createHash('sha256').update(createPublicKey(pubPem).export({ type: 'spki', format: 'der' })).digest('base64');
}

for (const kind of ['referrers', 'fallback'] as const) {
  test(`cosign 3 signs and attests with a key on the ${kind === 'referrers' ? 'referrers-API registry' : 'registry without the referrers API'} and verifies both`, async (t) => {
    const e = suite.need(t);
    if (!e) return;
    const image = await suite.image(e, kind, 'key');
    const k = await key();
    await ok(cosign3SignKey(image.ref, k), 'cosign3 sign --key');
    await ok(cosign3AttestKey(image.ref, k, { predicate: await bom(e.scratch), type: 'cyclonedx' }), 'cosign3 attest --key');

    const descriptors = await referrersOf(image, kind);
    assert.equal(descriptors.length, 2, JSON.stringify(descriptors));
    if (kind === 'referrers') {
      // regsrv's listing as the spec says: the manifest's artifactType and annotations.
      for (const d of descriptors) assert.equal(d.artifactType, BUNDLE_V03);
      assert.deepEqual(descriptors.map((d) => d.annotations?.['dev.sigstore.bundle.predicateType']).sort(), ['https://cyclonedx.org/bom', SIGN_PREDICATE]);
    } else if (peerVersion('cosign3')?.startsWith('3.1.1-')) {
      // Debian's 3.1.1 (go-containerregistry 0.20.7) types fallback entries by the config, without annotations.
      for (const d of descriptors) assert.deepEqual([d.artifactType, d.annotations], [EMPTY, undefined]);
    }
    const bundles = await bundlesOf(image, descriptors);
    const signature = bundles.get(SIGN_PREDICATE)!;
    assert.deepEqual(Object.keys(signature.verificationMaterial), ['publicKey'], 'no tlog entry, no timestamp');
    assert.equal(signature.verificationMaterial.publicKey!.hint, spkiHint(await readFile(k.pub, 'utf8')));
    assert.ok(bundles.has('https://cyclonedx.org/bom'));

    const verified = await ok(cosign3VerifyKey(image.ref, k.pub), 'cosign3 verify --key');
    const payloads = JSON.parse(verified.stdout) as { critical: { type: string; image: { 'docker-manifest-digest': string } } }[];
    assert.ok(payloads.some((p) => p.critical.type === SIGN_PREDICATE && p.critical.image['docker-manifest-digest'] === image.digest), verified.stdout);
    await ok(cosign3VerifyAttestationKey(image.ref, k.pub, 'cyclonedx'), 'cosign3 verify-attestation --key');

    const wrongKey = await cosign3VerifyKey(image.ref, (await otherKey()).pub);
    assert.notEqual(wrongKey.code, 0, describeRun('cosign3 verify with another key', wrongKey));
    const wrongType = await cosign3VerifyAttestationKey(image.ref, k.pub, 'slsaprovenance');
    assert.match(wrongType.stderr, /none of the attestations matched the predicate type/, describeRun('cosign3 verify-attestation --type slsaprovenance', wrongType));
  });

  test(`cosign 3 signs and attests keyless through @sigstore/mock on the ${kind === 'referrers' ? 'referrers-API registry' : 'registry without the referrers API'} and verifies both`, async (t) => {
    const e = suite.need(t);
    if (!e) return;
    const image = await suite.image(e, kind, 'keyless');
    const before = { ...e.mock.hits };
    await ok(cosign3SignKeyless(image.ref, e.mock), 'cosign3 sign (keyless)');
    await ok(cosign3AttestKeyless(image.ref, e.mock, { predicate: await bom(e.scratch), type: 'cyclonedx' }), 'cosign3 attest (keyless)');
    for (const path of ['/api/v2/signingCert', '/api/v1/log/entries', '/api/v1/timestamp']) {
      assert.equal((e.mock.hits[path] ?? 0) - (before[path] ?? 0), 2, `${path} asked once per signature`);
    }

    const bundles = await bundlesOf(image, await referrersOf(image, kind));
    assert.equal(bundles.size, 2);
    for (const bundle of bundles.values()) {
      const material = bundle.verificationMaterial;
      assert.deepEqual(Object.keys(material).sort(), ['certificate', 'timestampVerificationData', 'tlogEntries']);
      assert.deepEqual(material.tlogEntries!.map((entry) => entry.kindVersion), [{ kind: 'dsse', version: '0.0.1' }]);
    }

    await ok(cosign3VerifyKeyless(image.ref, e.mock), 'cosign3 verify (keyless)');
    await ok(cosign3VerifyAttestationKeyless(image.ref, e.mock, 'cyclonedx'), 'cosign3 verify-attestation (keyless)');
    const stranger = await cosign3VerifyKeyless(image.ref, e.mock, { identity: `${MOCK_SUBJECT}-not` });
    assert.match(stranger.stderr, /expected SAN value/, describeRun('cosign3 verify with another identity', stranger));
  });
}

test('cosign 3 signs a multi-arch index as one referrer of the index (subject = the index)', async (t) => {
  const e = suite.need(t);
  if (!e) return;
  const image = await suite.image(e, 'referrers', 'index', ['linux/amd64', 'linux/arm64']);
  await ok(cosign3SignKey(image.ref, await key()), 'cosign3 sign --key (index)');
  const [descriptor, ...more] = (await listReferrers(image.url, image.repo, image.digest))!.manifests;
  assert.equal(more.length, 0);
  const manifest = (await readManifest(image.url, image.repo, descriptor!.digest))!.json as { subject: { mediaType: string; digest: string } };
  assert.deepEqual(manifest.subject.mediaType, 'application/vnd.oci.image.index.v1+json');
  for (const child of image.children) assert.deepEqual((await listReferrers(image.url, image.repo, child))!.manifests, [], 'children unsigned without -r');
  await ok(cosign3VerifyKey(image.ref, (await key()).pub), 'cosign3 verify --key (index)');
});

test('cosign 3 still writes and verifies a legacy .sig when asked (no bundle, no referrer)', async (t) => {
  const e = suite.need(t);
  if (!e) return;
  const image = await suite.image(e, 'referrers', 'legacy');
  await ok(cosign3SignKeyLegacy(image.ref, await key()), 'cosign3 sign --new-bundle-format=false');
  assert.deepEqual((await listReferrers(image.url, image.repo, image.digest))!.manifests, []);
  const sig = await readManifest(image.url, image.repo, `${image.digest.replace(':', '-')}.sig`);
  assert.ok(sig, 'the .sig tag exists');
  const layers = sig.json.layers as { mediaType: string }[];
  assert.deepEqual(layers.map((l) => l.mediaType), ['application/vnd.dev.cosign.simplesigning.v1+json']);
  await ok(cosign3VerifyKey(image.ref, (await key()).pub), 'cosign3 verify --key (legacy .sig, no bundle)');
});

test('the captured bundles (test/peers/captured, quoted in PEERS.md) still verify offline with cosign3 verify-blob-attestation', async (t) => {
  const why = peersMissing('cosign3');
  if (why) return t.skip(why);
  const dir = join(import.meta.dirname, 'captured');
  for (const [name, trust] of [
    ['cosign3-key-sign-bundle.json', ['--key', join(dir, 'key.pub'), '--insecure-ignore-tlog=true']],
    ['cosign3-keyless-sign-bundle.json', ['--trusted-root', join(dir, 'mock-trusted-root.json'), '--certificate-identity', MOCK_SUBJECT, '--certificate-oidc-issuer', MOCK_ISSUER]],
  ] as const) {
    const bundle = JSON.parse(await readFile(join(dir, name), 'utf8')) as Bundle;
    const statement = JSON.parse(Buffer.from(bundle.dsseEnvelope.payload, 'base64').toString('utf8')) as { subject: { digest: { sha256: string } }[] };
    const args = ['verify-blob-attestation', '--bundle', join(dir, name), ...trust, '--digest', statement.subject[0]!.digest.sha256, '--digestAlg', 'sha256', '--type', SIGN_PREDICATE];
    await ok(runCosign3(args), `cosign3 verify-blob-attestation ${name}`);
  }
});
