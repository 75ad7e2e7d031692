// The keyless / BYO-PKI / SET-only cases of ../shared/fixtures/interop/cases.json in cosign's legacy .sig
// layout (the `legacy` suite of test/helpers/interop-cases.ts), through the one verification pipeline:
// evidence from the layer, authenticate, claims. Key-based layers with a Rekor SET belong to the keyImage
// suite (test/interop-fixtures/key-cases.test.ts), which runs them through `verifyImage`.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { decodeBase64 } from '../../src/sigstore/pem.ts';
import { compileIdentityPolicy, type CompiledIdentityPolicy } from '../../src/verify/identity.ts';
import { authenticate, type TrustPolicy } from '../../src/verify/authenticate.ts';
import { checkSignatureClaims } from '../../src/verify/claims.ts';
import { evidenceFromSignatureLayer } from '../../src/verify/evidence/from-signature-layer.ts';
import { evidenceFromBundleJson } from '../../src/verify/evidence/from-bundle.ts';
import { casesOf, ranLine } from '../helpers/interop-cases.ts';
import { ABSENT_REASON, fixture, fixtureText, identitiesFor, INTEROP_PRESENT, readDirSignature, trustFor, type InteropCase } from './interop.ts';

type Outcome = { valid: boolean; reasons: string[] };
type Pending = Promise<Outcome>;
type Layer = ReturnType<typeof readDirSignature>;

const BUNDLE = 'dev.sigstore.cosign/bundle';
const CHAIN = 'dev.sigstore.cosign/chain';

/**
 * Only a case whose trust is a trusted_root.json has CT log keys; the containers/image cases give
 * loose Fulcio roots and Rekor keys and (like containers/image) do not check SCTs.
 */
function trustOf(c: InteropCase, extra: Partial<TrustPolicy> = {}, identities: CompiledIdentityPolicy[] = identitiesFor(c.trust)): TrustPolicy {
  return { keys: [], identities, root: trustFor(c.trust), ignoreTlog: false, ignoreSct: !c.trust.trustedRoot, ...extra };
}

/** cosign's image rule: at least one layer verifies and its payload names the image's manifest digest. */
async function verifyImage(c: InteropCase, layers: Layer[], trust: TrustPolicy): Pending {
  const manifest = c.files.find((f) => f.endsWith('/manifest.json'));
  const digest = manifest ? `sha256:${createHash('sha256').update(fixture(manifest)).digest('hex')}` : 'sha256:none';
  const reasons: string[] = [];
  for (const [i, layer] of layers.entries()) {
    const e = evidenceFromSignatureLayer(layer, { kind: 'input', name: `signature-${i + 1}` });
    if (!e.ok) {
      reasons.push(e.reason);
      continue;
    }
    const who = await authenticate(e.value, trust);
    if (!who.ok) {
      reasons.push(who.reason);
      continue;
    }
    const claims = checkSignatureClaims(e.value, { digest, dockerReference: 'unused' });
    reasons.push(claims.ok ? 'ok' : claims.reason);
  }
  return { valid: reasons.includes('ok'), reasons };
}

function dirLayers(c: InteropCase): Layer[] {
  return c.files.filter((f) => /\/signature-\d+$/.test(f)).map(readDirSignature);
}

function withoutAnnotation(layers: Layer[], key: string): Layer[] {
  return layers.map((l) => {
    const annotations = { ...l.annotations };
    delete annotations[key];
    return { ...l, annotations };
  });
}

const keyless = (c: InteropCase): Pending => verifyImage(c, dirLayers(c), trustOf(c));

/** One layer, authenticated only (the component vectors name no image). */
async function layerOutcome(layer: Layer, trust: TrustPolicy): Pending {
  const e = evidenceFromSignatureLayer(layer, { kind: 'input', name: 'layer' });
  if (!e.ok) return { valid: false, reasons: [e.reason] };
  const who = await authenticate(e.value, trust);
  return { valid: who.ok, reasons: who.ok ? [] : [who.reason] };
}

const HANDLERS: Record<string, (c: InteropCase) => Pending> = {
  'ci-fulcio-rekor-valid': keyless,
  'ci-fulcio-rekor-valid-with-production-trusted-root': keyless,
  'ci-fulcio-wrong-email': keyless,
  'ci-fulcio-wrong-rekor-key': keyless,
  'ci-fulcio-missing-set': (c) => verifyImage(c, withoutAnnotation(dirLayers(c), BUNDLE), trustOf(c)),
  'ci-fulcio-missing-chain': (c) => verifyImage(c, withoutAnnotation(dirLayers(c), CHAIN), trustOf(c)),
  // BYO PKI: no Fulcio, no Rekor; cosign needs --insecure-ignore-tlog and --insecure-ignore-sct here.
  'ci-byo-pki-valid': (c) => verifyImage(c, dirLayers(c), trustOf(c, { ignoreTlog: true, ignoreSct: true })),
  'ci-byo-pki-no-intermediate-anywhere': (c) => verifyImage(c, withoutAnnotation(dirLayers(c), CHAIN), trustOf(c, { ignoreTlog: true, ignoreSct: true })),
  'ci-rekor-set-unit': (c) => setUnit(c, fixture('containers-image/signature/fixtures/rekor-payload')),
  'ci-rekor-set-unit-wrong-payload': (c) => setUnit(c, Buffer.from('this payload does not match')),
  'ci-rekor-set-unit-wrong-time': wrongTime,
  // Fulcio's 2021 certificates carried no embedded SCT (it was detached): checked with ignoreSct; its log
  // entry is a `rekord`, which @sigstore/verify does not read (src/verify/tlog-legacy-kinds.ts does).
  'rs-cert-layer-2021-keyless': (c) => layerOutcome(certLayer(), trustOf(c, { ignoreSct: true })),
  'rs-cosign-sign-blob-legacy-bundle': signBlobBundle,
};

