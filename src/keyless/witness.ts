import type { KeyObject } from 'node:crypto';
import type { Dispatcher } from 'undici';
import { CosignAnnotation } from '../cosign/media-types.ts';
import { formatRekorBundle, logEnvelope, logSignature } from './rekor-client.ts';
import { formatTimestampAnnotation, requestTimestamp } from './tsa-client.ts';

/**
 * What a witness sees of one signature about to be stored: for a `.sig` the simple-signing payload and its
 * signature; for an attestation the DSSE envelope bytes (as stored in the `.att` layer) and the envelope's
 * signature.
 */
export interface SignedPayload {
  payload: Uint8Array;
  signature: Uint8Array;
}

/** `hashedrekord` for `.sig` signatures, `dsse` for attestations (cosign 2's defaults). */
export type EntryKind = 'hashedrekord' | 'dsse';

/**
 * Records a signature (transparency log, timestamp authority) and returns the annotations that prove it.
 * It throws when a witness that was asked for fails, so that nothing is stored without its claims.
 */
export type SignatureWitness = (signed: SignedPayload) => Promise<Record<string, string>>;

export interface WitnessOptions {
  dispatcher: Dispatcher;
  /** Upload a hashedrekord to this Rekor (`--tlog-upload`), adding `dev.sigstore.cosign/bundle`. */
  rekorUrl?: string;
  /** Ask this TSA (`--timestamp-server-url`), adding `dev.sigstore.cosign/rfc3161timestamp`. */
  tsaUrl?: string;
  /** Who verifies the signature: the certificate (keyless) or the public key (key-based). */
  verifier: { pem: string; der: Uint8Array };
  /** Default hashedrekord. */
  kind?: EntryKind;
}

/** The verifier of a key-based signature as Rekor records it: the SPKI PEM (and its DER). */
export function publicKeyVerifier(key: KeyObject): { pem: string; der: Uint8Array } {
  return { pem: key.export({ format: 'pem', type: 'spki' }).toString(), der: key.export({ format: 'der', type: 'spki' }) };
}

/**
 * A witness for the configured services; the TSA is asked first (its answer does not depend on Rekor).
 * As cosign 2.5 with its legacy annotations: a signature's timestamp is over the raw signature, an
 * attestation's over the whole envelope.
 */
export function createWitness(options: WitnessOptions): SignatureWitness {
  const dsse = options.kind === 'dsse';
  return async (signed) => {
    const out: Record<string, string> = {};
    if (options.tsaUrl) {
      const der = await requestTimestamp({ tsaUrl: options.tsaUrl, dispatcher: options.dispatcher, signature: dsse ? signed.payload : signed.signature });
      out[CosignAnnotation.Rfc3161Timestamp] = formatTimestampAnnotation(der);
    }
    if (options.rekorUrl) {
      const target = { rekorUrl: options.rekorUrl, dispatcher: options.dispatcher };
      const verifier = { verifierPem: options.verifier.pem, verifierDer: options.verifier.der };
      const bundle = dsse
        ? await logEnvelope(target, { envelope: signed.payload, signature: signed.signature, ...verifier })
        : await logSignature(target, { payload: signed.payload, signature: signed.signature, ...verifier });
      out[CosignAnnotation.Bundle] = formatRekorBundle(bundle);
    }
    return out;
  };
}
