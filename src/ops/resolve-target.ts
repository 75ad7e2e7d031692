import { OcisignError } from '../core/errors.ts';
import type { DiscoverTarget } from '../discover/discover.ts';
import { parseManifest } from '../oci/manifest.ts';
import { isIndexMediaType } from '../oci/media-types.ts';
import type { Repository } from '../oci/repository.ts';

/** An image named on the command line: its repository, the tag or digest to resolve, and its name for messages. */
export type ResolvableTarget = Pick<DiscoverTarget, 'image' | 'ref' | 'name'>;

/** Resolve the target's tag or digest (NOT_FOUND, exit 11, when absent). */
export { resolve as resolveTarget } from '../discover/discover.ts';

/** The index digest and, depth first, every manifest it names (nested indexes too), without repeats. */
export async function collectDigests(repo: Repository, digest: string, mediaType: string): Promise<string[]> {
  const out: string[] = [];
  const seen = new Set<string>();
  const walk = async (d: string, type: string | undefined): Promise<void> => {
    if (seen.has(d)) return;
    seen.add(d);
    out.push(d);
    const raw = await repo.getManifest(d);
    if (!raw) throw new OcisignError('NOT_FOUND', `reading ${repo.displayName}@${d}: manifest not found`);
    const parsed = parseManifest(raw.bytes, raw.mediaType ?? type, `${repo.displayName}@${d}`);
    if (parsed.kind === 'index') for (const child of parsed.manifest.manifests) await walk(child.digest, child.mediaType);
  };
  await walk(digest, isIndexMediaType(mediaType) ? mediaType : undefined);
  return out;
}
