/**
 * The steps @sigstore/verify runs for ocisign (authenticate.ts decides when they are needed): timestamps,
 * certificate chain and SCTs, transparency-log inclusion and body, over an entity built from the evidence with
 * ocisign's own signature step; plus the steps it does not cover — `rekord` entries (tlog-legacy-kinds.ts), the
 * entry naming the signer (tlog-binding.ts), --insecure-ignore-sct (sct.ts), code-signing usage, identity.
 */
import { createPublicKey, type KeyObject, type X509Certificate } from 'node:crypto';
import { toSignedEntity, Verifier as SigstoreVerifier, type SignedEntity, type TrustMaterial } from '@sigstore/verify';
import type { Verifier } from '../sign/signer.ts';
import { extractCertificateIdentity } from '../sigstore/certificate-identity.ts';
import { fail, pass, type Check } from '../sigstore/check.ts';
import { NO_TLOG, SIGNATURE_FAILED, type SignerInfo, type TrustPolicy } from './authenticate.ts';
import { checkCodeSigning } from './certificate-usage.ts';
import type { Evidence } from './evidence.ts';
import { matchIdentity } from './identity.ts';
import { signatureBytes, signedBytes, withSignatureCheck } from './signature.ts';
import { withoutSctCheck } from './sct.ts';
import { clockObservation, countableTimestamps } from './timestamps.ts';
import { checkEntryNamesSigner } from './tlog-binding.ts';
import { checkLegacyKindEntry, isLegacyKind } from './tlog-legacy-kinds.ts';
import { NO_TRUST, trustMaterialOf, withIntermediates } from './trust-material.ts';

/** A key-signed piece of evidence whose log entries or timestamps need checking. */
export function checkKeyedEvidence(e: Evidence, trust: TrustPolicy, verifier: Verifier, leaf: X509Certificate | undefined): Check<number> {
  const material: TrustMaterial = { ...(trust.root ? trustMaterialOf(trust.root) : NO_TRUST), publicKey: () => ({ publicKey: verifier.publicKey, validFor: () => true }) };
  const checked = runSigstore(e, trust, material, { $case: 'public-key', hint: '' }, verifier);
  if (!checked.ok) return checked;
  const bound = checkEntryNamesSigner(checked.value.entries, [spki(verifier.publicKey), ...(leaf ? [leaf.raw] : [])]);
  return bound.ok ? pass(checked.value.setAside) : bound;
}

export function authenticateByCertificate(e: Evidence, trust: TrustPolicy, leaf: X509Certificate): Check<{ signer: SignerInfo; setAside: number }> {
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
  const rawSignature = signatureBytes(e);
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
      const verifierDers = key ? [spki(verifier!.publicKey)] : leafDer(entity);
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

/** A message signature's SHA-256 digest, for checking it without the artifact. */
function sha256MessageDigest(e: Evidence): Uint8Array | undefined {
  if (e.bundle.content.$case !== 'messageSignature') return undefined;
  const { algorithm, digest } = e.bundle.content.messageSignature.messageDigest;
  return algorithm === 1 ? digest : undefined;
}

function leafDer(entity: SignedEntity): Uint8Array[] {
  return entity.key.$case === 'certificate' ? [entity.key.certificate.root.toDER()] : [];
}
