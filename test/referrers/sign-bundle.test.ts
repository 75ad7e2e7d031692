// sign / attest / release write cosign 3's bundle referrers (key, key + Rekor/TSA, keyless with @sigstore/mock),
// on layouts and on the real docker-registry 2.8; --new-bundle-format=false and --with-legacy-tags.
import assert from 'node:assert/strict';
import { createPublicKey } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { readAttachments } from '../../src/cosign/attachments.ts';
import { sha256Digest } from '../../src/oci/digest.ts';
import { buildImage, sampleLayers } from '../../src/oci/image-builder.ts';
import { createLayoutRepository } from '../../src/oci/layout/layout-repository.ts';
import { referrersTag } from '../../src/oci/referrers/referrers-tag.ts';
import { pushTestImage, runCli, writeTestKeyPair } from '../cosign/test-image.ts';
import { keylessEnv } from '../helpers/keyless-env.ts';
import { checkBundle, readBundles } from './check-bundle.ts';

const BUNDLE = 'application/vnd.dev.sigstore.bundle.v0.3+json';
const HTTP = ['--allow-http-registry'];
const env = keylessEnv('bundles', { mock: { rekorDsse: 'canonical' as const } });

async function layoutSetup(t: { after(fn: () => Promise<void>): void }, realImage = false) {
  const dir = await mkdtemp(join(tmpdir(), 'ocisign-bundle-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const layout = join(dir, 'layout');
  const repo = createLayoutRepository({ kind: 'layout', path: layout });
  const digest = realImage ? (await buildImage(repo, { layers: sampleLayers('amd64') }, 'v1')).digest : await pushTestImage(repo, 'v1');
  const k = await writeTestKeyPair(join(dir, 'k'));
  const publicKey = createPublicKey(await readFile(k.pub, 'utf8'));
  return { dir, layout, repo, digest, k, publicKey };
}

test('sign --key writes one DSSE bundle v0.3 referrer shaped exactly as cosign 3 writes it (layout)', async (t) => {
  const { layout, repo, digest, k, publicKey } = await layoutSetup(t);
  const r = await runCli(['sign', '--key', k.key, '--tlog-upload=false', '-a', 'env=prod', '-a', 'team=x', `oci:${layout}@${digest}`], { SOURCE_DATE_EPOCH: '1700000000' });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /Pushing bundle to: oci:.*@sha256:[a-f0-9]{64} \(listed in the layout index\)/);
  const bundles = await readBundles(repo, digest);
  assert.equal(bundles.length, 1);
  const { manifest, bundle } = bundles[0]!;
  const subject = await repo.resolve(digest);
  assert.deepEqual(manifest, {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    artifactType: BUNDLE,
    config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a', size: 2 },
    layers: [{ mediaType: BUNDLE, digest: sha256Digest(bundle), size: bundle.byteLength }],
    subject: { mediaType: subject!.mediaType, digest, size: subject!.size },
    annotations: {
      'dev.sigstore.bundle.content': 'dsse-envelope',
      'dev.sigstore.bundle.predicateType': 'https://sigstore.dev/cosign/sign/v1',
      'org.opencontainers.image.created': '2023-11-14T22:13:20Z',
    },
  });
  const checked = checkBundle(bundle, digest, { publicKey });
  assert.deepEqual(checked.statement, {
    _type: 'https://in-toto.io/Statement/v1',
    // cosign 3's statement, with the signed identity (the layout's) as the subject's name
    subject: [{ name: 'oci:layout', digest: { sha256: digest.slice(7) }, annotations: { env: 'prod', team: 'x' } }],
    predicateType: 'https://sigstore.dev/cosign/sign/v1',
    predicate: {},
  });
  const material = checked.json.verificationMaterial as Record<string, unknown>;
  assert.deepEqual(Object.keys(material), ['publicKey'], 'no tlog entries, no timestamps');
  assert.deepEqual(((checked.json.dsseEnvelope as { signatures: object[] }).signatures[0]), { sig: (checked.json.dsseEnvelope as { signatures: Array<{ sig: string }> }).signatures[0]!.sig }, 'no keyid, as cosign');
  // no legacy tag
  assert.equal((await readAttachments(repo, digest, 'signature')).layers.length, 0);
  // a second signer adds a second bundle
  const k2 = await writeTestKeyPair(join(layout, '..', 'k2'));
  assert.equal((await runCli(['sign', '--key', k2.key, '--tlog-upload=false', `oci:${layout}@${digest}`])).code, 0);
  assert.equal((await readBundles(repo, digest)).length, 2);
});

test('--new-bundle-format=false writes only the legacy .sig; --with-legacy-tags writes both', async (t) => {
  const { layout, repo, digest, k, publicKey } = await layoutSetup(t);
  const legacy = await runCli(['sign', '--key', k.key, '--tlog-upload=false', '--new-bundle-format=false', `oci:${layout}@${digest}`]);
  assert.equal(legacy.code, 0, legacy.stderr);
  assert.match(legacy.stderr, /Pushing signature to: .*\.sig/);
  assert.equal((await readBundles(repo, digest)).length, 0);
  assert.equal((await readAttachments(repo, digest, 'signature')).layers.length, 1);
  const both = await runCli(['sign', '--key', k.key, '--tlog-upload=false', '--with-legacy-tags', '-a', 'b=1', `oci:${layout}@${digest}`]);
  assert.equal(both.code, 0, both.stderr);
  assert.equal((await readBundles(repo, digest)).length, 1);
  assert.equal((await readAttachments(repo, digest, 'signature')).layers.length, 2);
  checkBundle((await readBundles(repo, digest))[0]!.bundle, digest, { publicKey });
});

test('attest --key writes the predicate as a bundle referrer with its predicateType', async (t) => {
  const { dir, layout, repo, digest, k, publicKey } = await layoutSetup(t);
  const bom = join(dir, 'bom.json');
  await writeFile(bom, JSON.stringify({ bomFormat: 'CycloneDX', specVersion: '1.6', version: 1, components: [] }));
  const r = await runCli(['attest', '--key', k.key, '--tlog-upload=false', '--type', 'cyclonedx', '--predicate', bom, `oci:${layout}@${digest}`]);
  assert.equal(r.code, 0, r.stderr);
  const [found] = await readBundles(repo, digest);
  assert.equal(found!.manifest.annotations['dev.sigstore.bundle.predicateType'], 'https://cyclonedx.org/bom');
  const checked = checkBundle(found!.bundle, digest, { publicKey });
  assert.equal(checked.statement.predicateType, 'https://cyclonedx.org/bom');
  assert.deepEqual(checked.statement.predicate, { bomFormat: 'CycloneDX', specVersion: '1.6', version: 1, components: [] });
});

test('a signing config with no services signs with a key and no transparency log (cosign 3\'s way)', async (t) => {
  const { dir, layout, repo, digest, k, publicKey } = await layoutSetup(t);
  const config = join(dir, 'signing-config.json');
  await writeFile(config, JSON.stringify({ mediaType: 'application/vnd.dev.sigstore.signingconfig.v0.2+json', caUrls: [], oidcUrls: [], rekorTlogUrls: [], tsaUrls: [], rekorTlogConfig: { selector: 'ANY' }, tsaConfig: { selector: 'ANY' } }));
  const r = await runCli(['sign', '--key', k.key, '--signing-config', config, `oci:${layout}@${digest}`]);
  assert.equal(r.code, 0, r.stderr);
  checkBundle((await readBundles(repo, digest))[0]!.bundle, digest, { publicKey });
  const bad = join(dir, 'bad.json');
  await writeFile(bad, JSON.stringify({ mediaType: 'application/vnd.dev.sigstore.signingconfig.v0.1+json' }));
  const refused = await runCli(['sign', '--key', k.key, '--signing-config', bad, `oci:${layout}@${digest}`]);
  assert.equal(refused.code, 3, refused.stderr);
  assert.match(refused.stderr, /signing config .*bad\.json: mediaType/);
});

test('registry (no referrers API): sign --key with Rekor and a TSA, and keyless sign + attest — bundles verify', async (t) => {
  const e = env.need(t);
  if (!e) return;
  const img = await env.image(e, 'keyed');
  const k = await writeTestKeyPair(join(e.dir, 'registry-key'));
  const publicKey = createPublicKey(await readFile(k.pub, 'utf8'));
  const keyed = await runCli(['sign', ...HTTP, '--key', k.key, '--rekor-url', e.mock.rekorUrl, '--timestamp-server-url', e.mock.tsaUrl, img.ref]);
  assert.equal(keyed.code, 0, keyed.stderr);
  assert.match(keyed.stderr, new RegExp(`listed in the fallback index ${referrersTag(img.digest)}`));
  const [one] = await readBundles(img.repo, img.digest);
  const checked = checkBundle(one!.bundle, img.digest, { publicKey, trustedRoot: e.mock.trustedRoot });
  const material = checked.json.verificationMaterial as { tlogEntries: Array<Record<string, unknown>>; timestampVerificationData: { rfc3161Timestamps: unknown[] } };
  assert.equal(material.tlogEntries.length, 1);
  assert.ok(material.tlogEntries[0]!.inclusionProof, 'the entry has an inclusion proof');
  assert.deepEqual(material.tlogEntries[0]!.kindVersion, { kind: 'dsse', version: '0.0.1' });
  assert.equal(material.timestampVerificationData.rfc3161Timestamps.length, 1);

  const kl = await env.image(e, 'keyless');
  const token = await e.mock.token();
  const signed = await runCli(['sign', ...HTTP, '--yes', '--fulcio-url', e.mock.fulcioUrl, '--rekor-url', e.mock.rekorUrl, '--timestamp-server-url', e.mock.tsaUrl, '--identity-token', token, kl.ref]);
  assert.equal(signed.code, 0, signed.stderr);
  const attested = await runCli(['attest', ...HTTP, '--yes', '--fulcio-url', e.mock.fulcioUrl, '--rekor-url', e.mock.rekorUrl, '--identity-token', token, '--type', 'cyclonedx', '--predicate', e.bom, kl.ref]);
  assert.equal(attested.code, 0, attested.stderr);
  const bundles = await readBundles(kl.repo, kl.digest);
  assert.equal(bundles.length, 2);
  const types = [];
  for (const b of bundles) {
    const c = checkBundle(b.bundle, kl.digest, { trustedRoot: e.mock.trustedRoot });
    assert.ok((c.json.verificationMaterial as Record<string, unknown>).certificate, 'a single Fulcio certificate');
    types.push(c.statement.predicateType);
  }
  assert.deepEqual(types.sort(), ['https://cyclonedx.org/bom', 'https://sigstore.dev/cosign/sign/v1']);
});

test('release writes the signature and the SBOM attestation as bundles (and both formats with --with-legacy-tags)', async (t) => {
  const { layout, repo, digest, k } = await layoutSetup(t, true);
  const r = await runCli(['release', '--key', k.key, '--tlog-upload=false', '--with-legacy-tags', `oci:${layout}@${digest}`]);
  assert.equal(r.code, 0, r.stderr);
  const bundles = await readBundles(repo, digest);
  assert.deepEqual(bundles.map((b) => b.manifest.annotations['dev.sigstore.bundle.predicateType']).sort(), ['https://cyclonedx.org/bom', 'https://sigstore.dev/cosign/sign/v1']);
  assert.equal((await readAttachments(repo, digest, 'signature')).layers.length, 1);
  assert.equal((await readAttachments(repo, digest, 'attestation')).layers.length, 1);
});
