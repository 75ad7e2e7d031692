/**
 * "Nothing attached" is the one answer a deploy gate acts on by refusing (exit 10), and registries answer "not
 * found" for tags that exist (eventual consistency, lagging replicas, caches). Before that answer stands, the tags
 * that said so are read once more the way a writer does before rewriting them (oci/read-for-update.ts: a HEAD and
 * the tag list, then by digest): the `.sig`/`.att` tag, and the `sha256-<hex>` referrers index where the registry
 * has no referrers API. Whatever the second look finds is added to what was discovered.
 */
import { attachmentSetOf } from '../cosign/attachments.ts';
import { attachmentTag, type AttachmentKind } from '../cosign/tags.ts';
import { DEFAULT_LIMITS } from '../core/limits.ts';
import { readForUpdate } from '../oci/read-for-update.ts';
import { checkFallbackIndex } from '../oci/referrers/fallback-index.ts';
import { referrersTag } from '../oci/referrers/referrers-tag.ts';
import type { Repository } from '../oci/repository.ts';
import type { Discovered, DiscoverOptions } from './discover.ts';
import { bundlesOf } from './referrer-bundles.ts';

export async function secondLook(repo: Repository, found: Discovered, options: DiscoverOptions): Promise<Discovered> {
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const tags = { ...found.tags };
  await Promise.all(
    options.tags.map(async (kind: AttachmentKind) => {
      if ((found.tags[kind]?.layers.length ?? 0) > 0) return;
      const tag = attachmentTag(found.digest, kind);
      const manifest = await readForUpdate(repo, tag);
      if (manifest) tags[kind] = await attachmentSetOf(repo, manifest, tag, { limits, payloads: true });
    }),
  );
  let referrers = found.referrers;
  if (referrers?.via === 'fallback-tag' && referrers.bundles.length + referrers.others.length + referrers.problems.length === 0) {
    const index = await readForUpdate(repo, referrersTag(found.digest));
    const checked = index ? checkFallbackIndex(index, found.digest) : undefined;
    if (checked?.ok) referrers = await bundlesOf(repo, { via: 'fallback-tag', descriptors: checked.index.manifests }, found.digest, limits);
  }
  return { ...found, tags, ...(referrers ? { referrers } : {}) };
}
