import { attachmentTag, type AttachmentKind } from '../cosign/tags.ts';
import { formatReference, repositoryName, withTag, type Reference } from '../oci/reference.ts';
import type { ReferrersVia, Repository } from '../oci/repository.ts';
import { findManifest } from '../oci/image-walk.ts';
import { referrersTag } from '../oci/referrers/referrers-tag.ts';
import { digestImage } from './digest.ts';

export type TriangulateType = AttachmentKind | 'digest' | 'bundle';
export const TRIANGULATE_TYPES: readonly TriangulateType[] = ['signature', 'attestation', 'sbom', 'digest', 'bundle'];

export interface TriangulateResult {
  type: TriangulateType;
  /** The image's digest. */
  digest: string;
  /**
   * Where cosign stores (or looks for) the attachment, e.g. `127.0.0.1:5000/demo/app:sha256-<hex>.sig`. For
   * `bundle`: where the referrers list lives — the `sha256-<hex>` index tag (registries without the referrers
   * API), `registry/repo` (the registry's referrers API) or `oci:DIR` (a layout's index.json).
   */
  reference: string;
  /** `bundle`: how the referrers are listed, and the bundle referrer manifests found (`repo@sha256:…`). */
  via?: ReferrersVia;
  bundles?: string[];
}

export interface TriangulateOptions {
  /** COSIGN_REPOSITORY / --repository: attachments live in this repository, exactly as given. */
  targetRepository?: Reference;
  /** Opens `targetRepository` (needed for `bundle`, which asks the repository how it lists referrers). */
  openRepository?: (ref: Reference) => Repository;
}

/** Where the bundle referrers of `digest` are listed, and which they are (the listing is read, never guessed). */
async function triangulateBundles(repo: Repository, digest: string): Promise<TriangulateResult> {
  const listing = await repo.listReferrers(digest);
  const bundles: string[] = [];
  for (const d of listing.descriptors) {
    const found = await findManifest(repo, d.digest);
    if (found?.parsed.kind !== 'image') continue;
    const layers = found.parsed.manifest.layers;
    if (layers.length === 1 && layers[0]!.mediaType.startsWith(BUNDLE_PREFIX)) bundles.push(`${repo.displayName}@${d.digest}`);
  }
  const reference = listing.via === 'fallback-tag' ? formatReference(withTag(repo.reference, referrersTag(digest))) : repo.displayName;
  return { type: 'bundle', digest, reference, via: listing.via, bundles };
}

const BUNDLE_PREFIX = 'application/vnd.dev.sigstore.bundle';

/**
 * cosign triangulate: resolve the image digest (no lookup when `ref` has one, like cosign) and name the
 * attachment tag in the image's repository or in `targetRepository`.
 */
export async function triangulateImage(
  repo: Repository,
  ref: Reference,
  type: TriangulateType,
  options: TriangulateOptions = {},
): Promise<TriangulateResult> {
  const digest = ref.digest ?? (await digestImage(repo, ref)).digest;
  if (type === 'digest') return { type, digest, reference: `${repositoryName(ref)}@${digest}` };
  if (type === 'bundle') return triangulateBundles(options.targetRepository ? options.openRepository?.(options.targetRepository) ?? repo : repo, digest);
  const target = options.targetRepository ?? ref;
  return { type, digest, reference: formatReference(withTag(target, attachmentTag(digest, type))) };
}
