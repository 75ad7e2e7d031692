import { createHash, X509Certificate, type KeyObject } from 'node:crypto';
import { assertBundle, bundleFromJSON, type Bundle } from '@sigstore/bundle';
import { toSignedEntity, toTrustMaterial, Verifier } from '@sigstore/verify';
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
  try {
    const verifier = new Verifier(toTrustMaterial(proto, keyFinder));
    const entity = toSignedEntity(bundle, artifact === undefined ? undefined : Buffer.from(artifact));
    signerKey = verifier.verify(entity).key;
  } catch (err) {
    return fail(`sigstore bundle does not verify: ${(err as Error).message}`);
  }
  const subject = checkSubject(bundle, policy.subjectDigest);
  if (!subject.ok) return subject;
  return checkBundleIdentity(bundle, signerKey, policy);
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
