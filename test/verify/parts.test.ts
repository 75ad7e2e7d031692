// Tampered twins and edge cases of the sigstore building blocks, on the real interop vectors.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { isOcisignError } from '../../src/core/errors.ts';
import { extractCertificateIdentity } from '../../src/sigstore/certificate-identity.ts';
import { compileIdentityPolicy, matchIdentity } from '../../src/verify/identity.ts';
import { parseRekorBundle, verifyRekorBundle, verifyRekorSet } from '../../src/sigstore/rekor-bundle.ts';
import { fetchTrustedRootTuf, parseTrustedRoot, type TrustedRoot } from '../../src/sigstore/trusted-root.ts';
import { KeyVerifier } from '../../src/sign/key-signer.ts';
import { authenticate, type Authenticated } from '../../src/verify/authenticate.ts';
import type { CompiledIdentityPolicy } from '../../src/verify/identity.ts';
import { evidenceFromSignatureLayer } from '../../src/verify/evidence/from-signature-layer.ts';
import { ABSENT_REASON, fixture, INTEROP_PRESENT, readDirSignature, trustFor, type SignatureLayer } from './interop.ts';

interface LayerPolicy {
  identities?: CompiledIdentityPolicy[];
  key?: import('node:crypto').KeyObject;
  ignoreTlog?: boolean;
  ignoreSct?: boolean;
  now?: Date;
}

/** One `.sig` layer through the pipeline's evidence and authenticate steps. */
async function verifySignatureLayer(layer: SignatureLayer, root: TrustedRoot, policy: LayerPolicy): Promise<Authenticated> {
  const e = evidenceFromSignatureLayer(layer, { kind: 'input', name: 'layer' });
  if (!e.ok) return { ok: false, reason: e.reason, noCertificate: false };
  return authenticate(e.value, {
    keys: policy.key ? [new KeyVerifier(policy.key)] : [],
    identities: policy.identities ?? [],
    root,
    ignoreTlog: policy.ignoreTlog ?? false,
    ignoreSct: policy.ignoreSct ?? false,
    ...(policy.now ? { now: policy.now } : {}),
  });
}

const PROD_ROOT = 'sigstore-js/packages/tuf/decoded/trusted_root.json';
const KEYLESS = 'containers-image/signature/fixtures/dir-img-cosign-fulcio-rekor-valid/signature-1';
const KEY_REKOR = 'containers-image/signature/fixtures/dir-img-cosign-key-rekor-valid/signature-1';
const BUNDLE = 'dev.sigstore.cosign/bundle';

function prodRoot(): TrustedRoot {
  return parseTrustedRoot(fixture(PROD_ROOT), PROD_ROOT);
}

const mitr = () => [compileIdentityPolicy({ subject: 'mitr@redhat.com', issuer: 'https://github.com/login/oauth' })];

test('trusted root: production root parses with Rekor log IDs and windows', async (t) => {
  if (!INTEROP_PRESENT) return t.skip(ABSENT_REASON);
  const root = prodRoot();
  assert.equal(root.tlogs[0]!.logId.toString('hex'), 'c0d23d6ad406973f9559f3ba2d1ca01f84147d8ffc5b8445c224f98b9591801d');
  assert.equal(root.certificateAuthorities.length, 2);
  assert.equal(root.ctlogs.length, 2);
  assert.equal(root.timestampAuthorities.length, 1);
  assert.ok(root.proto, 'keeps the protobuf form for @sigstore/verify');
});

