import { X509Certificate } from 'node:crypto';
import type { Verifier } from '../sign/signer.ts';

/**
 * What Rekor may have recorded as the verifier of a signature over `signed`: the SPKI of each trusted key that
 * verifies it, and the certificate (from the layer's certificate annotation) when it holds one of those keys.
 */
export function rekorVerifierDers(
  signed: Uint8Array,
  signature: Uint8Array,
  certificatePem: string | undefined,
  verifiers: readonly Verifier[],
): Uint8Array[] {
  const keys = verifiers.filter((v) => safeVerify(v, signed, signature)).map((v) => v.publicKey);
  const ders: Uint8Array[] = keys.map((k) => k.export({ format: 'der', type: 'spki' }));
  if (certificatePem) {
    try {
      const cert = new X509Certificate(certificatePem);
      if (keys.some((k) => cert.publicKey.equals(k))) ders.push(cert.raw);
    } catch {
      // a malformed certificate annotation cannot be what Rekor recorded
    }
  }
  return ders;
}

function safeVerify(v: Verifier, data: Uint8Array, signature: Uint8Array): boolean {
  try {
    return v.verify(data, signature);
  } catch {
    return false;
  }
}
