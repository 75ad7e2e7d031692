// The keyless / BYO-PKI / SET-only cases of ../shared/fixtures/interop/cases.json in cosign's legacy .sig
// layout (the `legacy` suite of test/helpers/interop-cases.ts), run through src/sigstore's
// verifySignatureLayer and its parts. Key-based layers with a Rekor SET belong to the keyImage suite
// (test/interop-fixtures/key-cases.test.ts), which runs them through `verifyImage`.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { decodeBase64 } from '../../src/sigstore/pem.ts';
import { parseRekorBundle, verifyRekorSet } from '../../src/sigstore/rekor-bundle.ts';
import { rekorEntryFromBody } from '../../src/sigstore/rekor-entry.ts';
import { parseCertificates, verifyCertificateChain } from '../../src/sigstore/certificate.ts';
import { extractCertificateIdentity } from '../../src/sigstore/certificate-identity.ts';
import { compileIdentityPolicy, matchIdentity } from '../../src/verify/identity.ts';
import { verifySignatureLayer, type LayerPolicy, type SignatureLayer } from '../../src/sigstore/verify-layer.ts';
import { casesOf, ranLine } from '../helpers/interop-cases.ts';
import { ABSENT_REASON, fixture, fixtureText, identitiesFor, INTEROP_PRESENT, readDirSignature, trustFor, type InteropCase } from './interop.ts';

type Outcome = { valid: boolean; reasons: string[] };

const BUNDLE = 'dev.sigstore.cosign/bundle';
const CHAIN = 'dev.sigstore.cosign/chain';

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

function withoutAnnotation(layers: SignatureLayer[], key: string): SignatureLayer[] {
  return layers.map((l) => {
    const annotations = { ...l.annotations };
    delete annotations[key];
    return { ...l, annotations };
  });
}

const keyless = (c: InteropCase): Outcome => verifyImage(c, dirLayers(c), [policyFor(c)]);

const HANDLERS: Record<string, (c: InteropCase) => Outcome> = {
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

const cases = casesOf('legacy');

if (!INTEROP_PRESENT) {
  test('interop legacy keyless cases', (t) => t.skip(ABSENT_REASON));
} else {
  test('interop legacy keyless cases', async (t) => {
    assert.ok(cases.length > 0, 'cases.json has legacy keyless cases');
    assert.deepEqual(Object.keys(HANDLERS).filter((n) => !cases.some((c) => c.name === n)), [], 'every handler is for a case this suite owns');
    let ran = 0;
    for (const c of cases) {
      await t.test(`${c.name} → ${c.expected}`, () => {
        const handler = HANDLERS[c.name];
        assert.ok(handler, `${c.name} is a legacy keyless case with no handler here`);
        const outcome = handler(c);
        assert.equal(outcome.valid ? 'valid' : 'invalid', c.expected, `${c.reason} — got reasons: ${outcome.reasons.join(' | ')}`);
      });
      ran += 1;
    }
    t.diagnostic(ranLine('legacy', ran));
  });
}
