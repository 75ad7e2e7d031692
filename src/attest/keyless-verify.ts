/**
 * Keyless attestations: the `.att` layer's certificate (chain to a Fulcio root of the trusted root, SCT,
 * identity policy, valid at the Rekor entry's integratedTime) and its Rekor bundle (SET, and a dsse or
 * intoto entry recording this envelope, its signature and the certificate). The envelope signature over
 * PAE is checked with the certificate's key. A failure is a reason; `noCertificate` when there is none.
 */
import { allSans } from '../sigstore/certificate-identity.ts';
import type { CompiledIdentityPolicy } from '../sigstore/identity.ts';
import type { TrustedRoot } from '../sigstore/trusted-root.ts';
import { verifySignatureLayer } from '../sigstore/verify-layer.ts';

export interface KeylessAttestationCheck {
  root: TrustedRoot;
  identities: CompiledIdentityPolicy[];
  ignoreTlog?: boolean;
  ignoreSct?: boolean;
}

/** Who signed, as cosign prints it. */
export interface AttestationSigner {
  subject: string;
  issuer?: string;
}

export type KeylessAttestationVerdict =
  | { ok: true; signer: AttestationSigner }
  | { ok: false; reason: string; noCertificate: boolean };

export function verifyAttestationCertificate(
  layer: { mediaType: string; envelope: Uint8Array; annotations: Readonly<Record<string, string>> },
  check: KeylessAttestationCheck,
): KeylessAttestationVerdict {
  const verified = verifySignatureLayer(
    { payload: layer.envelope, signature: new Uint8Array(0), annotations: layer.annotations, mediaType: layer.mediaType },
    check.root,
    { identities: check.identities, ignoreTlog: check.ignoreTlog, ignoreSct: check.ignoreSct },
  );
  if (!verified.ok) return { ok: false, reason: verified.reason, noCertificate: verified.code === 'NO_CERTIFICATE' };
  const identity = verified.signer.identity;
  const subject = identity ? (allSans(identity.sans)[0] ?? '') : '';
  return { ok: true, signer: { subject, ...(identity?.issuer ? { issuer: identity.issuer } : {}) } };
}
