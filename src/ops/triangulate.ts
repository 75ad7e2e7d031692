import { attachmentTag, type AttachmentKind } from '../cosign/tags.ts';
import { formatReference, repositoryName, withTag, type Reference } from '../oci/reference.ts';
import type { Repository } from '../oci/repository.ts';
import { digestImage } from './digest.ts';

export type TriangulateType = AttachmentKind | 'digest';
export const TRIANGULATE_TYPES: readonly TriangulateType[] = ['signature', 'attestation', 'sbom', 'digest'];

export interface TriangulateResult {
  type: TriangulateType;
  /** The image's digest. */
  digest: string;
  /** Where cosign stores (or looks for) the attachment, e.g. `127.0.0.1:5000/demo/app:sha256-<hex>.sig`. */
  reference: string;
}

export interface TriangulateOptions {
  /** COSIGN_REPOSITORY / --repository: attachments live in this repository, exactly as given. */
  targetRepository?: Reference;
}

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
  const target = options.targetRepository ?? ref;
  return { type, digest, reference: formatReference(withTag(target, attachmentTag(digest, type))) };
}
