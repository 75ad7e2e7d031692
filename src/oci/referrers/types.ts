import type { Descriptor } from '../manifest.ts';

/**
 * Where a repository keeps the referrers of a digest (OCI distribution spec 1.1):
 * - `referrers-api`: the registry answers `GET /v2/<name>/referrers/<digest>` and maintains the list itself;
 * - `fallback-tag`: a registry without the API; the list is the OCI index tagged `sha256-<hex>`;
 * - `layout`: an OCI image layout; referrers are manifests listed (untagged) in index.json whose `subject`
 *   is the digest, as oras (`oras attach/discover --oci-layout`) stores and finds them.
 */
export type ReferrersVia = 'referrers-api' | 'fallback-tag' | 'layout';

/**
 * The referrers of one digest as the repository lists them. Descriptors are what the listing says (their
 * `artifactType` and annotations are the lister's claims, not verified): read each manifest before trusting
 * what it is. An empty list means the repository answered "none"; a failure to list is thrown, never empty.
 */
export interface ReferrersListing {
  via: ReferrersVia;
  descriptors: Descriptor[];
  /**
   * `fallback-tag` without asking the API this time: the registry had already answered that it has no referrers
   * route (see `skipKnownMissingApi`). Before an empty listing is taken as final, list again without that option.
   */
  apiAssumedMissing?: true;
}

export interface ListReferrersOptions {
  /** Only descriptors of this artifactType (sent to the API as a filter, and applied here in any case). */
  artifactType?: string;
  /**
   * Skip the API request when this registry already answered, in this process, that the referrers route does
   * not exist (a 404 that is not a registry error: distribution 2.8's text/plain `404 page not found`). The
   * listing then says `apiAssumedMissing`. A 404 with a registry error (`NAME_UNKNOWN`: a registry with the API
   * not knowing one repository) is never remembered.
   */
  skipKnownMissingApi?: boolean;
}

export interface PushReferrerResult {
  via: ReferrersVia;
  /** `fallback-tag`: the tag of the index that lists the referrer (`sha256-<hex>`). */
  tag?: string;
  /** `fallback-tag`: index writes it took (0 when the entry was already listed). */
  writes?: number;
}

export interface PushReferrerOptions {
  /** Fallback index: after a confirmed write, wait and confirm once more (default true). */
  settle?: boolean;
}
