/**
 * Who signed a piece of evidence, checked by one verifier: `@sigstore/verify` runs the timestamp, signing-key
 * (certificate chain to a trusted CA at the observed times, SCTs), transparency-log (SET and/or inclusion proof
 * and checkpoint, body against the signature) and signature steps over the entity built here; ocisign's own
 * steps around it are each in their own file — signature.ts (key kinds), timestamps.ts, tlog-legacy-kinds.ts,
 * tlog-binding.ts, certificate-usage.ts, identity.ts. A failure is a reason, never an exception.
 *
 * Trusted keys are tried first (cosign `--key`): the signature must verify with one of them; a certificate on
 * the signature must hold that key, and its chain is not checked (cosign's rule). Then, when identities are
 * trusted, the certificate (keyless): chain, SCT, code-signing usage, identity.
 */
import { createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { toSignedEntity, Verifier as SigstoreVerifier, type SignedEntity, type TrustMaterial } from '@sigstore/verify';
import type { Verifier } from '../sign/signer.ts';
import { extractCertificateIdentity, type CertificateIdentity } from '../sigstore/certificate-identity.ts';
import { fail, pass, type Check } from '../sigstore/check.ts';
import type { TrustedRoot } from '../sigstore/trusted-root.ts';
import { checkCodeSigning } from './certificate-usage.ts';
import type { Evidence } from './evidence.ts';
import { matchIdentity, type CompiledIdentityPolicy, type IdentityPolicy } from './identity.ts';
import { withSignatureCheck } from './signature.ts';
import { preAuthEncoding } from '../attest/envelope.ts';
import { withoutSctCheck } from './sct.ts';
import { clockObservation, countableTimestamps } from './timestamps.ts';
import { checkEntryNamesSigner } from './tlog-binding.ts';
import { checkLegacyKindEntry, isLegacyKind } from './tlog-legacy-kinds.ts';
import { NO_TRUST, trustMaterialOf, withIntermediates } from './trust-material.ts';

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

const NO_TLOG = 'signature has no transparency log entry; pass --insecure-ignore-tlog to accept it';

export function authenticate(e: Evidence, trust: TrustPolicy): Authenticated {
  const leaf = leafCertificate(e);
  if (!leaf.ok) return { ok: false, reason: leaf.reason, noCertificate: false };
  const reasons: string[] = [];
  if (trust.keys.length > 0) {
    const byKey = authenticateByKey(e, trust, leaf.value);
    if (byKey.ok) return { ok: true, signer: { kind: 'key', publicKey: byKey.value.key }, setAsideTimestamps: byKey.value.setAside };
    reasons.push(byKey.reason);
  }
  if (trust.identities.length > 0) {
    if (!leaf.value) {
      if (trust.keys.length === 0) return { ok: false, reason: 'no certificate found on signature', noCertificate: true };
    } else {
      const byCert = authenticateByCertificate(e, trust, leaf.value);
      if (byCert.ok) return { ok: true, signer: byCert.value.signer, setAsideTimestamps: byCert.value.setAside };
      reasons.push(trust.keys.length > 0 ? `keyless: ${byCert.reason}` : byCert.reason);
    }
  }
  if (reasons.length === 0) return { ok: false, reason: 'no public key or certificate identity to verify with', noCertificate: false };
  return { ok: false, reason: reasons.join('; '), noCertificate: false };
}

function authenticateByKey(e: Evidence, trust: TrustPolicy, leaf: X509Certificate | undefined): Check<{ key: KeyObject; setAside: number }> {
  // the reason worth reporting comes from a key the signature verified with, if any did
  let reason: string | undefined;
  for (const verifier of trust.keys) {
    if (leaf && !leaf.publicKey.equals(verifier.publicKey)) {
      reason ??= 'certificate on the signature does not hold the given key';
      continue;
    }
    const material: TrustMaterial = { ...(trust.root ? trustMaterialOf(trust.root) : NO_TRUST), publicKey: () => ({ publicKey: verifier.publicKey, validFor: () => true }) };
    const checked = runSigstore(e, trust, material, { $case: 'public-key', hint: '' }, verifier);
    if (!checked.ok) {
      if (checked.reason !== SIGNATURE_FAILED) reason = checked.reason;
      continue;
    }
    const bound = checkEntryNamesSigner(checked.value.entries, [spki(verifier.publicKey), ...(leaf ? [leaf.raw] : [])]);
    if (!bound.ok) {
      reason = bound.reason;
      continue;
    }
    return pass({ key: verifier.publicKey, setAside: checked.value.setAside });
  }
  if (reason !== undefined) return fail(reason);
  return fail(trust.keys.length === 1 ? 'signature does not verify with the public key' : `signature does not verify with any of the ${trust.keys.length} public keys`);
}

function authenticateByCertificate(e: Evidence, trust: TrustPolicy, leaf: X509Certificate): Check<{ signer: SignerInfo; setAside: number }> {
  if (!trust.root) return fail('no trusted root to verify the certificate with');
  const material = withIntermediates(trustMaterialOf(trust.root), e.untrustedIntermediates);
  const checked = runSigstore(e, trust, material, undefined, undefined);
  if (!checked.ok) return checked;
  const usage = checkCodeSigning(leaf);
  if (!usage.ok) return usage;
  const identity = extractCertificateIdentity(leaf);
  const matched = matchIdentity(identity, [...trust.identities]);
  if (!matched.ok) return matched;
  const bound = checkEntryNamesSigner(checked.value.entries, [leaf.raw, spki(leaf.publicKey)]);
  if (!bound.ok) return bound;
  return pass({ signer: { kind: 'certificate', certificate: leaf, identity, policy: matched.value }, setAside: checked.value.setAside });
}

const SIGNATURE_FAILED = 'signature does not verify';

/**
 * One run of @sigstore/verify over the evidence, with ocisign's signature step and the timestamps and log
 * entries this policy counts. `key`: verify as a public key (the trusted key), not through the certificate.
 */
function runSigstore(
  e: Evidence,
  trust: TrustPolicy,
  material: TrustMaterial,
  key: SignedEntity['key'] | undefined,
  verifier: Verifier | undefined,
): Check<{ entries: SignedEntity['tlogEntries']; setAside: number }> {
  let entity: SignedEntity;
  try {
    entity = toSignedEntity(e.bundle, e.artifact === undefined ? undefined : Buffer.from(e.artifact));
  } catch (err) {
    return fail(`malformed signature material: ${(err as Error).message}`);
  }
  const rawSignature = entity.signature.signature;
  const signed = signedBytes(e);
  const digest = sha256MessageDigest(e);
  if (signed === undefined && digest === undefined) return fail('the signed artifact is not available to check the signature against');
  entity = { ...entity, signature: withSignatureCheck(entity.signature, () => signed, verifier, digest, e.timestamped), ...(key ? { key } : {}) };
  if (!key && trust.ignoreSct) entity = { ...entity, key: withoutSctCheck(entity.key) };
  // the signature first, so a wrong key is reported as such whatever else is missing
  const signerKey = verifier?.publicKey ?? (entity.key.$case === 'certificate' ? createPublicKey({ key: entity.key.certificate.publicKey, format: 'der', type: 'spki' }) : undefined);
  if (signerKey && !entity.signature.verifySignature(signerKey)) return fail(SIGNATURE_FAILED);

  let tlogEntries = entity.tlogEntries;
  let timestamps = entity.timestamps;
  let legacyChecked = 0;
  if (trust.ignoreTlog) {
    tlogEntries = [];
    timestamps = timestamps.filter((t) => t.$case !== 'transparency-log');
  } else {
    if (tlogEntries.length === 0) return fail(NO_TLOG);
    if (!trust.root) return fail('no trusted root to check the transparency log entry with');
    for (const entry of tlogEntries.filter(isLegacyKind)) {
      const verifierDers = key ? [spki(verifier!.publicKey)] : leafDers(e);
      if (signed === undefined) return fail(`${entry.kindVersion.kind} log entry: the signed artifact is not available`);
      const checked = checkLegacyKindEntry(entry, trust.root, { payload: signed, signature: rawSignature, verifierDer: verifierDers[0]! });
      if (!checked.ok) return fail(`transparency log entry: ${checked.reason}`);
      legacyChecked++;
    }
    tlogEntries = tlogEntries.filter((t) => !isLegacyKind(t));
    const unknown = unknownLog(tlogEntries, material);
    if (unknown) return fail(unknown);
  }
  const counted = countableTimestamps(timestamps, material.timestampAuthorities.length);
  timestamps = counted.timestamps;
  const keyBased = key !== undefined;
  if (trust.ignoreTlog && keyBased && material.timestampAuthorities.length === 0) timestamps = timestamps.filter((t) => t.$case !== 'timestamp-authority');
  if (trust.ignoreTlog && !keyBased && timestamps.length === 0) timestamps = [clockObservation(trust.now ?? new Date())];

  const thresholds = {
    tlogThreshold: trust.ignoreTlog ? 0 : Math.max(0, 1 - legacyChecked),
    ctlogThreshold: !keyBased && !trust.ignoreSct ? 1 : 0,
    timestampThreshold: trust.ignoreTlog && keyBased ? 0 : 1,
  };
  try {
    new SigstoreVerifier(material, thresholds).verify({ ...entity, tlogEntries, timestamps });
  } catch (err) {
    return fail(describeVerificationError(err));
  }
  return pass({ entries: trust.ignoreTlog ? [] : entity.tlogEntries, setAside: counted.setAside });
}

/** The bytes the signature covers: the artifact (message signature) or the DSSE PAE. */
function signedBytes(e: Evidence): Uint8Array | undefined {
  if (e.bundle.content.$case === 'dsseEnvelope') {
    const env = e.bundle.content.dsseEnvelope;
    return preAuthEncoding(env.payloadType, env.payload);
  }
  return e.artifact;
}

/** A message signature's SHA-256 digest, for checking it without the artifact. */
function sha256MessageDigest(e: Evidence): Uint8Array | undefined {
  if (e.bundle.content.$case !== 'messageSignature') return undefined;
  const { algorithm, digest } = e.bundle.content.messageSignature.messageDigest;
  return algorithm === 1 ? digest : undefined;
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

function leafDers(e: Evidence): Uint8Array[] {
  const leaf = leafCertificate(e);
  return leaf.ok && leaf.value ? [leaf.value.raw] : [];
}

function spki(key: KeyObject): Uint8Array {
  return key.export({ format: 'der', type: 'spki' });
}

/** `VerificationError` (code, message, cause) as one line, named by the step that failed. */
function describeVerificationError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const code = (err as { code?: unknown }).code;
  if (code === 'SIGNATURE_ERROR') return SIGNATURE_FAILED;
  const cause = err.cause instanceof Error && err.cause.message !== err.message ? `: ${err.cause.message}` : '';
  const text = `${err.message}${cause}`.split('\n')[0]!;
  if (typeof code !== 'string') return text;
  const step = code.startsWith('TLOG') ? 'transparency log entry' : code.startsWith('CERTIFICATE') ? 'certificate' : code.startsWith('TIMESTAMP') ? 'timestamp' : code.startsWith('PUBLIC_KEY') ? 'public key' : code.toLowerCase().replace(/_/g, ' ');
  return `${step}: ${text}`;
}

/** A log entry from a log the trusted root does not know: said plainly (the SET check would only say it failed). */
function unknownLog(entries: SignedEntity['tlogEntries'], material: TrustMaterial): string | undefined {
  for (const entry of entries) {
    const id = Buffer.from(entry.logId.keyId);
    if (!material.tlogs.some((t) => Buffer.from(t.logID).equals(id))) return `transparency log entry: unknown Rekor log ${id.toString('hex')}`;
  }
  return undefined;
}
