/**
 * The transparency-log rule for key-signed attestations that carry a `dev.sigstore.cosign/bundle`: the SET
 * verifies with the Rekor key chosen by `logID` in the trusted root, and the entry records this envelope
 * (dsse: envelopeHash = sha256 of the `.att` layer bytes; intoto: payloadHash = sha256 of the statement),
 * its signature, and a key that verifies it (its SPKI, or the layer's certificate when it holds that key).
 */
import { CosignAnnotation } from '../cosign/media-types.ts';
import type { Verifier } from '../sign/signer.ts';
import { parseRekorBundle, verifyRekorBundle } from '../sigstore/rekor-bundle.ts';
import { rekorVerifierDers } from '../sigstore/rekor-verifiers.ts';
import type { TrustedRoot } from '../sigstore/trusted-root.ts';
import type { AttestationTlogCheck } from './verify-layer.ts';

const NO_BUNDLE = 'attestation has no transparency log entry (dev.sigstore.cosign/bundle); pass --insecure-ignore-tlog to accept it';

export function attestationBundleCheck(root: TrustedRoot, verifiers: readonly Verifier[]): AttestationTlogCheck {
  return (input) => {
    const text = input.annotations[CosignAnnotation.Bundle];
    if (text === undefined || text.trim() === '') return NO_BUNDLE;
    const bundle = parseRekorBundle(text);
    if (!bundle.ok) return `transparency log entry: ${bundle.reason}`;
    let reason = 'no public key verifies the envelope';
    for (const der of rekorVerifierDers(input.pae, input.signature, input.annotations[CosignAnnotation.Certificate], verifiers)) {
      const r = verifyRekorBundle(bundle.value, root.tlogs, { payload: input.payload, signature: input.signature, verifierDer: der, dssePayload: input.dssePayload });
      if (r.ok) return undefined;
      reason = r.reason;
    }
    return `transparency log entry: ${reason}`;
  };
}


