// ocisign verifies what cosign 3.1.1 writes by default — Sigstore bundles v0.3 stored as OCI 1.1 referrers — on
// both registries (regsrv: the referrers API; docker-registry 2.8: the `sha256-<hex>` fallback index), key-based
// and keyless (@sigstore/mock), and refuses the tampered twins with the exit code the legacy path gives.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseReference, type RegistryReference } from '../../src/oci/reference.ts';
import { createRegistryRepository } from '../../src/oci/registry/registry-repository.ts';
import { pushArtifact } from '../../src/oci/referrers/artifact-manifest.ts';
import {
  cosign3AttestKey, cosign3AttestKeyless, cosign3GenerateKeyPair, cosign3SignKey, cosign3SignKeyLegacy, cosign3SignKeyless, ok, type Cosign3Key,
} from '../helpers/cosign3.ts';
import { startFaultProxy } from '../helpers/fault-proxy.ts';
import { orasAttach, runOcisign, type RunResult } from '../helpers/peers.ts';
import { fallbackIndex, listReferrers, readBlob, readManifest } from '../helpers/referrers-registry.ts';
import { MOCK_ISSUER, MOCK_SUBJECT, startSigstoreMock } from '../helpers/sigstore-mock.ts';
import { peersEnv, type RegistryKind, type SampleImage } from '../peers/context.ts';

const BUNDLE_V03 = 'application/vnd.dev.sigstore.bundle.v0.3+json';
const SIGN_PREDICATE = 'https://sigstore.dev/cosign/sign/v1';
const suite = peersEnv('verify-bundles');

let keyPair: Promise<Cosign3Key> | undefined;
let otherPair: Promise<Cosign3Key> | undefined;
const key = () => (keyPair ??= cosign3GenerateKeyPair());
const otherKey = () => (otherPair ??= cosign3GenerateKeyPair('other'));

const IDENTITY = ['--certificate-identity', MOCK_SUBJECT, '--certificate-oidc-issuer', MOCK_ISSUER];

async function bom(dir: string, components: unknown[] = []): Promise<string> {
  const path = join(dir, `bom-${Math.random().toString(16).slice(2)}.json`);
  await writeFile(path, JSON.stringify({ bomFormat: 'CycloneDX', specVersion: '1.6', version: 1, components }));
  return path;
}

const verifyKey = (ref: string, pub: string, extra: string[] = []) => runOcisign(['verify', '--key', pub, '--insecure-ignore-tlog', ...extra, ref]);
const verifyAtt = (ref: string, pub: string, type: string, extra: string[] = []) =>
  runOcisign(['verify-attestation', '--key', pub, '--insecure-ignore-tlog', '--type', type, ...extra, ref]);

function sources(r: RunResult): { kind: string; via?: string; tag?: string }[] {
  return (JSON.parse(r.stdout) as { source: { kind: string; via?: string; tag?: string } }[]).map((e) => e.source);
}

/** The referrer manifests of an image, as the registry lists them (API or fallback index). */
async function referrerDigests(image: SampleImage, kind: RegistryKind): Promise<string[]> {
  const index = kind === 'referrers' ? await listReferrers(image.url, image.repo, image.digest) : await fallbackIndex(image.url, image.repo, image.digest);
  return (index?.manifests ?? []).map((m) => m.digest);
}

/** The bundle JSON of a referrer manifest. */
async function bundleOf(image: SampleImage, manifestDigest: string): Promise<Record<string, any>> {
  const m = (await readManifest(image.url, image.repo, manifestDigest))!.json as { layers: { digest: string }[] };
  return JSON.parse((await readBlob(image.url, image.repo, m.layers[0]!.digest)).toString('utf8'));
}

/** Push bundle JSON as a referrer of `image` through ocisign's storage (the registry's native form). */
async function pushBundle(image: SampleImage, bundle: unknown): Promise<void> {
  const ref = parseReference(`${image.host}/${image.repo}`) as RegistryReference;
  const repo = createRegistryRepository(ref, {});
  const subject = await repo.resolve(image.digest);
  assert.ok(subject);
  await pushArtifact(repo, {
    artifactType: BUNDLE_V03,
    layers: [{ mediaType: BUNDLE_V03, bytes: new TextEncoder().encode(JSON.stringify(bundle)) }],
    subject,
    annotations: { 'dev.sigstore.bundle.content': 'dsse-envelope' },
  });
}

function flipByte(b64: string): string {
  const bytes = Buffer.from(b64, 'base64');
  bytes[bytes.length - 5] ^= 0x01;
  return bytes.toString('base64');
}

