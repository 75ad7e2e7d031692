/**
 * A message signature checked against the artifact's digest alone (cosign `sign-blob --bundle` output names
 * the blob only by its SHA-256): ECDSA over the prehashed value, RSA PKCS#1 v1.5 by its DigestInfo. Node's
 * crypto has no prehashed ECDSA, so @noble/curves does that part; it is loaded only on this rare path (its
 * import costs ~50 ms).
 */
import { constants, publicDecrypt, timingSafeEqual, type KeyObject } from 'node:crypto';
import { createRequire } from 'node:module';

const SHA256_DIGEST_INFO = Buffer.from('3031300d060960864801650304020105000420', 'hex');

type Curves = typeof import('@noble/curves/nist.js');

export function verifyOverSha256Digest(key: KeyObject, digest: Uint8Array, signature: Uint8Array): boolean {
  if (digest.byteLength !== 32) return false;
  try {
    if (key.asymmetricKeyType === 'rsa') return verifyRsa(key, digest, signature);
    if (key.asymmetricKeyType === 'ec') return verifyEcdsa(key, digest, signature);
  } catch {
    return false;
  }
  return false; // Ed25519 signs the message itself, never a digest
}

function verifyRsa(key: KeyObject, digest: Uint8Array, signature: Uint8Array): boolean {
  const decoded = publicDecrypt({ key, padding: constants.RSA_PKCS1_PADDING }, signature);
  const expected = Buffer.concat([SHA256_DIGEST_INFO, digest]);
  return decoded.length === expected.length && timingSafeEqual(decoded, expected);
}

function verifyEcdsa(key: KeyObject, digest: Uint8Array, signature: Uint8Array): boolean {
  const jwk = key.export({ format: 'jwk' });
  const curves = createRequire(import.meta.url)('@noble/curves/nist.js') as Curves;
  const curve = jwk.crv === 'P-256' ? curves.p256 : jwk.crv === 'P-384' ? curves.p384 : jwk.crv === 'P-521' ? curves.p521 : undefined;
  if (!curve || !jwk.x || !jwk.y) return false;
  const point = Buffer.concat([Buffer.of(4), Buffer.from(jwk.x, 'base64url'), Buffer.from(jwk.y, 'base64url')]);
  return curve.verify(signature, digest, point, { prehash: false, format: 'der', lowS: false });
}
