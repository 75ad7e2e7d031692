// Every keyless / Rekor / BYO-PKI / SET / trusted-root case of ../shared/fixtures/interop/cases.json
// that uses cosign's legacy .sig layout, run through verifySignatureLayer and its parts.
import assert from 'node:assert/strict';
import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { test } from 'node:test';
import { decodeBase64 } from '../../src/sigstore/pem.ts';
import { parseRekorBundle, verifyRekorSet } from '../../src/sigstore/rekor-bundle.ts';
import { rekorEntryFromBody } from '../../src/sigstore/rekor-entry.ts';
import { parseCertificates, verifyCertificateChain } from '../../src/sigstore/certificate.ts';
import { extractCertificateIdentity } from '../../src/sigstore/certificate-identity.ts';
import { compileIdentityPolicy, matchIdentity } from '../../src/sigstore/identity.ts';
import { verifySignatureLayer, type LayerPolicy, type SignatureLayer } from '../../src/sigstore/verify-layer.ts';
import {
  ABSENT_REASON,
  fixture,
  fixtureText,
  identitiesFor,
  INTEROP_PRESENT,
  loadCases,
  readDirSignature,
  trustFor,
  type InteropCase,
} from './interop.ts';
import { isBundleCase } from './interop.ts';

type Outcome = { valid: boolean; reasons: string[] };

const BUNDLE = 'dev.sigstore.cosign/bundle';
const CHAIN = 'dev.sigstore.cosign/chain';

function publicKey(path: string): KeyObject {
  return createPublicKey(fixtureText(path));
}

/**
 * Only a case whose trust is a trusted_root.json has CT log keys; the containers/image cases give
 * loose Fulcio roots and Rekor keys and (like containers/image) do not check SCTs.
 */
function policyFor(c: InteropCase, extra: Partial<LayerPolicy> = {}): LayerPolicy {
  return { identities: identitiesFor(c.trust), ignoreSct: !c.trust.trustedRoot, ...extra };
}

/** cosign's image rule: at least one layer verifies and its payload names the image's manifest digest. */
function verifyImage(c: InteropCase, layers: SignatureLayer[], policies: LayerPolicy[]): Outcome {
  const root = trustFor(c.trust);
  const manifest = c.files.find((f) => f.endsWith('/manifest.json'));
  const digest = manifest ? `sha256:${createHash('sha256').update(fixture(manifest)).digest('hex')}` : undefined;
  const reasons: string[] = [];
  for (const layer of layers) {
    for (const policy of policies) {
      const r = verifySignatureLayer(layer, root, policy);
      if (!r.ok) {
        reasons.push(r.reason);
        continue;
      }
      const claimed = JSON.parse(Buffer.from(layer.payload).toString('utf8'))?.critical?.image?.['docker-manifest-digest'];
      if (claimed === digest) return { valid: true, reasons };
      reasons.push(`payload digest ${claimed} is not the manifest digest ${digest}`);
    }
  }
  return { valid: false, reasons };
}

function dirLayers(c: InteropCase): SignatureLayer[] {
  return c.files.filter((f) => /\/signature-\d+$/.test(f)).map(readDirSignature);
}

function keyPolicies(c: InteropCase): LayerPolicy[] {
  return (c.trust.publicKeys ?? []).map((k) => ({ key: publicKey(k) }));
}

function withoutAnnotation(layers: SignatureLayer[], key: string): SignatureLayer[] {
  return layers.map((l) => {
    const annotations = { ...l.annotations };
    delete annotations[key];
    return { ...l, annotations };
  });
}

const keyRekor = (c: InteropCase): Outcome => verifyImage(c, dirLayers(c), keyPolicies(c));
const keyless = (c: InteropCase): Outcome => verifyImage(c, dirLayers(c), [policyFor(c)]);

