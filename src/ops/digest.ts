import { OcisignError } from '../core/errors.ts';
import { repositoryName, type Reference } from '../oci/reference.ts';
import type { Repository } from '../oci/repository.ts';
import { describeRef } from '../oci/image-walk.ts';

export interface DigestResult {
  /** `registry/repo@sha256:…` or `oci:DIR@sha256:…`. */
  reference: string;
  digest: string;
  mediaType: string;
  size: number;
}

/** The digest of the manifest `ref` names (its digest wins over its tag); NOT_FOUND (11) when absent. */
export async function digestImage(repo: Repository, ref: Reference): Promise<DigestResult> {
  const key = ref.digest ?? ref.tag ?? 'latest';
  const desc = await repo.resolve(key);
  if (!desc) throw new OcisignError('NOT_FOUND', `image ${describeRef(repo, key)} not found`);
  return { reference: `${repositoryName(ref)}@${desc.digest}`, digest: desc.digest, mediaType: desc.mediaType, size: desc.size };
}
