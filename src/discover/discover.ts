/**
 * Everything attached to one image that verification may read, found per image and never silently: the
 * image's digest (it must exist: exit 11), its cosign 2 attachment tags (`sha256-<hex>.sig` / `.att`) and its
 * OCI 1.1 referrers (the referrers API, or the `sha256-<hex>` index tag where a registry lacks it), all from
 * the attachments repository (`COSIGN_REPOSITORY`) when one is given. Given a digest, every read starts at
 * once; given a tag, the tag is resolved first. A failure of any read is an error (exit 4) — a throttled or
 * broken registry never turns into "unsigned".
 */
import { readAttachments, type AttachmentSet } from '../cosign/attachments.ts';
import type { AttachmentKind } from '../cosign/tags.ts';
import { DEFAULT_LIMITS, type Limits } from '../core/limits.ts';
import { OcisignError, withContext } from '../core/errors.ts';
import { isDigest } from '../oci/digest.ts';
import type { Descriptor } from '../oci/manifest.ts';
import type { Repository } from '../oci/repository.ts';
import { readReferrerBundles, type ReferrersFound } from './referrer-bundles.ts';

export interface DiscoverTarget {
  image: Repository;
  /** Tag or digest to resolve in `image`. */
  ref: string;
  /** How messages name the image. */
  name: string;
  /** Where attachments live (COSIGN_REPOSITORY); default `image`. */
  attachments?: Repository;
}

export interface DiscoverOptions {
  /** Which cosign 2 tags to read. */
  tags: AttachmentKind[];
  /** Read OCI 1.1 referrers too (Sigstore bundles). */
  referrers: boolean;
  limits?: Partial<Limits>;
  /** Payload bytes likely stored in the `.sig` (see readAttachments): those layers need no blob request. */
  expectedPayloads?: (digest: string) => readonly Uint8Array[];
  /**
   * Do not ask a registry's referrers API again once it said it has none (ListReferrersOptions); then
   * `referrers.apiAssumedMissing` is set and a caller must not treat a failing verdict as final.
   */
  skipKnownMissingApi?: boolean;
}

export interface Discovered {
  digest: string;
  mediaType: string;
  /** The attachments repository's name, for messages. */
  repository: string;
  tags: Partial<Record<AttachmentKind, AttachmentSet>>;
  referrers?: ReferrersFound;
}

export async function discover(target: DiscoverTarget, options: DiscoverOptions): Promise<Discovered> {
  const repo = target.attachments ?? target.image;
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const attached = (digest: string) =>
    Promise.all([
      Promise.all(
        options.tags.map((kind) =>
          readAttachments(repo, digest, kind, {
            limits,
            payloads: true,
            ...(kind === 'signature' && options.expectedPayloads ? { expectedPayloads: options.expectedPayloads(digest) } : {}),
          }).then((set) => [kind, set] as const),
        ),
      ),
      options.referrers ? readReferrerBundles(repo, digest, limits, { skipKnownMissingApi: options.skipKnownMissingApi === true }) : Promise.resolve(undefined),
    ]);
  let found: Descriptor;
  let sets: (readonly [AttachmentKind, AttachmentSet])[];
  let referrers: ReferrersFound | undefined;
  if (isDigest(target.ref)) {
    [found, [sets, referrers]] = await Promise.all([resolve(target), attached(target.ref)]);
  } else {
    found = await resolve(target);
    [sets, referrers] = await attached(found.digest);
  }
  return {
    ...found,
    repository: repo.displayName,
    tags: Object.fromEntries(sets),
    ...(referrers ? { referrers } : {}),
  };
}

/** The image's descriptor, as a HEAD of it answers (NOT_FOUND, exit 11, when absent). */
export async function resolve(target: Pick<DiscoverTarget, 'image' | 'ref' | 'name'>): Promise<Descriptor> {
  let found;
  try {
    found = await target.image.resolve(target.ref);
  } catch (err) {
    throw withContext(`resolving ${target.name}`, err);
  }
  if (!found) throw new OcisignError('NOT_FOUND', `resolving ${target.name}: image not found`);
  return { mediaType: found.mediaType, digest: found.digest, size: found.size };
}