const HANDLERS: Record<string, (c: InteropCase) => Outcome> = {
  'ci-key-rekor-valid': keyRekor,
  'ci-key-rekor-wrong-rekor-key': keyRekor,
  'ci-key-rekor-missing-set': (c) => verifyImage(c, withoutAnnotation(dirLayers(c), BUNDLE), keyPolicies(c)),
  'ci-key-rekor-set-transplant': (c) => {
    const target = readDirSignature(c.files[1]!);
    target.annotations[BUNDLE] = readDirSignature(c.files[2]!).annotations[BUNDLE]!;
    return verifyImage(c, [target], keyPolicies(c));
  },
  'ci-fulcio-rekor-valid': keyless,
  'ci-fulcio-rekor-valid-with-production-trusted-root': keyless,
  'ci-fulcio-wrong-email': keyless,
  'ci-fulcio-wrong-rekor-key': keyless,
  'ci-fulcio-missing-set': (c) => verifyImage(c, withoutAnnotation(dirLayers(c), BUNDLE), [policyFor(c)]),
  'ci-fulcio-missing-chain': (c) => verifyImage(c, withoutAnnotation(dirLayers(c), CHAIN), [policyFor(c)]),
  // BYO PKI: no Fulcio, no Rekor; cosign needs --insecure-ignore-tlog and --insecure-ignore-sct here.
  'ci-byo-pki-valid': (c) => verifyImage(c, dirLayers(c), [policyFor(c, { ignoreTlog: true, ignoreSct: true })]),
  'ci-byo-pki-no-intermediate-anywhere': (c) =>
    verifyImage(c, withoutAnnotation(dirLayers(c), CHAIN), [policyFor(c, { ignoreTlog: true, ignoreSct: true })]),
  'ci-rekor-set-unit': (c) => setUnit(c, fixture('containers-image/signature/fixtures/rekor-payload')),
  'ci-rekor-set-unit-wrong-payload': (c) => setUnit(c, Buffer.from('this payload does not match')),
  'ci-rekor-set-unit-wrong-time': wrongTime,
  'rs-key-layer-with-foreign-rekor-bundle': (c) => {
    const dir = 'sigstore-rs/extracted/src-cosign-signature_layers/';
    const layer: SignatureLayer = {
      payload: fixture(`${dir}key-layer.payload.json`),
      signature: decodeBase64(fixtureText(`${dir}key-layer.signature.b64`))!,
      annotations: { [BUNDLE]: fixtureText(`${dir}rekor-bundle-same-payload-other-key.json`) },
    };
    const r = verifySignatureLayer(layer, trustFor(c.trust), { key: publicKey(`${dir}key-layer.cosign.pub`) });
    return { valid: r.ok, reasons: r.ok ? [] : [r.reason] };
  },
  // Fulcio's 2021 certificates carried no embedded SCT (it was detached): checked with ignoreSct.
  'rs-cert-layer-2021-keyless': (c) => {
    const r = verifySignatureLayer(certLayer(), trustFor(c.trust), policyFor(c, { ignoreSct: true }));
    return { valid: r.ok, reasons: r.ok ? [] : [r.reason] };
  },
  'rs-cosign-sign-blob-legacy-bundle': signBlobBundle,
};

function certLayer(): SignatureLayer {
  const dir = 'sigstore-rs/extracted/src-cosign-signature_layers/';
  return {
    payload: fixture(`${dir}cert-layer.payload.json`),
    signature: decodeBase64(fixtureText(`${dir}cert-layer.signature.b64`))!,
    annotations: {
      'dev.sigstore.cosign/certificate': fixtureText(`${dir}cert-layer.cert.pem`),
      [BUNDLE]: fixtureText(`${dir}cert-layer.rekor-bundle.json`),
    },
  };
}

/** The component vectors (rekor-set, fulcio-cert, fulcio-chain, rekor-sig) as one keyless layer. */
function setUnit(c: InteropCase, payload: Buffer): Outcome {
  const dir = 'containers-image/signature/fixtures/';
  const layer: SignatureLayer = {
    payload,
    signature: decodeBase64(fixtureText(`${dir}rekor-sig`))!,
    annotations: {
      'dev.sigstore.cosign/certificate': fixtureText(`${dir}fulcio-cert`),
      [CHAIN]: fixtureText(`${dir}fulcio-chain`),
      [BUNDLE]: fixtureText(`${dir}rekor-set`),
    },
  };
  const withRoots = { ...c.trust, fulcioRoots: c.trust.fulcioRoots ?? [`${dir}fulcio_v1.crt.pem`] };
  const identities = c.trust.certificateIdentity ? identitiesFor(c.trust) : [compileIdentityPolicy({ subjectRegExp: '.*' })];
  const r = verifySignatureLayer(layer, trustFor(withRoots), { identities, ignoreSct: true });
  return { valid: r.ok, reasons: r.ok ? [] : [r.reason] };
}

