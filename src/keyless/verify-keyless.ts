import type { AttachmentLayer } from '../cosign/attachments.ts';
import { decodeBase64Strict } from '../cosign/base64.ts';
import { CosignAnnotation, CosignMediaType } from '../cosign/media-types.ts';
import { allSans } from '../sigstore/certificate-identity.ts';
import type { CompiledIdentityPolicy } from '../sigstore/identity.ts';
import type { TrustedRoot } from '../sigstore/trusted-root.ts';
import { verifySignatureLayer } from '../sigstore/verify-layer.ts';
import { checkClaims, parseSimpleSigningClaims, type SimpleSigningClaims } from '../verify/simple-signing-claims.ts';

/** What a keyless (certificate) signature must satisfy. */
export interface KeylessCheck {
  /** The image digest the payload must name. */
  digest: string;
  root: TrustedRoot;
  identities: CompiledIdentityPolicy[];
  annotations?: Readonly<Record<string, string>>;
  dockerReference?: string;
  ignoreTlog?: boolean;
  ignoreSct?: boolean;
}

/** Who signed, as cosign prints it (`optional.Subject`, `optional.Issuer`). */
export interface CertificateSigner {
  subject: string;
  issuer?: string;
}

export type KeylessVerdict =
  | { ok: true; claims: SimpleSigningClaims; payload: Uint8Array; signer: CertificateSigner }
  | { ok: false; reason: string; noCertificate: boolean };

/**
 * One `.sig` layer, keyless: signature by the certificate's key, SET and Rekor body, chain to a Fulcio
 * root at integratedTime, SCT, identity policy, then the payload's claims. A failure is a reason.
 */
export function verifyKeylessLayer(layer: AttachmentLayer, check: KeylessCheck): KeylessVerdict {
  if (layer.descriptor.mediaType !== CosignMediaType.SimpleSigning) {
    return fail(`layer media type ${layer.descriptor.mediaType} is not a simple-signing signature`);
  }
  if (!layer.payload) return fail('payload was not read');
  const b64 = layer.annotations[CosignAnnotation.Signature];
  const signature = b64 ? decodeBase64Strict(b64) : undefined;
  if (!signature) return fail(b64 ? 'signature annotation is not valid base64' : `no ${CosignAnnotation.Signature} annotation`);
  const verified = verifySignatureLayer(
    { payload: layer.payload, signature, annotations: layer.annotations, mediaType: layer.descriptor.mediaType },
    check.root,
    { identities: check.identities, ignoreTlog: check.ignoreTlog, ignoreSct: check.ignoreSct },
  );
  if (!verified.ok) return { ok: false, reason: verified.reason, noCertificate: verified.code === 'NO_CERTIFICATE' };
  const claims = parseSimpleSigningClaims(layer.payload);
  if (typeof claims === 'string') return fail(claims);
  const claimFailure = checkClaims(claims, check);
  if (claimFailure) return fail(claimFailure);
  const identity = verified.signer.identity;
  const subject = identity ? (allSans(identity.sans)[0] ?? '') : '';
  return { ok: true, claims, payload: layer.payload, signer: { subject, ...(identity?.issuer ? { issuer: identity.issuer } : {}) } };
}

function fail(reason: string): KeylessVerdict {
  return { ok: false, reason, noCertificate: false };
}
