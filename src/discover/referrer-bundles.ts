/**
 * The Sigstore bundles among an image's OCI 1.1 referrers. The listing's `artifactType` and annotations are
 * not trusted (cosign 3.1.1 writes `application/vnd.oci.empty.v1+json` into fallback indexes; registries
 * derive it differently): each referrer manifest is read, and it holds a bundle when it is an image manifest
 * with exactly one layer whose media type is a Sigstore bundle's (any version, both v0.3 spellings). Other
 * referrers (an SBOM attached with `oras attach`, a Notary signature) are counted, not errors. A referrer that
 * cannot be read (network, registry) is an error; one that is malformed is reported, never silently skipped.
 */
import { OcisignError, withContext } from '../core/errors.ts';
import type { Limits } from '../core/limits.ts';
import { mapLimit } from '../cosign/map-limit.ts';
import { parseManifest, type Descriptor } from '../oci/manifest.ts';
import type { ReferrersListing, ReferrersVia, Repository } from '../oci/repository.ts';
import { isBundleMediaType } from '../verify/evidence/bundle-media-types.ts';

export interface ReferrerBundle {
  /** The referrer manifest's digest. */
  manifestDigest: string;
  /** The bundle layer's media type (the bundle JSON says its own version too). */
  mediaType: string;
  bytes: Uint8Array;
}

export interface ReferrerProblem {
  manifestDigest: string;
  reason: string;
}

export interface ReferrersFound {
  via: ReferrersVia;
  /** Listed from the fallback tag without asking the API (the registry had said it has none): see secondLook. */
  apiAssumedMissing?: true;
  bundles: ReferrerBundle[];
  /** Referrers that are not Sigstore bundles (by their artifactType or config media type). */
  others: { manifestDigest: string; artifactType: string }[];
  /** Referrers that claim to be bundles but cannot be read as one. */
  problems: ReferrerProblem[];
}

/** Referrers read at most; an image with more is refused rather than half-checked. */
export const MAX_REFERRERS = 1000;

/**
 * The bundles among the referrers of `digest`. With `skipKnownMissingApi`, a registry that already said it has no
 * referrers route is not asked again (one request per image fewer); the result then says `apiAssumedMissing`.
 */
export async function readReferrerBundles(repo: Repository, digest: string, limits: Limits, options: { skipKnownMissingApi?: boolean } = {}): Promise<ReferrersFound> {
  const listing = await repo.listReferrers(digest, options); // its errors name the listing and the registry already
  return bundlesOf(repo, listing, digest, limits);
}

/** The bundles among the referrers a listing names. */
export async function bundlesOf(repo: Repository, listing: ReferrersListing, digest: string, limits: Limits, concurrency = 8): Promise<ReferrersFound> {
  const where = `${repo.displayName}@${digest}`;
  if (listing.descriptors.length > MAX_REFERRERS) {
    throw new OcisignError('BAD_INPUT', `listing referrers of ${where}: ${listing.descriptors.length} referrers, more than the limit of ${MAX_REFERRERS}`);
  }
  const found: ReferrersFound = { via: listing.via, ...(listing.apiAssumedMissing ? { apiAssumedMissing: true as const } : {}), bundles: [], others: [], problems: [] };
  const seen = new Set<string>();
  const unique = listing.descriptors.filter((d) => !seen.has(d.digest) && seen.add(d.digest));
  await mapLimit(unique, concurrency, (d) => readOne(repo, d, digest, limits, found));
  // reads finish in any order; report in the listing's order
  const order = new Map(unique.map((d, i) => [d.digest, i]));
  const byListing = (a: { manifestDigest: string }, b: { manifestDigest: string }) => order.get(a.manifestDigest)! - order.get(b.manifestDigest)!;
  found.bundles.sort(byListing);
  found.others.sort(byListing);
  found.problems.sort(byListing);
  return found;
}

async function readOne(repo: Repository, d: Descriptor, subject: string, limits: Limits, found: ReferrersFound): Promise<void> {
  const what = `referrer ${d.digest} of ${repo.displayName}@${subject}`;
  let raw;
  try {
    raw = await repo.getManifest(d.digest);
  } catch (err) {
    if (err instanceof OcisignError && err.code === 'BAD_INPUT') return void found.problems.push({ manifestDigest: d.digest, reason: err.message });
    throw withContext(`reading ${what}`, err);
  }
  if (!raw) return void found.problems.push({ manifestDigest: d.digest, reason: 'listed, but the manifest is not in the repository' });
  let parsed;
  try {
    parsed = parseManifest(raw.bytes, raw.mediaType, what);
  } catch (err) {
    return void found.problems.push({ manifestDigest: d.digest, reason: (err as Error).message });
  }
  if (parsed.kind !== 'image') return void found.others.push({ manifestDigest: d.digest, artifactType: parsed.manifest.artifactType ?? raw.mediaType });
  const m = parsed.manifest;
  const bundleLayers = m.layers.filter((l) => isBundleMediaType(l.mediaType));
  if (bundleLayers.length === 0) return void found.others.push({ manifestDigest: d.digest, artifactType: m.artifactType ?? m.config.mediaType });
  if (m.layers.length !== 1) {
    return void found.problems.push({ manifestDigest: d.digest, reason: `a Sigstore bundle referrer must have exactly one layer, this one has ${m.layers.length}` });
  }
  if (m.subject && m.subject.digest !== subject) {
    return void found.problems.push({ manifestDigest: d.digest, reason: `listed as a referrer of ${subject}, but its subject is ${m.subject.digest}` });
  }
  const layer = bundleLayers[0]!;
  if (layer.size > limits.maxPayloadBytes) {
    return void found.problems.push({ manifestDigest: d.digest, reason: `bundle of ${layer.size} bytes is larger than the limit of ${limits.maxPayloadBytes} bytes` });
  }
  let bytes: Uint8Array;
  try {
    bytes = await repo.readBlob(layer.digest, limits.maxPayloadBytes);
  } catch (err) {
    throw withContext(`reading the bundle ${layer.digest} of ${what}`, err);
  }
  found.bundles.push({ manifestDigest: d.digest, mediaType: layer.mediaType, bytes });
}
