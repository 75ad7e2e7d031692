// KeyVerifier against signatures made by real cosign / containers/image, from the shared interop fixtures.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { describe, it } from 'node:test';
import { KeyVerifier } from '../../src/sign/key-signer.ts';
import {
  HAVE_INTEROP,
  NO_INTEROP_REASON,
  SIGNATURE_ANNOTATION,
  interopCase,
  interopText,
  readDirSignature,
} from './fixtures.ts';

function verifierFor(pubPath: string): KeyVerifier {
  return KeyVerifier.fromPem(interopText(pubPath), pubPath);
}

/** Does any trusted key verify the signature annotation over the exact payload bytes of this layer? */
function layerVerifies(sigPath: string, keys: string[]): boolean {
  const sig = readDirSignature(sigPath);
  const signature = Buffer.from(sig.annotations[SIGNATURE_ANNOTATION]!.replace(/\n/g, ''), 'base64');
  return keys.some((k) => verifierFor(k).verify(sig.payload, signature));
}

describe('KeyVerifier on real cosign signatures (cases.json key-based cases, crypto part)', () => {
  const signatureCases: string[] = [
    'ci-key-valid',
    'ci-key-valid-either-of-two-keys',
    'ci-key-wrong-key',
    'ci-two-valid-signatures',
    'ci-unknown-key',
    'ci-valid-with-tag',
    'ci-key-rekor-valid',
  ];
  for (const name of signatureCases) {
    it(name, (t) => {
      if (!HAVE_INTEROP) return t.skip(NO_INTEROP_REASON);
      const c = interopCase(name);
      const sigFiles = c.files.filter((f) => /signature(-\d+)?$/.test(f));
      assert.ok(sigFiles.length > 0);
      const results = sigFiles.map((f) => layerVerifies(f, c.trust.publicKeys!));
      // These cases' outcome is decided by the signature check alone (every payload names the right digest).
      assert.equal(results.some(Boolean), c.expected === 'valid', c.reason);
    });
  }

  it('ci-mixed-one-invalid-one-valid: per-signature outcomes', (t) => {
    if (!HAVE_INTEROP) return t.skip(NO_INTEROP_REASON);
    const c = interopCase('ci-mixed-one-invalid-one-valid');
    for (const [sigName, expected] of Object.entries(c.perSignature!)) {
      const file = c.files.find((f) => f.endsWith(`/${sigName}`))!;
      assert.equal(layerVerifies(file, c.trust.publicKeys!), expected === 'valid', `${sigName}`);
    }
  });

  it('rs-key-layer: a 2021 cosign .sig layer (payload + signature annotation)', (t) => {
    if (!HAVE_INTEROP) return t.skip(NO_INTEROP_REASON);
    const c = interopCase('rs-key-layer');
    const payload = Buffer.from(interopText(c.files[0]!), 'utf8');
    const signature = Buffer.from(interopText(c.files[1]!).trim(), 'base64');
    assert.equal(verifierFor(c.trust.publicKeys![0]!).verify(payload, signature), true);
    assert.equal(verifierFor('containers-image/signature/fixtures/cosign.pub').verify(payload, signature), false);
  });

  it('ci-raw-blob-signatures: cosign.pub signatures over raw bytes', (t) => {
    if (!HAVE_INTEROP) return t.skip(NO_INTEROP_REASON);
    const c = interopCase('ci-raw-blob-signatures');
    const doc = JSON.parse(interopText(c.files[0]!)) as { vectors: { payload_utf8: string; signature_b64: string }[] };
    const verifier = verifierFor(c.trust.publicKeys![0]!);
    assert.ok(doc.vectors.length >= 2);
    for (const v of doc.vectors) {
      assert.equal(verifier.verify(Buffer.from(v.payload_utf8), Buffer.from(v.signature_b64, 'base64')), true, v.payload_utf8);
      assert.equal(verifier.verify(Buffer.from(`${v.payload_utf8} `), Buffer.from(v.signature_b64, 'base64')), false);
    }
  });

  it('cosign-dsse-blob-attestation-valid: DSSE PAE signature by cosign attest-blob', (t) => {
    if (!HAVE_INTEROP) return t.skip(NO_INTEROP_REASON);
    const c = interopCase('cosign-dsse-blob-attestation-valid');
    const env = JSON.parse(interopText(c.files[0]!)) as { payloadType: string; payload: string; signatures: { sig: string }[] };
    const body = Buffer.from(env.payload, 'base64');
    const type = Buffer.from(env.payloadType);
    const pae = Buffer.concat([Buffer.from(`DSSEv1 ${type.length} `), type, Buffer.from(` ${body.length} `), body]);
    assert.equal(verifierFor(c.trust.publicKeys![0]!).verify(pae, Buffer.from(env.signatures[0]!.sig, 'base64')), true);
  });

  it('BYO-PKI RSA-4096 signature (base64 with line breaks) verifies with the leaf certificate key', (t) => {
    if (!HAVE_INTEROP) return t.skip(NO_INTEROP_REASON);
    const sig = readDirSignature('containers-image/signature/fixtures/dir-img-cosign-pki-valid/signature-1');
    assert.match(sig.annotations[SIGNATURE_ANNOTATION]!, /\n/);
    const cert = new X509Certificate(sig.annotations['dev.sigstore.cosign/certificate']!);
    const verifier = new KeyVerifier(cert.publicKey);
    assert.deepEqual(verifier.info, { algorithm: 'rsa', bits: 4096 });
    const signature = Buffer.from(sig.annotations[SIGNATURE_ANNOTATION]!.replace(/\n/g, ''), 'base64');
    assert.equal(verifier.verify(sig.payload, signature), true);
  });
});
