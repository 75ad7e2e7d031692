// The key-based image-signature cases of ../shared/fixtures/interop/cases.json (the `keyImage` suite of
// test/helpers/interop-cases.ts), run through `verifyImage` (src/ops) on an OCI layout holding the case's
// real manifest bytes and its real signature layers, with the trust the case names: public keys, plus a
// trusted root built from the Rekor key file when the case requires a transparency-log entry (cosign
// without --insecure-ignore-tlog). Only cases that ship no manifest bytes (sigstore-rs extracted layers,
// raw sign-blob vectors) are checked one layer at a time, with the same TlogCheck the ops would choose.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { test } from 'node:test';
import { appendAttachment } from '../../src/cosign/append.ts';
import { parseDirSignature, type DirSignature } from '../../src/cosign/dir-signature.ts';
import { CosignAnnotation, CosignMediaType } from '../../src/cosign/media-types.ts';
import { isOcisignError, type ErrorCode } from '../../src/core/errors.ts';
import { sha256Digest } from '../../src/oci/digest.ts';
import { createLayoutRepository } from '../../src/oci/layout/layout-repository.ts';
import { verifyImage, type VerifyOptions } from '../../src/ops/verify.ts';
import { KeyVerifier } from '../../src/sign/key-signer.ts';
import { buildTrustedRoot, type TrustedRoot } from '../../src/sigstore/trusted-root.ts';
import { authenticate, type TrustPolicy } from '../../src/verify/authenticate.ts';
import { checkSignatureClaims } from '../../src/verify/claims.ts';
import { evidenceFromSignatureLayer } from '../../src/verify/evidence/from-signature-layer.ts';
import { parseSimpleSigningClaims } from '../../src/verify/simple-signing-claims.ts';
import { ABSENT_REASON, casesOf, INTEROP_PRESENT, interopBytes, interopText, ranLine, type InteropCase } from '../helpers/interop-cases.ts';

interface Outcome {
  valid: boolean;
  /** Each signature file's verdict ('ok' or the reason), when known. */
  perFile: Map<string, string>;
  reason: string;
}

/** Verification failures of the image (cosign exits 10–13, or refused input): an `invalid` outcome. */
const INVALID_CODES: ErrorCode[] = ['NO_SIGNATURES', 'NOT_FOUND', 'NO_MATCHING_SIGNATURE', 'NO_CERTIFICATE', 'BAD_INPUT'];
const BUNDLE = CosignAnnotation.Bundle;

const verifiersOf = (c: InteropCase) => (c.trust.publicKeys ?? []).map((p) => KeyVerifier.fromPem(interopText(p), p));
const rekorRootOf = (c: InteropCase): TrustedRoot | undefined =>
  c.trust.rekorPublicKeys ? buildTrustedRoot({ rekorKeys: c.trust.rekorPublicKeys.map(interopText) }) : undefined;

/** The case's signature layers by file name (GPG signatures are not sigstore layers and are left out). */
function signatureLayers(c: InteropCase): { file: string; layer: DirSignature }[] {
  const found = c.files.filter((f) => /signature-\d+$|\.signature$/.test(f)).flatMap((f) => {
    const layer = parseDirSignature(interopBytes(f), f);
    return layer ? [{ file: basename(f), layer }] : [];
  });
  return applyMutation(c, found);
}

/** The in-memory edit a MUTATION case describes, as the upstream test does it. */
function applyMutation(c: InteropCase, layers: { file: string; layer: DirSignature }[]): { file: string; layer: DirSignature }[] {
  if (c.mutation === undefined) return layers;
  if (c.mutation === `remove ${BUNDLE}`) {
    for (const { layer } of layers) delete layer.annotations[BUNDLE];
    return layers;
  }
  if (c.mutation.startsWith(`copy ${BUNDLE} from`)) {
    const [target, donor] = layers;
    assert.ok(target && donor?.layer.annotations[BUNDLE], `${c.name}: a target and a donor signature`);
    target.layer.annotations[BUNDLE] = donor.layer.annotations[BUNDLE];
    return [target];
  }
  throw new Error(`${c.name}: unknown mutation ${JSON.stringify(c.mutation)}`);
}