function certLayer(): Layer {
  const dir = 'sigstore-rs/extracted/src-cosign-signature_layers/';
  return {
    mediaType: 'application/vnd.dev.cosign.simplesigning.v1+json',
    payload: fixture(`${dir}cert-layer.payload.json`),
    signature: decodeBase64(fixtureText(`${dir}cert-layer.signature.b64`))!,
    annotations: {
      'dev.cosignproject.cosign/signature': fixtureText(`${dir}cert-layer.signature.b64`).trim(),
      'dev.sigstore.cosign/certificate': fixtureText(`${dir}cert-layer.cert.pem`),
      [BUNDLE]: fixtureText(`${dir}cert-layer.rekor-bundle.json`),
    },
  };
}

/** The component vectors (rekor-set, fulcio-cert, fulcio-chain, rekor-sig) as one keyless layer. */
function setUnitLayer(payload: Buffer, withSet = true): Layer {
  const dir = 'containers-image/signature/fixtures/';
  return {
    mediaType: 'application/vnd.dev.cosign.simplesigning.v1+json',
    payload,
    signature: decodeBase64(fixtureText(`${dir}rekor-sig`))!,
    annotations: {
      'dev.cosignproject.cosign/signature': fixtureText(`${dir}rekor-sig`).trim(),
      'dev.sigstore.cosign/certificate': fixtureText(`${dir}fulcio-cert`),
      [CHAIN]: fixtureText(`${dir}fulcio-chain`),
      ...(withSet ? { [BUNDLE]: fixtureText(`${dir}rekor-set`) } : {}),
    },
  };
}

function setUnitTrust(c: InteropCase, extra: Partial<TrustPolicy> = {}): TrustPolicy {
  const dir = 'containers-image/signature/fixtures/';
  const withRoots = { ...c.trust, fulcioRoots: c.trust.fulcioRoots ?? [`${dir}fulcio_v1.crt.pem`] };
  const identities = c.trust.certificateIdentity ? identitiesFor(c.trust) : [compileIdentityPolicy({ subjectRegExp: '.*' })];
  return { keys: [], identities, root: trustFor(withRoots), ignoreTlog: false, ignoreSct: true, ...extra };
}

function setUnit(c: InteropCase, payload: Buffer): Pending {
  return layerOutcome(setUnitLayer(payload), setUnitTrust(c));
}

/** The certificate checked at times outside its validity (the clock, with no log entry to give the time). */
async function wrongTime(c: InteropCase): Pending {
  const payload = fixture('containers-image/signature/fixtures/rekor-payload');
  const at = (iso: string) => layerOutcome(setUnitLayer(payload, false), setUnitTrust(c, { ignoreTlog: true, now: new Date(iso) }));
  assert.equal((await at('2022-12-12T18:48:19Z')).valid, true, 'valid at integratedTime 1670870899');
  const before = await at('2022-12-12T18:48:17Z');
  const after = await at('2022-12-12T18:58:19Z');
  return { valid: before.valid || after.valid, reasons: [...before.reasons, ...after.reasons] };
}

/**
 * cosign sign-blob --bundle (`{base64Signature, cert, rekorBundle}`): a message signature over a blob
 * known only by its digest (the case's artifactDigest), as one bundle through the pipeline.
 */
async function signBlobBundle(c: InteropCase): Pending {
  const blob = JSON.parse(fixtureText(c.files[0]!)) as { base64Signature: string; cert: string; rekorBundle: { SignedEntryTimestamp: string; Payload: { body: string; integratedTime: number; logIndex: number; logID: string } } };
  const p = blob.rekorBundle.Payload;
  const body = JSON.parse(Buffer.from(p.body, 'base64').toString('utf8')) as { kind: string; apiVersion: string };
  const json = {
    mediaType: 'application/vnd.dev.sigstore.bundle+json;version=0.1',
    verificationMaterial: {
      x509CertificateChain: { certificates: [{ rawBytes: Buffer.from(Buffer.from(blob.cert, 'base64').toString('utf8').replace(/-----[A-Z ]+-----|\s+/g, ''), 'base64').toString('base64') }] },
      tlogEntries: [{
        logIndex: String(p.logIndex),
        logId: { keyId: Buffer.from(p.logID, 'hex').toString('base64') },
        kindVersion: { kind: body.kind, version: body.apiVersion },
        integratedTime: String(p.integratedTime),
        inclusionPromise: { signedEntryTimestamp: blob.rekorBundle.SignedEntryTimestamp },
        canonicalizedBody: p.body,
      }],
    },
    messageSignature: {
      messageDigest: { algorithm: 'SHA2_256', digest: Buffer.from(c.artifactDigest!.slice('sha256:'.length), 'hex').toString('base64') },
      signature: blob.base64Signature,
    },
  };
  const e = evidenceFromBundleJson(json, { kind: 'input', name: c.name });
  if (!e.ok) return { valid: false, reasons: [e.reason] };
  const who = await authenticate(e.value, trustOf(c));
  return { valid: who.ok, reasons: who.ok ? [] : [who.reason] };
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
      await t.test(`${c.name} → ${c.expected}`, async () => {
        const handler = HANDLERS[c.name];
        assert.ok(handler, `${c.name} is a legacy keyless case with no handler here`);
        const outcome = await handler(c);
        assert.equal(outcome.valid ? 'valid' : 'invalid', c.expected, `${c.reason} — got reasons: ${outcome.reasons.join(' | ')}`);
      });
      ran += 1;
    }
    t.diagnostic(ranLine('legacy', ran));
  });
}
