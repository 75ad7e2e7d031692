// Per-signature reasons for keyless layers that do not verify, made in-process with @sigstore/mock:
// a certificate expired at integratedTime, a chain to an unknown root, a SET moved onto another entry,
// a bundle for another signature, a layer without a certificate.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Agent } from 'undici';
import type { AttachmentLayer } from '../../src/cosign/attachments.ts';
import { CosignAnnotation, CosignMediaType } from '../../src/cosign/media-types.ts';
import { buildSimpleSigningPayload } from '../../src/cosign/simple-signing.ts';
import { setupKeylessSigning } from '../../src/keyless/setup.ts';
import { authenticate, type TrustPolicy } from '../../src/verify/authenticate.ts';
import { checkSignatureClaims } from '../../src/verify/claims.ts';
import { evidenceFromSignatureLayer } from '../../src/verify/evidence/from-signature-layer.ts';
import { sha256Digest } from '../../src/oci/digest.ts';
import { compileIdentityPolicy } from '../../src/verify/identity.ts';
import { parseTrustedRoot } from '../../src/sigstore/trusted-root.ts';
import { MOCK_ISSUER, MOCK_SUBJECT, startSigstoreMock, type SigstoreMock } from '../helpers/sigstore-mock.ts';

const DIGEST = `sha256:${'ab'.repeat(32)}`;

async function signLayer(mock: SigstoreMock, dispatcher: Agent): Promise<AttachmentLayer> {
  const setup = await setupKeylessSigning({
    dispatcher, fulcioUrl: mock.fulcioUrl, rekorUrl: mock.rekorUrl, identityToken: await mock.token(), env: {}, log: () => {},
  });
  const payload = buildSimpleSigningPayload({ dockerReference: '127.0.0.1:5000/app', digest: DIGEST });
  const signature = await setup.signer.sign(payload);
  const annotations = {
    [CosignAnnotation.Signature]: Buffer.from(signature).toString('base64'),
    ...setup.layerAnnotations,
    ...(await setup.witness!({ payload, signature })),
  };
  const descriptor = { mediaType: CosignMediaType.SimpleSigning, digest: sha256Digest(payload), size: payload.byteLength, annotations };
  return { ...descriptor, descriptor, raw: JSON.stringify(descriptor), annotations, payload } as unknown as AttachmentLayer;
}

function withAnnotations(layer: AttachmentLayer, changes: Record<string, string | undefined>): AttachmentLayer {
  const annotations = { ...layer.annotations };
  for (const [k, v] of Object.entries(changes)) {
    if (v === undefined) delete annotations[k];
    else annotations[k] = v;
  }
  return { ...layer, annotations };
}

function checkFor(mock: SigstoreMock, trustedRoot: Record<string, unknown> = mock.trustedRoot): TrustPolicy {
  return {
    keys: [],
    root: parseTrustedRoot(Buffer.from(JSON.stringify(trustedRoot))),
    identities: [compileIdentityPolicy({ subject: MOCK_SUBJECT, issuer: MOCK_ISSUER })],
    ignoreTlog: false,
    ignoreSct: false,
  };
}

/** One keyless `.sig` layer through the pipeline: evidence, authenticate, claims. */
async function verifyKeylessLayer(layer: AttachmentLayer, trust: TrustPolicy): Promise<{ ok: true } | { ok: false; reason: string; noCertificate: boolean }> {
  const e = evidenceFromSignatureLayer({ mediaType: layer.descriptor.mediaType, payload: layer.payload!, annotations: layer.annotations }, { kind: 'input', name: 'layer' });
  if (!e.ok) return { ok: false, reason: e.reason, noCertificate: false };
  const who = await authenticate(e.value, trust);
  if (!who.ok) return who;
  const claims = checkSignatureClaims(e.value, { digest: DIGEST, dockerReference: '127.0.0.1:5000/app' });
  return claims.ok ? { ok: true } : { ok: false, reason: claims.reason, noCertificate: false };
}

function reason(v: Awaited<ReturnType<typeof verifyKeylessLayer>>): string {
  assert.equal(v.ok, false, 'expected a failure');
  return v.ok ? '' : v.reason;
}

test('keyless layer reasons: SET moved, bundle of another signature, unknown root, no certificate', async (t) => {
  const mock = await startSigstoreMock();
  const other = await startSigstoreMock();
  const dispatcher = new Agent();
  t.after(async () => {
    await dispatcher.close();
    await mock.stop();
    await other.stop();
  });
  const a = await signLayer(mock, dispatcher);
  const b = await signLayer(mock, dispatcher);
  const check = checkFor(mock);
  const ok = await verifyKeylessLayer(a, check);
  assert.equal(ok.ok, true, ok.ok ? '' : ok.reason);

  // b's (valid) SET and entry on a's signature: the entry records another signature
  const foreign = withAnnotations(a, { [CosignAnnotation.Bundle]: b.annotations[CosignAnnotation.Bundle] });
  assert.match(reason(await verifyKeylessLayer(foreign, check)), /^transparency log entry: signature mismatch/);

  // a's SET over b's entry body: the SET no longer verifies
  const bundleA = JSON.parse(a.annotations[CosignAnnotation.Bundle]!);
  const bundleB = JSON.parse(b.annotations[CosignAnnotation.Bundle]!);
  const moved = { ...bundleA, Payload: { ...bundleA.Payload, body: bundleB.Payload.body } };
  assert.match(reason(await verifyKeylessLayer(withAnnotations(a, { [CosignAnnotation.Bundle]: JSON.stringify(moved) }), check)), /^transparency log entry: inclusion promise could not be verified/);

  // the right Rekor and CT keys, but another Fulcio root
  const otherCa = { ...mock.trustedRoot, certificateAuthorities: other.trustedRoot.certificateAuthorities };
  const unknownRoot = reason(await verifyKeylessLayer(a, checkFor(mock, otherCa)));
  assert.match(unknownRoot, /^certificate: Failed to verify certificate chain/);

  // another deployment's trust root altogether: the SET names an unknown log
  assert.match(reason(await verifyKeylessLayer(a, checkFor(other))), /^transparency log entry: unknown Rekor log [0-9a-f]{64}$/);

  const bare = await verifyKeylessLayer(withAnnotations(a, { [CosignAnnotation.Certificate]: undefined, [CosignAnnotation.Chain]: undefined }), check);
  assert.equal(bare.ok, false);
  assert.equal(!bare.ok && bare.noCertificate, true);
});

test('keyless layer reason: certificate expired at the entry integratedTime', async (t) => {
  const mock = await startSigstoreMock({ fulcioClock: new Date(Date.now() - 3600 * 1000) });
  const dispatcher = new Agent();
  t.after(async () => {
    await dispatcher.close();
    await mock.stop();
  });
  const layer = await signLayer(mock, dispatcher);
  const expired = reason(await verifyKeylessLayer(layer, checkFor(mock)));
  assert.match(expired, /^certificate: Failed to verify certificate chain: certificate is not valid or expired at the specified date/);
});