test('trusted root: wrong media type, bad JSON and a tlog without validFor.start are BAD_INPUT', async (t) => {
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

test('keyless layer: verified signer, identity and integratedTime', async (t) => {
  if (!INTEROP_PRESENT) return t.skip(ABSENT_REASON);
  const r = await verifySignatureLayer(readDirSignature(KEYLESS), prodRoot(), { identities: mitr() });
  assert.ok(r.ok, r.ok ? '' : r.reason);
  assert.equal(r.signer.kind, 'certificate');
  assert.deepEqual(r.signer.kind === 'certificate' && r.signer.identity.sans.email, ['mitr@redhat.com']);
  assert.equal(r.signer.kind === 'certificate' && r.signer.identity.issuer, 'https://github.com/login/oauth');
  // the certificate (valid 20:51:31–21:01:31Z) is checked at the SET's integratedTime: a clock outside it fails
  const late = await verifySignatureLayer(readDirSignature(KEYLESS), prodRoot(), { identities: mitr(), ignoreTlog: true, now: new Date('2023-01-20T21:30:00Z') });
  assert.match(late.ok ? '' : late.reason, /^certificate: /);
});

test('keyless layer: no certificate gives code NO_CERTIFICATE (exit 13)', async (t) => {
  if (!INTEROP_PRESENT) return t.skip(ABSENT_REASON);
  const layer = readDirSignature(KEYLESS);
  delete layer.annotations['dev.sigstore.cosign/certificate'];
  const r = await verifySignatureLayer(layer, prodRoot(), { identities: mitr() });
  assert.deepEqual(r, { ok: false, noCertificate: true, reason: 'no certificate found on signature' });
});

test('SET moved: a changed integratedTime or logIndex no longer verifies', async (t) => {
  if (!INTEROP_PRESENT) return t.skip(ABSENT_REASON);
  const text = readDirSignature(KEYLESS).annotations[BUNDLE]!;
  for (const field of ['integratedTime', 'logIndex'] as const) {
    const moved = JSON.parse(text);
    moved.Payload[field] += 1;
    const r = await verifySignatureLayer({ ...readDirSignature(KEYLESS), annotations: { ...readDirSignature(KEYLESS).annotations, [BUNDLE]: JSON.stringify(moved) } }, prodRoot(), { identities: mitr() });
    assert.equal(r.ok, false);
    assert.match(r.ok ? '' : r.reason, /^transparency log entry: inclusion promise could not be verified/);
  }
});

test('Rekor: a log key outside its validity window at integratedTime is refused', async (t) => {
  if (!INTEROP_PRESENT) return t.skip(ABSENT_REASON);
  const root = prodRoot();
  const bundle = parseRekorBundle(readDirSignature(KEYLESS).annotations[BUNDLE]!);
  assert.ok(bundle.ok);
  const late = root.tlogs.map((l) => ({ ...l, validFor: { start: new Date('2024-01-01T00:00:00Z') } }));
  const r = verifyRekorSet(bundle.value, late);
  assert.equal(r.ok ? '' : r.reason, 'Rekor log c0d23d6ad406973f9559f3ba2d1ca01f84147d8ffc5b8445c224f98b9591801d key is not valid at integratedTime 2023-01-20T20:51:33.000Z');
});

test('Rekor: entry for another payload or another key is refused with its own reason', async (t) => {
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

test('keyless with --insecure-ignore-tlog: no observed time, so the expired certificate fails at now', async (t) => {
  if (!INTEROP_PRESENT) return t.skip(ABSENT_REASON);
  const r = await verifySignatureLayer(readDirSignature(KEYLESS), prodRoot(), { identities: mitr(), ignoreTlog: true, now: new Date('2025-01-01T00:00:00Z') });
  assert.match(r.ok ? '' : r.reason, /^certificate: Failed to verify certificate chain: certificate is not valid or expired/);
});

test('SCT: verifies against the production CT logs, fails against other keys, skipped with --insecure-ignore-sct', async (t) => {
  if (!INTEROP_PRESENT) return t.skip(ABSENT_REASON);
  const layer = readDirSignature(KEYLESS);
  const root = prodRoot();
  const good = await verifySignatureLayer(layer, root, { identities: mitr() });
  assert.ok(good.ok, good.ok ? '' : good.reason);
  const wrongLogs = { ...root, proto: undefined, ctlogs: root.tlogs };
  const r = await verifySignatureLayer(layer, wrongLogs, { identities: mitr() });
  assert.match(r.ok ? '' : r.reason, /^certificate: SCT verification failed/);
  const ignored = await verifySignatureLayer(layer, wrongLogs, { identities: mitr(), ignoreSct: true });
  assert.ok(ignored.ok, ignored.ok ? '' : ignored.reason);
});

test('key + certificate: the certificate must hold the given key', async (t) => {
  if (!INTEROP_PRESENT) return t.skip(ABSENT_REASON);
  const key = trustFor({ rekorPublicKeys: ['containers-image/signature/fixtures/cosign2.pub'] }).tlogs[0]!.publicKey;
  const r = await verifySignatureLayer(readDirSignature(KEYLESS), prodRoot(), { key });
  assert.equal(r.ok ? '' : r.reason, 'certificate on the signature does not hold the given key');
});

test('identity: regexps are anchored (unlike cosign), exact issuer, github workflow claims', async (t) => {
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

test('identity: GitHub Actions certificate exposes URI SAN, issuer (.1.8) and workflow claims', async (t) => {
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

test('chain: configured intermediates stand in for a missing chain annotation; the annotation alone is never an anchor', async (t) => {
  if (!INTEROP_PRESENT) return t.skip(ABSENT_REASON);
  const layer = readDirSignature(KEYLESS);
  const chainPem = layer.annotations['dev.sigstore.cosign/chain']!;
  delete layer.annotations['dev.sigstore.cosign/chain'];
  const root = trustFor({ rekorPublicKeys: ['containers-image/signature/fixtures/rekor.pub'] });
  const [intermediate, fulcioRoot] = chainPem.split(/(?<=-----END CERTIFICATE-----)/).filter((p) => p.includes('BEGIN')).map((p) => new X509Certificate(p));
  const ca = (certificates: X509Certificate[]) => ({ ...root, certificateAuthorities: [{ uri: 'x', certificates, validFor: { start: new Date(0) } }] });
  const configured = await verifySignatureLayer(layer, ca([intermediate!, fulcioRoot!]), { identities: mitr(), ignoreSct: true });
  assert.ok(configured.ok, configured.ok ? '' : configured.reason);
  const rootOnly = await verifySignatureLayer(layer, ca([fulcioRoot!]), { identities: mitr(), ignoreSct: true });
  assert.match(rootOnly.ok ? '' : rootOnly.reason, /^certificate: /, 'no path without the intermediate');
  // a self-signed certificate smuggled in a chain annotation is not trusted
  const selfSigned = readDirSignature(KEYLESS);
  selfSigned.annotations['dev.sigstore.cosign/chain'] = fulcioRoot!.toString();
  const other = ca([intermediate!]);
  const smuggled = await verifySignatureLayer(selfSigned, { ...other, certificateAuthorities: [] }, { identities: mitr(), ignoreSct: true });
  assert.equal(smuggled.ok, false);
});
