// The key-file cases of ../shared/fixtures/interop/cases.json (the `keyFile` suite of
// test/helpers/interop-cases.ts): encrypted private keys written by real cosign / sigstore-rs, loaded with
// the case's password. Plus KeyVerifier on the one real RSA signature (base64 with line breaks).
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { test } from 'node:test';
import { parseDirSignature } from '../../src/cosign/dir-signature.ts';
import { CosignAnnotation } from '../../src/cosign/media-types.ts';
import { isOcisignError } from '../../src/core/errors.ts';
import { decryptPrivateKey } from '../../src/sign/encrypted-key.ts';
import { KeyVerifier } from '../../src/sign/key-signer.ts';
import { describeKey, loadPrivateKey, publicKeyFingerprint } from '../../src/sign/keys.ts';
import { ABSENT_REASON, casesOf, INTEROP_PRESENT, interopBytes, interopText, ranLine, type InteropCase } from '../helpers/interop-cases.ts';

/** sha256 of the SPKI DER of each valid key's public key (derived by the fixture authors; see their README). */
const FINGERPRINTS: Record<string, string> = {
  'cosign-key-import-sigstore-label': 'f1057bf3c114d5486f0bdb3c702596d6154158248980d4be49f6c61fdc62c591',
  'cosign-key-import-cosign-label': 'a6659c08b9909880c6e4bc51cab6fd7265673f67d614c20ba59a18957feb700d',
  'rs-key-import-cosign-generated-empty-password': '0d8cd6794def5c5e3b42f37bf6ee29bb252ce269771cf3c0785d92fca7be586f',
  'rs-key-import-ecdsa': '00208863d9785226df9ad68ceb2ad5b43f1f5ddd686147f25116ee088726eb6d',
  'rs-key-import-rsa': 'b961297d54cedcba1a87fd46f0d5e37046da3cb5a8aee72c72406ce0d42008d1',
};

/** Why each invalid key file must be refused (the message of the BAD_INPUT error). */
const WHY_INVALID: Record<string, RegExp> = {
  'cosign-key-import-wrong-password': /wrong password/,
  // decrypts (N=65536), but the plaintext is a SEC1 key, which cosign refuses too
  'cosign-key-import-sec1-rejected': /decrypted key is not a PKCS#8 private key/,
};

async function checkKeyFile(c: InteropCase): Promise<void> {
  const file = c.files[0]!;
  const text = interopText(file);
  const password = c.trust.password!;
  if (c.expected === 'valid') {
    const key = await loadPrivateKey(text, password, file);
    assert.equal(publicKeyFingerprint(key), FINGERPRINTS[c.name], 'public key fingerprint');
    assert.ok(['ecdsa-p256', 'rsa'].includes(describeKey(key, c.name).algorithm));
    return;
  }
  const why = WHY_INVALID[c.name];
  assert.ok(why, `${c.name}: an invalid key case with no expected reason here`);
  if (c.name === 'cosign-key-import-sec1-rejected') assert.ok((await decryptPrivateKey(text, password, file)).length > 0, 'decrypts');
  await assert.rejects(loadPrivateKey(text, password, file), (err: unknown) => isOcisignError(err, 'BAD_INPUT') && why.test((err as Error).message));
}

const cases = casesOf('keyFile');

if (!INTEROP_PRESENT) {
  test('interop key-file cases', (t) => t.skip(ABSENT_REASON));
} else {
  test('interop key-file cases', async (t) => {
    assert.ok(cases.length > 0, 'cases.json has key-file cases');
    let ran = 0;
    for (const c of cases) {
      await t.test(`${c.name} → ${c.expected}`, () => checkKeyFile(c));
      ran += 1;
    }
    t.diagnostic(ranLine('keyFile', ran));
  });

  test('KeyVerifier: the BYO-PKI RSA-4096 signature (base64 with line breaks) verifies with its leaf key', () => {
    const path = 'containers-image/signature/fixtures/dir-img-cosign-pki-valid/signature-1';
    const sig = parseDirSignature(interopBytes(path), path);
    assert.ok(sig);
    const b64 = sig.annotations[CosignAnnotation.Signature]!;
    assert.match(b64, /\n/);
    const verifier = new KeyVerifier(new X509Certificate(sig.annotations[CosignAnnotation.Certificate]!).publicKey);
    assert.deepEqual(verifier.info, { algorithm: 'rsa', bits: 4096 });
    assert.equal(verifier.verify(sig.payload, Buffer.from(b64.replace(/\n/g, ''), 'base64')), true);
    assert.equal(verifier.verify(Buffer.concat([sig.payload, Buffer.from(' ')]), Buffer.from(b64.replace(/\n/g, ''), 'base64')), false);
  });
}
