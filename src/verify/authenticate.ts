/**
 * Who signed a piece of evidence, checked by one verifier. ocisign's signature step (signature.ts: every key
 * kind) runs first; `@sigstore/verify` then runs the timestamp, signing-key (certificate chain to a trusted CA at
 * the observed times, SCTs), transparency-log (SET and/or inclusion proof and checkpoint, body against the
 * signature) steps over the same evidence (sigstore-steps.ts), with ocisign's own steps around it each in its own
 * file — timestamps.ts, tlog-legacy-kinds.ts, tlog-binding.ts, sct.ts, certificate-usage.ts, identity.ts. When
 * the evidence gives those steps nothing to check (a key-signed signature with no log entry or timestamp under
 * --insecure-ignore-tlog), they are not loaded. A failure is a reason, never an exception.
 *
 * Trusted keys are tried first (cosign `--key`): the signature must verify with one of them; a certificate on
 * the signature must hold that key, and its chain is not checked (cosign's rule). Then, when identities are
 * trusted, the certificate (keyless): chain, SCT, code-signing usage, identity.
 */
import { X509Certificate, type KeyObject } from 'node:crypto';
import type { Verifier } from '../sign/signer.ts';
import type { CertificateIdentity } from '../sigstore/certificate-identity.ts';
import { fail, pass, type Check } from '../sigstore/check.ts';
import type { TrustedRoot } from '../sigstore/trusted-root.ts';
import type { Evidence } from './evidence.ts';
import type { CompiledIdentityPolicy, IdentityPolicy } from './identity.ts';
import { verifySignature } from './signature.ts';

/** What the signer must be, and how strictly the log and certificates are checked. */
export interface TrustPolicy {
  /** Trusted public keys (`--key`, policy keys); any one verifying is enough. */
  keys: readonly Verifier[];
  /** Trusted keyless identities; any one matching is enough. */
  identities: readonly CompiledIdentityPolicy[];
  /** Fulcio/BYO CAs, Rekor and CT keys, TSAs. Needed for keyless, and to check log entries and timestamps. */
  root?: TrustedRoot;
  /** `--insecure-ignore-tlog`: no log entry required, none checked. */
  ignoreTlog: boolean;
  /** `--insecure-ignore-sct`: no embedded SCT required. */
  ignoreSct: boolean;
  /** The clock: a certificate's validity is checked at this time when nothing logged or timestamped it. */
  now?: Date;
}

export type SignerInfo =
  | { kind: 'key'; publicKey: KeyObject }
  | { kind: 'certificate'; certificate: X509Certificate; identity: CertificateIdentity; policy: IdentityPolicy };

export type Authenticated =
  | { ok: true; signer: SignerInfo; /** RFC 3161 timestamps no TSA could check, set aside (timestamps.ts). */ setAsideTimestamps: number }
  | { ok: false; reason: string; noCertificate: boolean };

export const SIGNATURE_FAILED = 'signature does not verify';
export const NO_TLOG = 'signature has no transparency log entry; pass --insecure-ignore-tlog to accept it';

export async function authenticate(e: Evidence, trust: TrustPolicy): Promise<Authenticated> {
  const leaf = leafCertificate(e);
  if (!leaf.ok) return { ok: false, reason: leaf.reason, noCertificate: false };
  const reasons: string[] = [];
  if (trust.keys.length > 0) {
    const byKey = await authenticateByKey(e, trust, leaf.value);
    if (byKey.ok) return { ok: true, signer: { kind: 'key', publicKey: byKey.value.key }, setAsideTimestamps: byKey.value.setAside };
    reasons.push(byKey.reason);
  }
  if (trust.identities.length > 0) {
    if (!leaf.value) {
      if (trust.keys.length === 0) return { ok: false, reason: 'no certificate found on signature', noCertificate: true };
    } else {
      const { authenticateByCertificate } = await import('./sigstore-steps.ts');
      const byCert = authenticateByCertificate(e, trust, leaf.value);
      if (byCert.ok) return { ok: true, signer: byCert.value.signer, setAsideTimestamps: byCert.value.setAside };
      reasons.push(trust.keys.length > 0 ? `keyless: ${byCert.reason}` : byCert.reason);
    }
  }
  if (reasons.length === 0) return { ok: false, reason: 'no public key or certificate identity to verify with', noCertificate: false };
  return { ok: false, reason: reasons.join('; '), noCertificate: false };
}

async function authenticateByKey(e: Evidence, trust: TrustPolicy, leaf: X509Certificate | undefined): Promise<Check<{ key: KeyObject; setAside: number }>> {
  // the reason worth reporting comes from a key the signature verified with, if any did
  let reason: string | undefined;
  for (const verifier of trust.keys) {
    if (leaf && !leaf.publicKey.equals(verifier.publicKey)) {
      reason ??= 'certificate on the signature does not hold the given key';
      continue;
    }
    const checked = await checkByKey(e, trust, verifier, leaf);
    if (!checked.ok) {
      if (checked.reason !== SIGNATURE_FAILED) reason = checked.reason;
      continue;
    }
    return pass({ key: verifier.publicKey, setAside: checked.value });
  }
  if (reason !== undefined) return fail(reason);
  return fail(trust.keys.length === 1 ? 'signature does not verify with the public key' : `signature does not verify with any of the ${trust.keys.length} public keys`);
}

/** The signature by `verifier`, then, when the evidence has anything for them, the log and timestamp steps. */
async function checkByKey(e: Evidence, trust: TrustPolicy, verifier: Verifier, leaf: X509Certificate | undefined): Promise<Check<number>> {
  if (!verifySignature(e, verifier.publicKey, verifier)) return fail(SIGNATURE_FAILED);
  const tlogEntries = e.bundle.verificationMaterial.tlogEntries;
  const timestamps = e.bundle.verificationMaterial.timestampVerificationData?.rfc3161Timestamps ?? [];
  if (!trust.ignoreTlog && tlogEntries.length === 0) return fail(NO_TLOG);
  const timestampsToCheck = timestamps.length > 0 && (trust.root?.timestampAuthorities.length ?? 0) > 0;
  if (trust.ignoreTlog && !timestampsToCheck) return pass(0);
  const { checkKeyedEvidence } = await import('./sigstore-steps.ts');
  return checkKeyedEvidence(e, trust, verifier, leaf);
}

function leafCertificate(e: Evidence): Check<X509Certificate | undefined> {
  const content = e.bundle.verificationMaterial.content;
  const der =
    content.$case === 'certificate' ? content.certificate.rawBytes
    : content.$case === 'x509CertificateChain' ? content.x509CertificateChain.certificates[0]?.rawBytes
    : undefined;
  if (content.$case === 'x509CertificateChain' && der === undefined) return fail('signature certificate chain is empty');
  if (der === undefined) return pass(undefined);
  try {
    return pass(new X509Certificate(Buffer.from(der)));
  } catch (err) {
    return fail(`signature certificate: unparseable certificate (${(err as Error).message})`);
  }
}