for (const kind of ['referrers', 'fallback'] as const) {
  const where = kind === 'referrers' ? 'the referrers API' : 'the sha256-<hex> fallback index';
  const via = kind === 'referrers' ? 'referrers-api' : 'fallback-tag';

  test(`cosign 3 key-signed bundle via ${where}: verify passes with the key, 12 with another key, 12 without a log entry`, async (t) => {
    const e = suite.need(t);
    if (!e) return;
    const img = await suite.image(e, kind, 'key');
    await ok(cosign3SignKey(img.ref, await key()), 'cosign3 sign --key');
    const r = await verifyKey(img.ref, (await key()).pub);
    assert.equal(r.code, 0, r.stderr);
    const [claims] = JSON.parse(r.stdout) as { critical: { type: string; image: { 'docker-manifest-digest': string } } }[];
    assert.equal(claims!.critical.type, SIGN_PREDICATE);
    assert.equal(claims!.critical.image['docker-manifest-digest'], img.digest);
    assert.deepEqual(sources(r).map((s) => [s.kind, s.via]), [['referrer', via]]);
    const downloaded = await runOcisign(['download', 'signature', img.ref]);
    assert.equal(downloaded.code, 0, downloaded.stderr);
    assert.equal(JSON.parse(downloaded.stdout.trim()).verificationMaterial.publicKey.hint.length > 0, true, 'the bundle as stored');
    const wrong = await verifyKey(img.ref, (await otherKey()).pub);
    assert.equal(wrong.code, 12, wrong.stderr);
    assert.match(wrong.stderr, /referrer sha256:[0-9a-f]{64} \((referrers API|referrers tag)\): signature does not verify with the public key/);
    const noTlog = await runOcisign(['verify', '--key', (await key()).pub, img.ref]);
    assert.equal(noTlog.code, 12, noTlog.stderr);
    assert.match(noTlog.stderr, /no transparency log entry; pass --insecure-ignore-tlog/);
  });

  test(`cosign 3 attestation via ${where}: verify-attestation --type finds it; verify (signatures only) exits 10`, async (t) => {
    const e = suite.need(t);
    if (!e) return;
    const img = await suite.image(e, kind, 'att');
    await ok(cosign3AttestKey(img.ref, await key(), { predicate: await bom(e.scratch), type: 'cyclonedx' }), 'cosign3 attest --key');
    const att = await verifyAtt(img.ref, (await key()).pub, 'cyclonedx', ['--output', 'json']);
    assert.equal(att.code, 0, att.stderr);
    const statement = (JSON.parse(att.stdout) as { statements: { predicateType: string; subject: { digest: { sha256: string } }[] }[] }).statements[0]!;
    assert.equal(statement.predicateType, 'https://cyclonedx.org/bom');
    assert.equal(`sha256:${statement.subject[0]!.digest.sha256}`, img.digest);
    // download prints the bundle (unverified) as cosign would print what it stores
    const downloaded = await runOcisign(['download', 'attestation', img.ref]);
    assert.equal(downloaded.code, 0, downloaded.stderr);
    const line = JSON.parse(downloaded.stdout.trim()) as { mediaType: string; dsseEnvelope: { payload: string } };
    assert.equal(line.mediaType, BUNDLE_V03);
    assert.equal(JSON.parse(Buffer.from(line.dsseEnvelope.payload, 'base64').toString('utf8')).predicateType, 'https://cyclonedx.org/bom');
    assert.equal((await runOcisign(['download', 'attestation', '--predicate-type', 'slsaprovenance1', img.ref])).code, 12);
    assert.equal((await runOcisign(['download', 'signature', img.ref])).code, 10, 'the attestation is not a signature');
    const otherType = await verifyAtt(img.ref, (await key()).pub, 'slsaprovenance1');
    assert.equal(otherType.code, 12, otherType.stderr);
    assert.match(otherType.stderr, /none of the attestations matched the predicate type: slsaprovenance1, found: https:\/\/cyclonedx\.org\/bom/);
    // cosign 3.1.1 passes `verify` here (it takes any verified bundle for a signature); ocisign does not
    const sig = await verifyKey(img.ref, (await key()).pub);
    assert.equal(sig.code, 10, sig.stderr);
    assert.match(sig.stderr, /no signatures found .*; 1 attestation found, which is not a signature/);
  });

  test(`cosign 3 keyless bundles via ${where}: identity checks, another root, and the attestation`, async (t) => {
    const e = suite.need(t);
    if (!e) return;
    const img = await suite.image(e, kind, 'keyless');
    await ok(cosign3SignKeyless(img.ref, e.mock), 'cosign3 sign (keyless)');
    await ok(cosign3AttestKeyless(img.ref, e.mock, { predicate: await bom(e.scratch), type: 'cyclonedx' }), 'cosign3 attest (keyless)');
    const root = ['--trusted-root', e.mock.trustedRootPath];
    const r = await runOcisign(['verify', ...root, ...IDENTITY, img.ref]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout)[0].optional.Subject, MOCK_SUBJECT);
    const regexp = await runOcisign(['verify', ...root, '--certificate-identity-regexp', 'https://github\\.com/acme/.*', '--certificate-oidc-issuer', MOCK_ISSUER, '--certificate-github-workflow-repository', 'acme/app', img.ref]);
    assert.equal(regexp.code, 0, regexp.stderr);
    const wrongId = await runOcisign(['verify', ...root, '--certificate-identity', 'https://github.com/evil/app/.github/workflows/x.yml@refs/heads/main', '--certificate-oidc-issuer', MOCK_ISSUER, img.ref]);
    assert.equal(wrongId.code, 12, wrongId.stderr);
    assert.match(wrongId.stderr, /certificate identity .* does not match "https:\/\/github\.com\/evil/);
    const other = await startSigstoreMock();
    t.after(() => other.stop());
    const otherRoot = await runOcisign(['verify', '--trusted-root', other.trustedRootPath, ...IDENTITY, img.ref]);
    assert.equal(otherRoot.code, 12, otherRoot.stderr);
    const keyOnly = await runOcisign(['verify', ...root, '--key', (await key()).pub, img.ref]);
    assert.equal(keyOnly.code, 12, keyOnly.stderr);
    assert.match(keyOnly.stderr, /certificate on the signature does not hold the given key/);
    const att = await runOcisign(['verify-attestation', ...root, ...IDENTITY, '--type', 'cyclonedx', img.ref]);
    assert.equal(att.code, 0, att.stderr);
  });

  test(`tampered bundles via ${where}: moved to another image, signature byte flipped, predicate type changed (exit 12)`, async (t) => {
    const e = suite.need(t);
    if (!e) return;
    const pub = (await key()).pub;
    const a = await suite.image(e, kind, 'tamper-a');
    await ok(cosign3SignKey(a.ref, await key()), 'cosign3 sign --key');
    await ok(cosign3AttestKey(a.ref, await key(), { predicate: await bom(e.scratch), type: 'cyclonedx' }), 'cosign3 attest --key');
    const bundles = await Promise.all((await referrerDigests(a, kind)).map((d) => bundleOf(a, d)));
    const statementOf = (b: Record<string, any>) => JSON.parse(Buffer.from(b.dsseEnvelope.payload, 'base64').toString('utf8'));
    const signature = bundles.find((b) => statementOf(b).predicateType === SIGN_PREDICATE)!;
    const attestation = bundles.find((b) => statementOf(b).predicateType !== SIGN_PREDICATE)!;
    assert.ok(signature && attestation);

    const moved = await suite.image(e, kind, 'tamper-moved');
    await pushBundle(moved, signature);
    const m = await verifyKey(moved.ref, pub);
    assert.equal(m.code, 12, m.stderr);
    assert.match(m.stderr, new RegExp(`statement subject names sha256:${a.digest.slice(7)}, not the image digest ${moved.digest}`));

    const flipped = await suite.image(e, kind, 'tamper-flipped');
    const flip = structuredClone(signature);
    flip.dsseEnvelope.signatures[0].sig = flipByte(flip.dsseEnvelope.signatures[0].sig);
    await pushBundle(flipped, flip);
    const f = await verifyKey(flipped.ref, pub);
    assert.equal(f.code, 12, f.stderr);
    assert.match(f.stderr, /signature does not verify with the public key/);

    // the attestation's statement turned into a signature statement for this image: the signature no longer holds
    const retyped = await suite.image(e, kind, 'tamper-retyped');
    const forged = structuredClone(attestation);
    const st = statementOf(forged);
    st.predicateType = SIGN_PREDICATE;
    st.subject[0].digest.sha256 = retyped.digest.slice(7);
    forged.dsseEnvelope.payload = Buffer.from(JSON.stringify(st)).toString('base64');
    await pushBundle(retyped, forged);
    const p = await verifyKey(retyped.ref, pub);
    assert.equal(p.code, 12, p.stderr);
    assert.match(p.stderr, /signature does not verify with the public key/);
  });

  test(`a failing referrers listing via ${where} is exit 4, never "no signatures"; a non-Sigstore referrer is ignored`, async (t) => {
    const e = suite.need(t);
    if (!e) return;
    const img = await suite.image(e, kind, 'faults');
    await ok(cosign3SignKey(img.ref, await key()), 'cosign3 sign --key');
    const sbom = join(e.scratch, 'sbom.spdx.json');
    await writeFile(sbom, JSON.stringify({ spdxVersion: 'SPDX-2.3', name: 'x' }));
    await orasAttach(img.ref, sbom, { artifactType: 'application/spdx+json' });
    assert.equal((await referrerDigests(img, kind)).length, 2, 'the bundle and the SBOM are both listed');
    const r = await verifyKey(img.ref, (await key()).pub);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(sources(r).length, 1, 'the SBOM is not a signature');

    const proxy = await startFaultProxy({ upstream: img.url });
    t.after(() => proxy.stop());
    const listing = kind === 'referrers' ? /^GET .*\/referrers\// : /^GET .*\/manifests\/sha256-[0-9a-f]{64}$/;
    proxy.failNext({ status: 500, count: 1000, match: listing });
    const failed = await verifyKey(`${proxy.host}/${img.repo}@${img.digest}`, (await key()).pub);
    assert.equal(failed.code, 4, failed.stderr);
    const errors = failed.stderr.trim().split('\n').filter((l) => !l.startsWith('WARNING:'));
    assert.equal(errors.length, 1, `one line: ${failed.stderr}`);
    const what = kind === 'referrers' ? /^ocisign: listing referrers of [^:]+:\d+\/\S+@sha256:[0-9a-f]{64}: 500 / : /^ocisign: getting referrers index [^:]+:\d+\/\S+:sha256-[0-9a-f]{64}: 500 /;
    assert.match(errors[0]!, what);
  });

  test(`mixed via ${where}: a legacy .sig and a bundle both count; --output json names each source`, async (t) => {
    const e = suite.need(t);
    if (!e) return;
    const img = await suite.image(e, kind, 'mixed');
    await ok(cosign3SignKeyLegacy(img.ref, await key()), 'cosign3 sign --new-bundle-format=false');
    await ok(cosign3SignKey(img.ref, await otherKey()), 'cosign3 sign --key');
    // cosign 3 reads only the bundle here and ignores the .sig; ocisign checks both
    const both = await runOcisign(['verify', '--key', (await key()).pub, '--key', (await otherKey()).pub, '--insecure-ignore-tlog', img.ref]);
    assert.equal(both.code, 0, both.stderr);
    assert.deepEqual(sources(both).map((s) => s.kind).sort(), ['referrer', 'tag']);
    const legacyOnly = await verifyKey(img.ref, (await key()).pub);
    assert.equal(legacyOnly.code, 0, legacyOnly.stderr);
    assert.deepEqual(sources(legacyOnly).map((s) => s.kind), ['tag']);
  });

  test(`COSIGN_REPOSITORY via ${where}: bundles stored in another repository are found there only`, async (t) => {
    const e = suite.need(t);
    if (!e) return;
    const img = await suite.image(e, kind, 'elsewhere');
    const store = `${img.host}/${img.repo}-signatures`;
    await ok(cosign3SignKey(img.ref, await key(), { env: { COSIGN_REPOSITORY: store } }), 'cosign3 sign --key (COSIGN_REPOSITORY)');
    const here = await verifyKey(img.ref, (await key()).pub);
    assert.equal(here.code, 10, here.stderr);
    const there = await runOcisign(['verify', '--key', (await key()).pub, '--insecure-ignore-tlog', img.ref], { env: { COSIGN_REPOSITORY: store } });
    assert.equal(there.code, 0, there.stderr);
    assert.equal(sources(there)[0]!.kind, 'referrer');
  });

  test(`a policy file applies unchanged to cosign 3 bundles via ${where}`, async (t) => {
    const e = suite.need(t);
    if (!e) return;
    const img = await suite.image(e, kind, 'policy');
    await ok(cosign3SignKey(img.ref, await key()), 'cosign3 sign --key');
    await ok(cosign3AttestKey(img.ref, await key(), { predicate: await bom(e.scratch, [{ type: 'library', name: 'x', licenses: [{ license: { id: 'AGPL-3.0' } }] }]), type: 'cyclonedx' }), 'cosign3 attest');
    const policy = async (condition: string) => {
      const file = join(e.scratch, `policy-${Math.random().toString(16).slice(2)}.yaml`);
      await writeFile(file, `keys: [${(await key()).pub}]\nattestations:\n  - type: cyclonedx\n    name: sbom\n    conditions:\n      licences: "${condition}"\n`);
      return file;
    };
    const pass = await runOcisign(['verify', '--policy', await policy('predicate.components.size() == 1'), '--insecure-ignore-tlog', img.ref]);
    assert.equal(pass.code, 0, pass.stderr);
    const agpl = "predicate.components.all(c, !has(c.licenses) || c.licenses.all(l, l.license.id != 'AGPL-3.0'))";
    const violated = await runOcisign(['verify', '--policy', await policy(agpl), '--insecure-ignore-tlog', img.ref]);
    assert.equal(violated.code, 14, violated.stderr);
    assert.match(violated.stderr, /policy violated: .*licences/);
  });
}
