import { createHash, X509Certificate, type KeyObject } from 'node:crypto';
import { assertBundle, bundleFromJSON, type Bundle } from '@sigstore/bundle';
import { toSignedEntity, toTrustMaterial, Verifier, type SignedEntity } from '@sigstore/verify';
import { extractCertificateIdentity, type CertificateIdentity } from './certificate-identity.ts';
import { fail, pass, type Check } from './check.ts';
import { matchIdentity, type CompiledIdentityPolicy } from './identity.ts';
import { buildProtoTrustedRoot } from './proto-root.ts';
import type { TrustedRoot } from './trusted-root.ts';

/** Policy for a Sigstore bundle (v0.1–v0.3): identities for certificates, or a managed key. */
export interface BundlePolicy {
  identities?: CompiledIdentityPolicy[];
  key?: KeyObject;
  /** For DSSE bundles: a digest (`sha256:…`) that must be one of the in-toto statement's subjects. */
  subjectDigest?: string;
}

export interface BundleSigner {
  publicKey: KeyObject;
  certificate?: X509Certificate;
  identity?: CertificateIdentity;
  /** RFC 3161 timestamps left unchecked and not counted: the trusted root has no timestamp authority. */
  uncheckedTimestamps?: number;
}

/**
 * Verify a Sigstore bundle with `@sigstore/verify` (chain, SCT, tlog SET / inclusion proof and
 * checkpoint, RFC 3161 timestamps, signature), then our own identity policy on the leaf. `artifact`
 * is the signed bytes for a message-signature bundle; for DSSE the envelope is self-contained.
 */
export function verifySigstoreBundle(
  bundleJson: unknown,
  artifact: Uint8Array | undefined,
  root: TrustedRoot,
  policy: BundlePolicy,
): Check<BundleSigner> {
  let bundle: Bundle;
  try {
    bundle = bundleFromJSON(bundleJson);
    assertBundle(bundle);
  } catch (err) {
    return fail(`malformed sigstore bundle: ${(err as Error).message}`);
  }
  const proto = root.proto ?? buildProtoTrustedRoot(root);
  const keyFinder = (hint: string) => {
    if (!policy.key) throw new Error(`bundle is signed with key ${JSON.stringify(hint)} but no key was given`);
    return { publicKey: policy.key, validFor: () => true };
  };
  let signerKey: KeyObject;
  let unchecked = 0;
  try {
    const material = toTrustMaterial(proto, keyFinder);
    const counted = countableTimestamps(toSignedEntity(bundle, artifact === undefined ? undefined : Buffer.from(artifact)), material.timestampAuthorities.length);
    unchecked = counted.unchecked;
    signerKey = new Verifier(material).verify(counted.entity).key;
  } catch (err) {
    return fail(`sigstore bundle does not verify: ${(err as Error).message}`);
  }
  const subject = checkSubject(bundle, policy.subjectDigest);
  if (!subject.ok) return subject;
  const checked = checkBundleIdentity(bundle, signerKey, policy);
  return checked.ok && unchecked > 0 ? pass({ ...checked.value, uncheckedTimestamps: unchecked }) : checked;
}

/**
 * The timestamps that count as observations. An RFC 3161 timestamp is evidence only when a timestamp
 * authority of the trusted root signed it; when the root has NO timestamp authority, nothing can
 * authenticate it, so it is set aside — neither counted as an observed time nor a failure — provided the
 * bundle's transparency-log entry supplies the required observation (an integrated time under an
 * inclusion promise, i.e. a SET, which @sigstore/verify then checks with the root's Rekor key, together
 * with the body, the inclusion proof and the certificate's validity at that time).
 *
 * Why this is safe: the timestamp is unauthenticated bytes. Ignoring it removes no check that the verdict
 * rests on — signature, chain, SCT, tlog entry and identity are all still verified, and the one observed
 * time used for the certificate is the log's, authenticated by the SET. It can never extend a certificate's
 * validity, because an unchecked time is never used. What it changes is only that a root without a TSA
 * does not turn an extra, uncheckable timestamp into a refusal.
 *
 * Peers: sigstore-go (`VerifyObserverTimestamps` with `WithObserverTimestamps(1)`) skips signed timestamps
 * no trusted authority verifies and counts the rest with the log's integrated times against the threshold;
 * cosign 3 without `--use-signed-timestamps` uses only integrated times (`WithIntegratedTimestamps(1)`) and
 * never reads RFC 3161 timestamps; sigstore-rs does not read them. We are narrower than sigstore-go: when
 * the root HAS timestamp authorities every timestamp must verify (as in @sigstore/verify), and without an
 * integrated time (Rekor v2 entries) nothing is set aside, so the timestamp's own failure is reported.
 */
export function countableTimestamps(entity: SignedEntity, timestampAuthorities: number): { entity: SignedEntity; unchecked: number } {
  if (timestampAuthorities > 0) return { entity, unchecked: 0 };
  const observedByLog = entity.timestamps.some((t) => t.$case === 'transparency-log' && t.tlogEntry.inclusionPromise !== undefined);
  if (!observedByLog) return { entity, unchecked: 0 };
  const timestamps = entity.timestamps.filter((t) => t.$case !== 'timestamp-authority');
  return { entity: { ...entity, timestamps }, unchecked: entity.timestamps.length - timestamps.length };
}

function checkBundleIdentity(bundle: Bundle, key: KeyObject, policy: BundlePolicy): Check<BundleSigner> {
  const leaf = bundleLeaf(bundle);
  if (!leaf) return pass({ publicKey: key });
  if (policy.key) {
    if (!leaf.publicKey.equals(policy.key)) return fail('certificate in the bundle does not hold the given key');
    return pass({ publicKey: key, certificate: leaf });
  }
  const identity = extractCertificateIdentity(leaf);
  const matched = matchIdentity(identity, policy.identities ?? []);
  if (!matched.ok) return matched;
  return pass({ publicKey: key, certificate: leaf, identity });
}

function bundleLeaf(bundle: Bundle): X509Certificate | undefined {
  const content = bundle.verificationMaterial.content;
  if (content.$case === 'certificate') return new X509Certificate(content.certificate.rawBytes);
  if (content.$case === 'x509CertificateChain') {
    const first = content.x509CertificateChain.certificates[0];
    return first ? new X509Certificate(first.rawBytes) : undefined;
  }
  return undefined;
}

function checkSubject(bundle: Bundle, digest: string | undefined): Check<true> {
  if (digest === undefined) return pass(true);
  if (bundle.content.$case !== 'dsseEnvelope') return fail('bundle is not an attestation (no DSSE envelope)');
  const [alg, hex] = digest.split(':');
  let statement: { subject?: { digest?: Record<string, string> }[] };
  try {
    statement = JSON.parse(bundle.content.dsseEnvelope.payload.toString('utf8'));
  } catch {
    return fail('DSSE payload is not a JSON in-toto statement');
  }
  const found = (statement.subject ?? []).some((s) => s.digest?.[alg!]?.toLowerCase() === hex?.toLowerCase());
  return found ? pass(true) : fail(`provided artifact digest ${digest} does not match any subject of the statement`);
}

/** `sha256:<hex>` of some bytes, the form `subjectDigest` takes. */
export function sha256Digest(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}
