// Tampered twins and edge cases of the sigstore building blocks, on the real interop vectors.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { isOcisignError } from '../../src/core/errors.ts';
import { extractCertificateIdentity } from '../../src/sigstore/certificate-identity.ts';
import { verifyEmbeddedScts, verifyCertificateChain } from '../../src/sigstore/certificate.ts';
import { compileIdentityPolicy, matchIdentity } from '../../src/verify/identity.ts';
import { parseRekorBundle, verifyRekorBundle, verifyRekorSet } from '../../src/sigstore/rekor-bundle.ts';
import { fetchTrustedRootTuf, parseTrustedRoot, type TrustedRoot } from '../../src/sigstore/trusted-root.ts';
import { verifySignatureLayer } from '../../src/sigstore/verify-layer.ts';
import { ABSENT_REASON, fixture, INTEROP_PRESENT, readDirSignature, trustFor } from './interop.ts';

const PROD_ROOT = 'sigstore-js/packages/tuf/decoded/trusted_root.json';
const KEYLESS = 'containers-image/signature/fixtures/dir-img-cosign-fulcio-rekor-valid/signature-1';
const KEY_REKOR = 'containers-image/signature/fixtures/dir-img-cosign-key-rekor-valid/signature-1';
const BUNDLE = 'dev.sigstore.cosign/bundle';

function prodRoot(): TrustedRoot {
  return parseTrustedRoot(fixture(PROD_ROOT), PROD_ROOT);
}

const mitr = () => [compileIdentityPolicy({ subject: 'mitr@redhat.com', issuer: 'https://github.com/login/oauth' })];

test('trusted root: production root parses with Rekor log IDs and windows', (t) => {
  if (!INTEROP_PRESENT) return t.skip(ABSENT_REASON);
  const root = prodRoot();
  assert.equal(root.tlogs[0]!.logId.toString('hex'), 'c0d23d6ad406973f9559f3ba2d1ca01f84147d8ffc5b8445c224f98b9591801d');
  assert.equal(root.certificateAuthorities.length, 2);
  assert.equal(root.ctlogs.length, 2);
  assert.equal(root.timestampAuthorities.length, 1);
  assert.ok(root.proto, 'keeps the protobuf form for @sigstore/verify');
});

test('trusted root: wrong media type, bad JSON and a tlog without validFor.start are BAD_INPUT', (t) => {
  if (!INTEROP_PRESENT) return t.skip(ABSENT_REASON);
  const bad = (bytes: Buffer, re: RegExp) =>
    assert.throws(() => parseTrustedRoot(bytes, 'x.json'), (e) => isOcisignError(e, 'BAD_INPUT') && re.test(e.message));
  const json = JSON.parse(fixture(PROD_ROOT).toString('utf8'));
  bad(Buffer.from(JSON.stringify({ ...json, mediaType: 'nope' })), /unsupported media type "nope"/);
  bad(Buffer.from('{'), /reading trusted root x\.json/);
  const missing = 'sigstore-conformance/test/assets/bundle-verify/trust-root-tlog-missing-validity-start_fail/trusted_root.json';
  bad(fixture(missing), /validFor\.start is missing/);
});

test('trusted root: TUF without network fails with IO naming the mirror and --trusted-root', async () => {
  const cache = await mkdtemp(join(tmpdir(), 'ocisign-tuf-'));
  try {
    await assert.rejects(
      fetchTrustedRootTuf({ cachePath: cache, mirrorUrl: 'http://127.0.0.1:9', timeoutMs: 2000 }),
      (e) => isOcisignError(e, 'IO') && /http:\/\/127\.0\.0\.1:9/.test(e.message) && /--trusted-root/.test(e.message),
    );
  } finally {
    await rm(cache, { recursive: true, force: true });
  }
});

test('keyless layer: verified signer, identity and integratedTime', (t) => {
  if (!INTEROP_PRESENT) return t.skip(ABSENT_REASON);
  const r = verifySignatureLayer(readDirSignature(KEYLESS), prodRoot(), { identities: mitr() });
  assert.ok(r.ok, r.ok ? '' : r.reason);
  assert.equal(r.integratedTime?.toISOString(), '2023-01-20T20:51:33.000Z');
  assert.equal(r.logIndex, 11605770);
  assert.deepEqual(r.signer.identity?.sans.email, ['mitr@redhat.com']);
  assert.equal(r.signer.identity?.issuer, 'https://github.com/login/oauth');
});

test('keyless layer: no certificate gives code NO_CERTIFICATE (exit 13)', (t) => {
  if (!INTEROP_PRESENT) return t.skip(ABSENT_REASON);
  const layer = readDirSignature(KEYLESS);
  delete layer.annotations['dev.sigstore.cosign/certificate'];
  const r = verifySignatureLayer(layer, prodRoot(), { identities: mitr() });
  assert.deepEqual(r, { ok: false, code: 'NO_CERTIFICATE', reason: 'no certificate found on signature' });
});