/** A case with a containers/image `dir:` image: its manifest and `.sig` layers in a layout, then `verifyImage`. */
async function verifyThroughOps(c: InteropCase): Promise<Outcome> {
  const dir = await mkdtemp(join(tmpdir(), 'ocisign-interop-'));
  try {
    const repo = createLayoutRepository({ kind: 'layout', path: dir });
    const sigs = signatureLayers(c);
    const manifest = c.files.find((f) => f.endsWith('/manifest.json'));
    let digest: string;
    if (manifest) {
      const bytes = interopBytes(manifest);
      digest = sha256Digest(bytes);
      await repo.putBlob({ digest, size: bytes.byteLength }, bytes); // found by digest, as `verify IMAGE@sha256:…`
    } else {
      digest = payloadDigest(sigs[0]!.layer.payload); // no image: the signatures sit where they point
    }
    for (const { layer } of sigs) {
      await appendAttachment(repo, digest, { payload: layer.payload, mediaType: layer.mediaType, annotations: layer.annotations }, { kind: 'signature' });
    }
    const root = rekorRootOf(c);
    const options: VerifyOptions = {
      verifiers: verifiersOf(c),
      ignoreTlog: root === undefined, // no Rekor key in the case's trust: cosign --insecure-ignore-tlog
      ...(root ? { trustedRoot: async () => root } : {}),
      checkDockerReference: c.trust.expectedReference !== undefined,
    };
    const target = { image: repo, ref: digest, name: `${c.name}@${digest}`, dockerReference: c.trust.expectedReference ?? '' };
    try {
      const image = await verifyImage(target, options);
      const perFile = new Map(sigs.map((s) => [s.file, 'ok']));
      for (const r of image.rejected) perFile.set(sigs[r.index]!.file, r.reason);
      return { valid: true, perFile, reason: 'ok' };
    } catch (err) {
      if (!INVALID_CODES.some((code) => isOcisignError(err, code))) throw err;
      const e = err as Error & { details: string[] };
      return { valid: false, perFile: new Map(), reason: [e.message, ...e.details].join('; ') };
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The image digest a simple-signing payload names. */
function payloadDigest(payload: Uint8Array): string {
  const claims = parseSimpleSigningClaims(payload);
  assert.ok(typeof claims !== 'string', `payload: ${claims as string}`);
  return claims.digest;
}

/** One `.sig` layer through the pipeline with the trust `verifyImage` would use (no image: its own digest). */
async function verifyLayer(layer: { mediaType: string; payload: Uint8Array; annotations: Record<string, string> }, c: InteropCase, digest: string): Promise<string> {
  const e = evidenceFromSignatureLayer(layer, { kind: 'input', name: c.name });
  if (!e.ok) return e.reason;
  const root = rekorRootOf(c);
  const trust: TrustPolicy = { keys: verifiersOf(c), identities: [], ignoreTlog: root === undefined, ignoreSct: false, ...(root ? { root } : {}) };
  const who = await authenticate(e.value, trust);
  if (!who.ok) return who.reason;
  const claims = checkSignatureClaims(e.value, { digest, dockerReference: '' });
  return claims.ok ? 'ok' : claims.reason;
}

/** sigstore-rs extracted `.sig` layer parts (payload, signature, optional Rekor bundle): no manifest bytes ship. */
async function verifyExtractedLayer(c: InteropCase): Promise<Outcome> {
  const file = (suffix: string) => c.files.find((f) => f.endsWith(suffix));
  const payloadFile = file('.payload.json')!;
  const annotations: Record<string, string> = { [CosignAnnotation.Signature]: interopText(file('.signature.b64')!).trim() };
  const bundle = c.files.find((f) => /rekor-bundle[^/]*\.json$/.test(f));
  if (bundle) annotations[BUNDLE] = interopText(bundle);
  const layer = { mediaType: CosignMediaType.SimpleSigning, payload: interopBytes(payloadFile), annotations };
  const reason = await verifyLayer(layer, c, c.manifestDigest ?? payloadDigest(layer.payload));
  return { valid: reason === 'ok', perFile: new Map([[basename(payloadFile), reason]]), reason };
}

/** Valid ECDSA signatures over "&" and "{}": the crypto verifies (the case's `valid`), but no image accepts them. */
async function rawBlobVectors(c: InteropCase): Promise<Outcome> {
  const doc = JSON.parse(interopText(c.files[0]!)) as { vectors: { payload_utf8: string; signature_b64: string }[] };
  const verifiers = verifiersOf(c);
  assert.ok(doc.vectors.length >= 2);
  const failures: string[] = [];
  for (const v of doc.vectors) {
    const payload = new TextEncoder().encode(v.payload_utf8);
    if (!verifiers[0]!.verify(payload, Buffer.from(v.signature_b64, 'base64'))) failures.push(`crypto of ${v.payload_utf8}`);
    if (verifiers[0]!.verify(new TextEncoder().encode(`${v.payload_utf8} `), Buffer.from(v.signature_b64, 'base64'))) failures.push(`${v.payload_utf8} + space verified`);
    const asImage = await verifyLayer({ mediaType: CosignMediaType.SimpleSigning, payload, annotations: { [CosignAnnotation.Signature]: v.signature_b64 } }, { ...c, trust: { ...c.trust, rekorPublicKeys: undefined } }, `sha256:${'0'.repeat(64)}`);
    if (asImage === 'ok') failures.push(`${v.payload_utf8} passed as an image signature`);
  }
  return { valid: failures.length === 0, perFile: new Map(), reason: failures.join('; ') || 'ok' };
}

/** Why each invalid case must fail: an invalid verdict for another reason would hide a bug. */
const WHY_INVALID: Record<string, RegExp> = {
  'ci-key-wrong-key': /signature does not verify with the public key/,
  'ci-key-wrong-repository-policy': /docker-reference .* is not "testing\/manifest:notlatest"/,
  'ci-unknown-key': /signature does not verify with the public key/,
  'ci-modified-manifest': /payload signs sha256:634a8f35\S+, not the image digest sha256:d9dcafdb/,
  'ci-manifest-digest-error': /payload signs sha256:634a8f35\S+, not the image digest/,
  'ci-no-manifest': /image not found/,
  'ci-other-attachment-not-a-signature': /layer media type text\/plain is not a simple-signing signature/,
  'ci-unsigned': /no signatures found/,
  'ci-only-gpg-simple-signing': /no signatures found/,
  'ci-valid-with-tag-wrong-tag-policy': /docker-reference .*:tag" is not .*:othertag"/,
  'ci-key-rekor-wrong-rekor-key': /transparency log entry: unknown Rekor log c0d23d6a/,
  'ci-key-rekor-missing-set': /no transparency log entry/,
  'ci-key-rekor-set-transplant': /transparency log entry: signature mismatch/,
  'rs-key-layer-with-foreign-rekor-bundle': /transparency log entry: rekor entry is for another signature/,
};

function run(c: InteropCase): Promise<Outcome> | Outcome {
  if (c.files.some((f) => f.endsWith('raw-signatures.json'))) return rawBlobVectors(c);
  if (c.files.some((f) => f.endsWith('.payload.json'))) return verifyExtractedLayer(c);
  return verifyThroughOps(c);
}

const cases = casesOf('keyImage');

if (!INTEROP_PRESENT) {
  test('interop key-based image cases', (t) => t.skip(ABSENT_REASON));
} else {
  test('interop key-based image cases', async (t) => {
    assert.ok(cases.length > 0, 'cases.json has key-based image cases');
    let ran = 0;
    for (const c of cases) {
      await t.test(`${c.name} → ${c.expected}`, async () => {
        const outcome = await run(c);
        assert.equal(outcome.valid ? 'valid' : 'invalid', c.expected, `${c.reason} — got: ${outcome.reason}`);
        if (c.expected === 'invalid') assert.match(outcome.reason, WHY_INVALID[c.name] ?? /(?!)/, `${c.name} must fail for its own reason`);
        for (const [file, want] of Object.entries(c.perSignature ?? {})) {
          const got = outcome.perFile.get(file);
          assert.equal(got === 'ok' ? 'valid' : 'invalid', want, `${file}: ${got}`);
        }
      });
      ran += 1;
    }
    t.diagnostic(ranLine('keyImage', ran));
  });
}
