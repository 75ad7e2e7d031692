import { CosignAnnotation } from '../cosign/media-types.ts';
import type { Verifier } from '../sign/signer.ts';
import { parseRekorBundle, verifyRekorBundle } from '../sigstore/rekor-bundle.ts';
import { rekorVerifierDers } from '../sigstore/rekor-verifiers.ts';
import type { TrustedRoot } from '../sigstore/trusted-root.ts';
import type { TlogCheck } from './tlog-check.ts';

const NO_BUNDLE = 'signature has no transparency log entry (dev.sigstore.cosign/bundle); pass --insecure-ignore-tlog to accept it';

/**
 * Key-based signatures with a `dev.sigstore.cosign/bundle`: the SET verifies with the Rekor key chosen by
 * `logID` in `root`, and the entry body records this signature, payload and one of the keys that verify
 * it (its SPKI, or the layer's certificate when it holds that key). No bundle is a reason, as in cosign
 * offline (cosign online would look the entry up in Rekor; ocisign does not).
 */
export function rekorBundleCheck(root: TrustedRoot, verifiers: readonly Verifier[]): TlogCheck {
  return (layer) => {
    const text = layer.annotations[CosignAnnotation.Bundle];
    if (text === undefined || text.trim() === '') return NO_BUNDLE;
    const bundle = parseRekorBundle(text);
    if (!bundle.ok) return `transparency log entry: ${bundle.reason}`;
    const ders = rekorVerifierDers(layer.payload, layer.signature, layer.annotations[CosignAnnotation.Certificate], verifiers);
    let reason = 'no public key verifies the signature';
    for (const der of ders) {
      const r = verifyRekorBundle(bundle.value, root.tlogs, { payload: layer.payload, signature: layer.signature, verifierDer: der });
      if (r.ok) return undefined;
      reason = r.reason;
    }
    return `transparency log entry: ${reason}`;
  };
}

