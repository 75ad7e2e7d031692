/**
 * A certificate's subject alternative names as data (certificate-identity.ts reads them with @sigstore/core's
 * ASN.1 parser; this file has no such import, so printing who signed loads nothing more).
 */

/** Subject alternative names of a certificate, by kind. */
export interface SubjectAlternativeNames {
  email: string[];
  uri: string[];
  dns: string[];
  ip: string[];
  /** OtherName values (Fulcio puts usernames here under OID 1.3.6.1.4.1.57264.1.7). */
  otherName: string[];
}

/** Every SAN value, the set cosign matches `--certificate-identity` against. */
export function allSans(sans: SubjectAlternativeNames): string[] {
  return [...sans.email, ...sans.uri, ...sans.dns, ...sans.ip, ...sans.otherName];
}