function wrongTime(c: InteropCase): Outcome {
  const root = trustFor(c.trust);
  const leaf = parseCertificates(fixtureText(c.files[0]!), 'leaf');
  const chain = parseCertificates(fixtureText(c.files[1]!), 'chain');
  assert.ok(leaf.ok && chain.ok);
  const at = (iso: string) => verifyCertificateChain(leaf.value[0]!, chain.value, root.certificateAuthorities, new Date(iso));
  assert.equal(at('2022-12-12T18:48:19Z').ok, true, 'valid at integratedTime 1670870899');
  const before = at('2022-12-12T18:48:17Z');
  const after = at('2022-12-12T18:58:19Z');
  return { valid: before.ok || after.ok, reasons: [before, after].flatMap((r) => (r.ok ? [] : [r.reason])) };
}

/** cosign sign-blob --bundle: the artifact is unknown, so SET, entry, chain and identity are checked by parts. */
function signBlobBundle(c: InteropCase): Outcome {
  const blob = JSON.parse(fixtureText(c.files[0]!)) as { base64Signature: string; cert: string; rekorBundle: unknown };
  const root = trustFor(c.trust);
  const bundle = parseRekorBundle(JSON.stringify(blob.rekorBundle));
  assert.ok(bundle.ok);
  const set = verifyRekorSet(bundle.value, root.tlogs);
  const entry = rekorEntryFromBody(bundle.value.payload.body);
  assert.ok(entry.ok);
  const leaf = parseCertificates(Buffer.from(blob.cert, 'base64').toString('utf8'), 'cert');
  assert.ok(leaf.ok);
  const cert = leaf.value[0]!;
  const at = new Date(bundle.value.payload.integratedTime * 1000);
  const chain = verifyCertificateChain(cert, [], root.certificateAuthorities, at);
  const identity = matchIdentity(extractCertificateIdentity(cert), identitiesFor(c.trust));
  const checks: [boolean, string][] = [
    [set.ok, 'SET'],
    [`sha256:${entry.value.hash?.value}` === c.artifactDigest, 'entry hash = artifact digest'],
    [entry.value.signatures[0]!.equals(Buffer.from(blob.base64Signature, 'base64')), 'entry signature'],
    [entry.value.verifiers[0]!.equals(cert.raw), 'entry certificate'],
    [chain.ok, 'chain at integratedTime'],
    [identity.ok, 'identity'],
  ];
  const failed = checks.filter(([ok]) => !ok).map(([, what]) => what);
  return { valid: failed.length === 0, reasons: failed };
}

const KEY_ONLY = /^(ci-(key-valid|key-wrong|two-valid|mixed|unknown-key|modified|manifest-digest|no-manifest|other-attachment|unsigned|only-gpg|valid-with-tag|raw-blob)|cosign-dsse-|rs-key-layer$)/;
const KEY_FILE = /^(cosign-key-import|rs-key-import)/;

function skipReason(name: string): string {
  if (KEY_ONLY.test(name)) return 'key-only case, covered by test/interop-fixtures';
  if (KEY_FILE.test(name)) return 'key file case, covered by the key-format tests';
  if (isBundleCase(name)) return 'sigstore bundle case, covered by test/sigstore/interop-bundle.test.ts';
  return 'no handler in the legacy-layer suite';
}

const cases = loadCases();

test('interop fixtures are present', (t) => {
  if (!INTEROP_PRESENT) return t.skip(ABSENT_REASON);
  assert.ok(cases.length > 0);
});

for (const c of cases) {
  const handler = HANDLERS[c.name];
  test(`interop ${c.name} → ${c.expected}`, (t) => {
    if (!handler) return t.skip(skipReason(c.name));
    const outcome = handler(c);
    t.diagnostic(outcome.reasons.join(' | ') || 'ok');
    assert.equal(outcome.valid ? 'valid' : 'invalid', c.expected, `${c.reason} — got reasons: ${outcome.reasons.join(' | ')}`);
  });
}

test('every handled legacy case exists in cases.json', (t) => {
  if (!INTEROP_PRESENT) return t.skip(ABSENT_REASON);
  const names = new Set(cases.map((c) => c.name));
  assert.deepEqual(Object.keys(HANDLERS).filter((n) => !names.has(n)), []);
});
