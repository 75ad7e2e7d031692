import { readAttachments, type AttachmentSet, type ReadAttachmentsOptions } from '../cosign/attachments.ts';
import type { AttachmentKind } from '../cosign/tags.ts';
import { OcisignError, withContext } from '../core/errors.ts';
import { isDigest } from '../oci/digest.ts';
import { parseManifest } from '../oci/manifest.ts';
import { isIndexMediaType } from '../oci/media-types.ts';
import type { Repository } from '../oci/repository.ts';

/** An image named on the command line: its repository, the tag or digest to resolve, and its name for messages. */
export interface ResolvableTarget {
  image: Repository;
  ref: string;
  name: string;
}

/** Resolve the target's tag or digest (NOT_FOUND, exit 11, when absent). */
export async function resolveTarget(target: ResolvableTarget): Promise<{ digest: string; mediaType: string; size: number }> {
  let found;
  try {
    found = await target.image.resolve(target.ref);
  } catch (err) {
    throw withContext(`resolving ${target.name}`, err);
  }
  if (!found) throw new OcisignError('NOT_FOUND', `resolving ${target.name}: image not found`);
  return { digest: found.digest, mediaType: found.mediaType, size: found.size };
}

/**
 * Resolve the target (NOT_FOUND, exit 11, when absent) and read its `kind` attachments from `repo` (payloads
 * included). Given a digest, the lookup and the read run side by side instead of one after the other.
 */
export async function resolveWithAttachments(
  target: ResolvableTarget,
  repo: Repository,
  kind: AttachmentKind,
  readOptions: (digest: string) => Omit<ReadAttachmentsOptions, 'payloads'>,
): Promise<{ digest: string; set: AttachmentSet }> {
  const read = (digest: string) => readAttachments(repo, digest, kind, { ...readOptions(digest), payloads: true });
  if (isDigest(target.ref)) {
    const [{ digest }, set] = await Promise.all([resolveTarget(target), read(target.ref)]);
    return { digest, set };
  }
  const { digest } = await resolveTarget(target);
  return { digest, set: await read(digest) };
}

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