test('SET moved: a changed integratedTime or logIndex no longer verifies', (t) => {
  if (!INTEROP_PRESENT) return t.skip(ABSENT_REASON);
  const text = readDirSignature(KEYLESS).annotations[BUNDLE]!;
  for (const field of ['integratedTime', 'logIndex'] as const) {
    const moved = JSON.parse(text);
    moved.Payload[field] += 1;
    const r = verifySignatureLayer({ ...readDirSignature(KEYLESS), annotations: { ...readDirSignature(KEYLESS).annotations, [BUNDLE]: JSON.stringify(moved) } }, prodRoot(), { identities: mitr() });
    assert.equal(r.ok, false);
    assert.match(r.ok ? '' : r.reason, /^SET does not verify with the Rekor key c0d23d6a/);
  }
});

test('Rekor: a log key outside its validity window at integratedTime is refused', (t) => {
  if (!INTEROP_PRESENT) return t.skip(ABSENT_REASON);
  const root = prodRoot();
  const bundle = parseRekorBundle(readDirSignature(KEYLESS).annotations[BUNDLE]!);
  assert.ok(bundle.ok);
  const late = root.tlogs.map((l) => ({ ...l, validFor: { start: new Date('2024-01-01T00:00:00Z') } }));
  const r = verifyRekorSet(bundle.value, late);
  assert.equal(r.ok ? '' : r.reason, 'Rekor log c0d23d6ad406973f9559f3ba2d1ca01f84147d8ffc5b8445c224f98b9591801d key is not valid at integratedTime 2023-01-20T20:51:33.000Z');
});

test('Rekor: entry for another payload or another key is refused with its own reason', (t) => {
  if (!INTEROP_PRESENT) return t.skip(ABSENT_REASON);
  const layer = readDirSignature(KEY_REKOR);
  const bundle = parseRekorBundle(layer.annotations[BUNDLE]!);
  assert.ok(bundle.ok);
  const key = trustFor({ rekorPublicKeys: ['containers-image/signature/fixtures/cosign2.pub'] }).tlogs[0]!.publicKey;
  const spki = key.export({ format: 'der', type: 'spki' });
  const tlogs = prodRoot().tlogs;
  const good = verifyRekorBundle(bundle.value, tlogs, { payload: layer.payload, signature: layer.signature, verifierDer: spki });
  assert.ok(good.ok, good.ok ? '' : good.reason);
  const otherPayload = verifyRekorBundle(bundle.value, tlogs, { payload: Buffer.from('x'), signature: layer.signature, verifierDer: spki });
  assert.match(otherPayload.ok ? '' : otherPayload.reason, /^rekor entry is for another payload/);
  const otherKey = verifyRekorBundle(bundle.value, tlogs, { payload: layer.payload, signature: layer.signature, verifierDer: Buffer.from('nope') });
  assert.equal(otherKey.ok ? '' : otherKey.reason, 'rekor entry is for another public key or certificate');
});

test('Rekor: malformed bundles are reasons, not exceptions', () => {
  assert.equal(parseRekorBundle('nope').ok, false);
  assert.deepEqual(parseRekorBundle('{"SignedEntryTimestamp":"AA==","Payload":{"body":"e30=","integratedTime":-1,"logIndex":1,"logID":"00"}}'), {
    ok: false,
    reason: 'rekor bundle Payload.integratedTime is not a non-negative integer',
  });
});

test('keyless with --insecure-ignore-tlog: no observed time, so the expired certificate fails at now', (t) => {
  if (!INTEROP_PRESENT) return t.skip(ABSENT_REASON);
  const r = verifySignatureLayer(readDirSignature(KEYLESS), prodRoot(), { identities: mitr(), ignoreTlog: true, now: new Date('2025-01-01T00:00:00Z') });
  assert.match(r.ok ? '' : r.reason, /is not valid at 2025-01-01T00:00:00\.000Z/);
});

test('SCT: verifies against the production CT logs, fails against other keys', (t) => {
  if (!INTEROP_PRESENT) return t.skip(ABSENT_REASON);
  const layer = readDirSignature(KEYLESS);
  const leaf = new X509Certificate(layer.annotations['dev.sigstore.cosign/certificate']!);
  const root = prodRoot();
  const path = verifyCertificateChain(leaf, [], root.certificateAuthorities, new Date('2023-01-20T20:51:33Z'));
  assert.ok(path.ok);
  assert.deepEqual(verifyEmbeddedScts(leaf, path.value[1]!, root.ctlogs), { ok: true, value: 1 });
  const wrong = verifyEmbeddedScts(leaf, path.value[1]!, root.tlogs);
  assert.match(wrong.ok ? '' : wrong.reason, /^no embedded SCT verifies with a trusted CT log/);
  const r = verifySignatureLayer(layer, { ...root, ctlogs: root.tlogs }, { identities: mitr() });
  assert.match(r.ok ? '' : r.reason, /^no embedded SCT verifies/);
});

