import { verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { dsse } from '@sigstore/core';
import { fail, pass, type Check } from './check.ts';
import { decodeBase64 } from './pem.ts';

/** A DSSE envelope as cosign stores it in an `.att` layer. */
export interface DsseEnvelope {
  payloadType: string;
  payload: Buffer;
  signatures: { keyid: string; sig: Buffer }[];
}

export function parseDsseEnvelope(bytes: Uint8Array): Check<DsseEnvelope> {
  let raw: { payloadType?: unknown; payload?: unknown; signatures?: unknown };
  try {
    raw = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    return fail('attestation layer is not a JSON DSSE envelope');
  }
  const payload = typeof raw?.payload === 'string' ? decodeBase64(raw.payload) : undefined;
  if (typeof raw?.payloadType !== 'string' || !payload) return fail('DSSE envelope has no payloadType or payload');
  const sigs = Array.isArray(raw.signatures) ? raw.signatures : [];
  const signatures = sigs.flatMap((s: { keyid?: unknown; sig?: unknown }) => {
    const sig = typeof s?.sig === 'string' ? decodeBase64(s.sig) : undefined;
    return sig && sig.length > 0 ? [{ keyid: typeof s.keyid === 'string' ? s.keyid : '', sig }] : [];
  });
  if (signatures.length === 0) return fail('DSSE envelope has no signature');
  return pass({ payloadType: raw.payloadType, payload, signatures });
}

/** The first envelope signature that verifies over PAE(payloadType, payload) with `key`. */
export function verifyDsseSignature(envelope: DsseEnvelope, key: KeyObject): Check<Buffer> {
  const pae = dsse.preAuthEncoding(envelope.payloadType, envelope.payload);
  const alg = key.asymmetricKeyType === 'ed25519' ? null : 'sha256';
  for (const { sig } of envelope.signatures) {
    try {
      if (cryptoVerify(alg, pae, key, sig)) return pass(sig);
    } catch {
      // try the next signature
    }
  }
  return fail('DSSE envelope signature does not verify with the key');
}
