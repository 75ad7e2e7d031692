/**
 * OCI 1.1 referrers in an OCI image layout, stored the way oras does (oras-go `content/oci.Store`, which
 * `oras attach/discover --oci-layout` use): the referrer manifest is a blob, listed in index.json as an
 * untagged entry `{mediaType, digest, size, artifactType, annotations}`; a reader finds the referrers of a
 * digest by reading the manifests index.json lists and keeping those whose `subject` names it. No
 * `sha256-<hex>` tag is written (a layout has no registry to stand in for), but one found in the layout
 * (e.g. copied there by a tool that copies tags) is read too.
 *
 * Concurrent writers are safe: index.json is rewritten under its lock, and an entry is only ever added.
 */
import { OcisignError } from '../../core/errors.ts';
import { DEFAULT_LIMITS } from '../../core/limits.ts';
import { isImageManifestMediaType, isIndexMediaType } from '../media-types.ts';
import type { Descriptor, RawManifest } from '../manifest.ts';
import { checkFallbackIndex } from '../referrers/fallback-index.ts';
import { readReferrerManifest, referrerDescriptor } from '../referrers/referrer-descriptor.ts';
import { referrersTag } from '../referrers/referrers-tag.ts';
import type { ListReferrersOptions, PushReferrerResult, ReferrersListing } from '../referrers/types.ts';
import { readLayoutIndex } from './layout-index.ts';
import type { LayoutRepository } from './layout-repository.ts';

/** Most index.json entries read when looking for referrers. */
const MAX_ENTRIES = 100_000;

export async function listLayoutReferrers(repo: LayoutRepository, digest: string, options: ListReferrersOptions = {}): Promise<ReferrersListing> {
  const index = await readLayoutIndex(repo.indexPath);
  const entries = index?.manifests ?? [];
  if (entries.length > MAX_ENTRIES) throw new OcisignError('BAD_INPUT', `${repo.displayName}: index.json lists more than ${MAX_ENTRIES} manifests`);
  const found = new Map<string, Descriptor>();
  const seen = new Set<string>();
  for (const entry of entries) {
    if (seen.has(entry.digest) || entry.digest === digest) continue;
    seen.add(entry.digest);
    if (!isImageManifestMediaType(entry.mediaType) && !isIndexMediaType(entry.mediaType)) continue;
    if (entry.size > DEFAULT_LIMITS.maxManifestBytes) continue;
    const raw: RawManifest = { bytes: await repo.readBlob(entry.digest, entry.size), mediaType: entry.mediaType, digest: entry.digest };
    const referrer = readReferrerManifest(raw, `${repo.displayName}@${entry.digest}`);
    if (referrer.subject?.digest === digest) found.set(entry.digest, referrer.descriptor);
  }
  for (const d of await fallbackTagEntries(repo, digest)) if (!found.has(d.digest)) found.set(d.digest, d);
  const descriptors = [...found.values()].filter((d) => options.artifactType === undefined || d.artifactType === options.artifactType);
  return { via: 'layout', descriptors };
}

/** Store the referrer manifest (its blobs already in the layout) and list it, untagged, in index.json. */
export async function pushLayoutReferrer(repo: LayoutRepository, manifest: RawManifest, subject: Descriptor): Promise<PushReferrerResult> {
  const entry = referrerDescriptor(manifest, subject.digest, `referrer ${manifest.digest} in ${repo.displayName}`);
  await repo.putManifest(manifest.digest, manifest);
  await repo.updateIndex((index) => {
    if (index.manifests.some((d) => d.digest === entry.digest)) return index;
    return { ...index, manifests: [...index.manifests, entry] };
  });
  return { via: 'layout' };
}

/** The entries of a `sha256-<hex>` index tagged in the layout, when it is a valid referrers index. */
async function fallbackTagEntries(repo: LayoutRepository, digest: string): Promise<Descriptor[]> {
  const raw = await repo.getManifest(referrersTag(digest));
  if (!raw) return [];
  const checked = checkFallbackIndex(raw, digest);
  return checked.ok ? checked.index.manifests : [];
}