test('key + certificate: the certificate must hold the given key', (t) => {
  if (!INTEROP_PRESENT) return t.skip(ABSENT_REASON);
  const key = trustFor({ rekorPublicKeys: ['containers-image/signature/fixtures/cosign2.pub'] }).tlogs[0]!.publicKey;
  const r = verifySignatureLayer(readDirSignature(KEYLESS), prodRoot(), { key });
  assert.equal(r.ok ? '' : r.reason, 'certificate on the signature does not hold the given key');
});

test('identity: regexps are anchored (unlike cosign), exact issuer, github workflow claims', (t) => {
  if (!INTEROP_PRESENT) return t.skip(ABSENT_REASON);
  const leaf = new X509Certificate(readDirSignature(KEYLESS).annotations['dev.sigstore.cosign/certificate']!);
  const id = extractCertificateIdentity(leaf);
  const m = (p: Parameters<typeof compileIdentityPolicy>[0]) => matchIdentity(id, [compileIdentityPolicy(p)]).ok;
  assert.equal(m({ subjectRegExp: 'mitr@redhat\\.com' }), true);
  assert.equal(m({ subjectRegExp: 'redhat\\.com' }), false, 'cosign would accept this unanchored substring');
  assert.equal(m({ subjectRegExp: '.*@redhat\\.com' }), true);
  assert.equal(m({ subject: 'mitr@redhat.com', issuerRegExp: 'https://github\\.com/.*' }), true);
  assert.equal(m({ subject: 'mitr@redhat.com', issuer: 'https://accounts.google.com' }), false);
  assert.equal(m({ subject: 'mitr@redhat.com', githubWorkflowRepository: 'a/b' }), false);
  assert.throws(() => compileIdentityPolicy({}), (e) => isOcisignError(e, 'USAGE'));
  assert.throws(() => compileIdentityPolicy({ subjectRegExp: '(' }), (e) => isOcisignError(e, 'USAGE'));
  assert.throws(() => compileIdentityPolicy({ subject: 'a', subjectRegExp: 'a' }), (e) => isOcisignError(e, 'USAGE'));
});

test('identity: GitHub Actions certificate exposes URI SAN, issuer (.1.8) and workflow claims', (t) => {
  if (!INTEROP_PRESENT) return t.skip(ABSENT_REASON);
  const bundle = JSON.parse(fixture('sigstore-rs/tests/data/bundle_v03.json').toString('utf8'));
  const leaf = new X509Certificate(Buffer.from(bundle.verificationMaterial.certificate.rawBytes, 'base64'));
  const id = extractCertificateIdentity(leaf);
  const uri = 'https://github.com/kubewarden/kubewarden-controller/.github/workflows/release.yml@refs/tags/v1.34.0';
  assert.deepEqual(id.sans.uri, [uri]);
  assert.equal(id.issuer, 'https://token.actions.githubusercontent.com');
  assert.equal(id.extensions.githubWorkflowRepository, 'kubewarden/kubewarden-controller');
  assert.equal(id.extensions.githubWorkflowRef, 'refs/tags/v1.34.0');
  assert.equal(id.extensions.sourceRepositoryUri, 'https://github.com/kubewarden/kubewarden-controller');
  const policy = compileIdentityPolicy({
    subject: uri,
    issuer: 'https://token.actions.githubusercontent.com',
    githubWorkflowRepository: 'kubewarden/kubewarden-controller',
    githubWorkflowRef: 'refs/tags/v1.34.0',
    githubWorkflowTrigger: id.extensions.githubWorkflowTrigger!,
  });
  assert.ok(matchIdentity(id, [policy]).ok);
});

test('chain: the chain annotation PEMs trusted as CA roots make the chain-less twin valid again', (t) => {
  if (!INTEROP_PRESENT) return t.skip(ABSENT_REASON);
  const layer = readDirSignature(KEYLESS);
  const chainPem = layer.annotations['dev.sigstore.cosign/chain']!;
  delete layer.annotations['dev.sigstore.cosign/chain'];
  const root = trustFor({ rekorPublicKeys: ['containers-image/signature/fixtures/rekor.pub'] });
  const intermediate = new X509Certificate(chainPem); // the first PEM block: sigstore-intermediate
  const trusted = { ...root, certificateAuthorities: [{ uri: 'x', certificates: [intermediate], validFor: { start: new Date(0) } }] };
  const r = verifySignatureLayer(layer, trusted, { identities: mitr(), ignoreSct: true });
  assert.ok(r.ok, r.ok ? '' : r.reason);
});
