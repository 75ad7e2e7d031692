/**
 * Signatures and attestations as cosign 3 writes them: a DSSE Sigstore bundle v0.3 pushed as an OCI referrer
 * of the image (src/bundle, src/oci/referrers). Shared by sign, attest and release: everything is signed and
 * witnessed first (prepareBundle), then stored (storeBundle).
 */
import { bundleReferrer } from '../bundle/bundle-referrer.ts';
import { signDsseBundle, type BundleWitness, type VerificationMaterial } from '../bundle/dsse-bundle.ts';
import { OcisignError, withContext } from '../core/errors.ts';
import type { Descriptor } from '../oci/manifest.ts';
import { pushArtifact } from '../oci/referrers/artifact-manifest.ts';
import type { ReferrersVia, Repository } from '../oci/repository.ts';
import type { Signer } from '../sign/signer.ts';

/** Where signatures go: cosign 3's bundles (default), cosign 2's `.sig`/`.att` tags, or both. */
export type SignatureFormat = 'bundle' | 'legacy' | 'both';

export function writesBundle(format: SignatureFormat | undefined): boolean {
  return format === undefined || format === 'bundle' || format === 'both';
}

export function writesLegacy(format: SignatureFormat | undefined): boolean {
  return format === 'legacy' || format === 'both';
}

export interface BundleSigning {
  signer: Signer;
  /** Keyless: the Fulcio certificate; default the signer's public key (a key hint in the bundle). */
  material?: VerificationMaterial;
  /** Rekor dsse entry and/or TSA timestamp; required when the transparency log is asked for. */
  bundleWitness?: BundleWitness;
  /** `org.opencontainers.image.created` (SOURCE_DATE_EPOCH when set); default now. */
  now?: Date;
}

/** A bundle signed and witnessed, not yet stored. */
export interface PreparedBundle {
  /** Where the referrer is pushed (the image's repository, or COSIGN_REPOSITORY). */
  repo: Repository;
  name: string;
  subject: Descriptor;
  predicateType: string;
  bundle: Uint8Array;
}

export interface StoredBundle {
  format: 'bundle';
  /** The image digest the bundle is about. */
  digest: string;
  predicateType: string;
  /** `registry/repo@sha256:…` of the referrer manifest. */
  referrer: string;
  referrerDigest: string;
  via: ReferrersVia;
  /** The fallback index tag, when the registry has no referrers API. */
  tag?: string;
}

/** The image as the referrer's `subject` names it: `{mediaType, digest, size}` from a HEAD (NOT_FOUND, exit 11). */
export { resolve as resolveSubject } from '../discover/discover.ts';

/** The image digest as a descriptor from a HEAD of it (the referrer's `subject`). */
export async function subjectDescriptor(image: Repository, digest: string, name: string): Promise<Descriptor> {
  const found = await image.resolve(digest).catch((err: unknown) => {
    throw withContext(`resolving ${name} (${digest})`, err);
  });
  if (!found) throw new OcisignError('NOT_FOUND', `resolving ${name}: ${digest} not found`);
  return { mediaType: found.mediaType, digest: found.digest, size: found.size };
}

export async function prepareBundle(
  args: { repo: Repository; name: string; subject: Descriptor; statement: Uint8Array; predicateType: string },
  signing: BundleSigning,
): Promise<PreparedBundle> {
  try {
    const { bundle } = await signDsseBundle({
      statement: args.statement,
      signer: signing.signer,
      material: signing.material ?? { publicKey: signing.signer.publicKey },
      ...(signing.bundleWitness ? { witness: signing.bundleWitness } : {}),
    });
    return { repo: args.repo, name: args.name, subject: args.subject, predicateType: args.predicateType, bundle };
  } catch (err) {
    throw withContext(`signing ${args.name} (${args.subject.digest}); nothing was written`, err);
  }
}

export async function storeBundle(p: PreparedBundle, now: Date | undefined, options: { settle?: boolean } = {}): Promise<StoredBundle> {
  try {
    const pushed = await pushArtifact(p.repo, bundleReferrer(p.bundle, p.subject, p.predicateType, now ?? new Date()), options);
    return {
      format: 'bundle',
      digest: p.subject.digest,
      predicateType: p.predicateType,
      referrer: `${p.repo.displayName}@${pushed.digest}`,
      referrerDigest: pushed.digest,
      via: pushed.via,
      ...(pushed.tag ? { tag: pushed.tag } : {}),
    };
  } catch (err) {
    throw withContext(`storing the bundle of ${p.name} (${p.subject.digest}) in ${p.repo.displayName}`, err);
  }
}
