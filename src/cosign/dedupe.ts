import type { Verifier } from '../sign/signer.ts';
import type { AttachmentLayer } from './attachments.ts';
import { decodeBase64Strict } from './base64.ts';
import type { NewAttachmentLayer } from './append.ts';
import { sha256Digest } from '../oci/digest.ts';
import { CosignAnnotation } from './media-types.ts';

/**
 * cosign's dedupe rule (`dd.Find`): an existing layer is the same signature when it has the same digest and
 * media type, the same annotations apart from the signature, and the new signer's key verifies the old
 * signature. So re-signing with one long-lived key is idempotent; keyless (new key each time) always appends.
 */
export function isCosignDuplicate(candidate: NewAttachmentLayer, verifier: Verifier): (existing: AttachmentLayer) => boolean {
  const digest = sha256Digest(candidate.payload);
  return (existing) => {
    if (existing.descriptor.digest !== digest || existing.descriptor.mediaType !== candidate.mediaType) return false;
    if (!sameExceptSignature(existing.annotations, candidate.annotations)) return false;
    const sig = existing.annotations[CosignAnnotation.Signature];
    const raw = sig ? decodeBase64Strict(sig) : undefined;
    if (!raw || raw.byteLength === 0) return false;
    try {
      return verifier.verify(candidate.payload, raw);
    } catch {
      return false;
    }
  };
}

function sameExceptSignature(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = (m: Record<string, string>) => Object.keys(m).filter((k) => k !== CosignAnnotation.Signature).sort();
  const ka = keys(a);
  const kb = keys(b);
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && a[k] === b[k]);
}
