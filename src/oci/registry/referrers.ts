/**
 * OCI 1.1 referrers on a registry: listing (`GET /v2/<name>/referrers/<digest>`, else the `sha256-<hex>`
 * fallback index) and pushing a referrer manifest (the registry keeps the list when it has the API, else the
 * fallback index is updated, see referrers/update-fallback.ts).
 *
 * Listing never turns a failure into "no referrers": only 404/400/406 from the API mean "no API here", and only
 * a 404 of the fallback tag means "none". Anything else (500 after retries, 401/403, a reset, a malformed page)
 * is thrown.
 */
import { createHash } from 'node:crypto';
import { OcisignError } from '../../core/errors.ts';
import { digestAlgorithm, isDigest } from '../digest.ts';
import type { Descriptor, RawManifest } from '../manifest.ts';
import { MANIFEST_ACCEPT, MediaType } from '../media-types.ts';
import { checkFallbackIndex, descriptorProblem } from '../referrers/fallback-index.ts';
import { referrerDescriptor } from '../referrers/referrer-descriptor.ts';
import { referrersTag } from '../referrers/referrers-tag.ts';
import type { ListReferrersOptions, PushReferrerOptions, PushReferrerResult, ReferrersListing } from '../referrers/types.ts';
import { addToFallbackIndex, type FallbackTagStore, type TagRead } from '../referrers/update-fallback.ts';
import { refText, repoPath, type RepoContext } from './context.ts';
import { discard, header, mediaTypeOf, readLimited, readPrefix, type Body, type Headers } from './http-body.ts';
import { errorFromResponse } from './http-error.ts';
import { headManifest } from './manifests.ts';
import { pullScope, pushScope } from './scopes.ts';
import type { RegistrySession } from './session.ts';
import { listTags, nextLink } from './tags.ts';

/** Statuses of the referrers endpoint that mean "this registry has no referrers API" (ggcr's set, plus 406). */
const NO_API = new Set([400, 404, 406]);
/** Bounds on a listing: pages followed, descriptors kept. */
export const MAX_REFERRER_PAGES = 64;
export const MAX_REFERRERS = 10_000;

/** The referrers of `digest` in this repository: the API when the registry has it, else the fallback tag. */
export async function listReferrers(ctx: RepoContext, digest: string, options: ListReferrersOptions = {}): Promise<ReferrersListing> {
  if (!isDigest(digest)) throw new OcisignError('BAD_INPUT', `listing referrers of ${ctx.display}: ${JSON.stringify(digest)} is not a digest`);
  const assumed = options.skipKnownMissingApi === true && withoutReferrersRoute.has(ctx.session);
  const fromApi = assumed ? undefined : await listFromApi(ctx, digest, options.artifactType);
  const listing = fromApi ?? { via: 'fallback-tag' as const, descriptors: await listFromFallbackTag(ctx, digest) };
  return { via: listing.via, descriptors: filterListing(listing.descriptors, options.artifactType), ...(assumed ? { apiAssumedMissing: true as const } : {}) };
}

/**
 * Registries (one session per host) whose referrers route does not exist: `GET /v2/<name>/referrers/<digest>` was
 * answered 404 with a body that is not a registry error — distribution 2.8's router says `404 page not found`
 * (text/plain) for every path it has no route for, whatever the repository. Listings that allow it
 * (`skipKnownMissingApi`) then go straight to the fallback tag: one request per image fewer.
 */
const withoutReferrersRoute = new WeakSet<RegistrySession>();

/** A 404 whose body is not a registry's JSON error: the server has no such route (not "no such repository"). */
async function isMissingRoute(res: { statusCode: number; headers: Headers; body: Body }, maxBytes: number): Promise<boolean> {
  if (res.statusCode !== 404) {
    await discard(res.body);
    return false;
  }
  const type = mediaTypeOf(res.headers);
  const text = await readPrefix(res.body, maxBytes);
  if (type !== undefined && type !== 'text/plain') return false;
  try {
    const doc = JSON.parse(text) as { errors?: unknown } | null;
    return !(typeof doc === 'object' && doc !== null && Array.isArray(doc.errors));
  } catch {
    return true;
  }
}

/**
 * Store a referrer manifest (its blobs already pushed) by digest, then make sure it is listed: done when the
 * PUT answered `OCI-Subject` or the referrers API answers 200 with an index; otherwise append it to the
 * fallback index. On failure the previous index stays as it was (the manifest is stored, unlisted).
 */
export async function pushReferrer(ctx: RepoContext, manifest: RawManifest, subject: Descriptor, options: PushReferrerOptions = {}): Promise<PushReferrerResult> {
  const what = refText(ctx, manifest.digest);
  const entry = referrerDescriptor(manifest, subject.digest, `referrer ${what}`);
  const tag = referrersTag(subject.digest);
  const store = fallbackStore(ctx, tag);
  // The probe goes out beside the PUT (it does not depend on it); its answer is used only when the PUT succeeded.
  // The fallback index is read only after the PUT: a write based on an older read would widen the window in
  // which a concurrent writer's read is stale, and the settle wait after our write must cover that window.
  const probe = hasReferrersApi(ctx, subject.digest);
  probe.catch(() => undefined);
  const res = await putManifestBytes(ctx, manifest.digest, manifest, {}, [200, 201, 202]);
  await discard(res.body);
  if (header(res.headers, 'oci-subject') === subject.digest) {
    await probe.catch(() => undefined);
    return { via: 'referrers-api' };
  }
  if (await probe) return { via: 'referrers-api' };
  const result = await addToFallbackIndex(store, subject.digest, entry, {
    maxBytes: ctx.limits.maxManifestBytes,
    logger: ctx.session.options.logger,
    ...(options.settle !== undefined ? { settle: options.settle } : {}),
  });
  return { via: 'fallback-tag', tag, writes: result.writes };
}

/**
 * Start the referrers API probe of pushReferrer while the referrer's blobs upload (pushArtifact), so the fallback
 * index read can go out beside the manifest PUT. A failed probe is forgotten: pushReferrer asks again and reports.
 */
export function prepareReferrer(ctx: RepoContext, subjectDigest: string): void {
  if (isDigest(subjectDigest)) hasReferrersApi(ctx, subjectDigest).catch(() => undefined);
}

/**
 * Per session and repository: whether the referrers API answered (a probe is one request per subject otherwise),
 * as the probe under way or answered; a failed probe is dropped.
 */
const apiSupport = new WeakMap<RegistrySession, Map<string, Promise<boolean>>>();

function hasReferrersApi(ctx: RepoContext, subjectDigest: string): Promise<boolean> {
  let byRepo = apiSupport.get(ctx.session);
  if (!byRepo) apiSupport.set(ctx.session, (byRepo = new Map()));
  const cached = byRepo.get(ctx.name);
  if (cached) return cached;
  const probe = probeReferrersApi(ctx, subjectDigest);
  byRepo.set(ctx.name, probe);
  probe.catch(() => byRepo.get(ctx.name) === probe && byRepo.delete(ctx.name));
  return probe;
}

async function probeReferrersApi(ctx: RepoContext, subjectDigest: string): Promise<boolean> {
  const res = await ctx.session.send(referrersRequest(ctx, subjectDigest, repoPath(ctx, `referrers/${subjectDigest}`)));
  let supported: boolean;
  if (NO_API.has(res.statusCode)) {
    await discard(res.body);
    supported = false;
  } else if (res.statusCode === 200) {
    const bytes = await readLimited(res.body, res.headers, ctx.limits.maxManifestBytes, `probing referrers of ${refText(ctx, subjectDigest)}`);
    supported = isIndexResponse(mediaTypeOf(res.headers), bytes);
  } else {
    throw await errorFromResponse(res, 'probing the referrers API for', refText(ctx, subjectDigest), ctx.limits.maxErrorBodyBytes);
  }
  return supported;
}

/** Every page of the API's answer, or undefined when the registry has no referrers API. */
async function listFromApi(ctx: RepoContext, digest: string, artifactType: string | undefined): Promise<ReferrersListing | undefined> {
  const what = refText(ctx, digest);
  const descriptors: Descriptor[] = [];
  let target: string | URL = repoPath(ctx, `referrers/${digest}`) + (artifactType ? `?artifactType=${encodeURIComponent(artifactType)}` : '');
  for (let page = 1; page <= MAX_REFERRER_PAGES; page++) {
    const res = await ctx.session.send(referrersRequest(ctx, digest, target));
    if (page === 1 && NO_API.has(res.statusCode)) {
      if (await isMissingRoute(res, ctx.limits.maxErrorBodyBytes)) withoutReferrersRoute.add(ctx.session);
      return undefined;
    }
    if (res.statusCode !== 200) throw await errorFromResponse(res, 'listing referrers of', what, ctx.limits.maxErrorBodyBytes);
    const bytes = await readLimited(res.body, res.headers, ctx.limits.maxManifestBytes, `listing referrers of ${what}`);
    if (!isIndexResponse(mediaTypeOf(res.headers), bytes)) {
      if (page === 1) {
        ctx.session.options.logger.debug(`listing referrers of ${what}: 200 without an OCI index (${mediaTypeOf(res.headers) ?? 'no Content-Type'}); using the fallback tag`);
        return undefined;
      }
      throw new OcisignError('IO', `listing referrers of ${what}: page ${page} is not an OCI index`);
    }
    descriptors.push(...pageDescriptors(bytes, `listing referrers of ${what} (page ${page})`));
    if (descriptors.length > MAX_REFERRERS) throw new OcisignError('IO', `listing referrers of ${what}: more than ${MAX_REFERRERS} referrers`);
    const next = nextLink(header(res.headers, 'link'));
    if (!next) return { via: 'referrers-api', descriptors };
    target = new URL(next, res.url);
  }
  throw new OcisignError('IO', `listing referrers of ${what}: more than ${MAX_REFERRER_PAGES} pages`);
}

/** The descriptors of the fallback index; none when the tag is absent, not an OCI index, or the subject itself. */
async function listFromFallbackTag(ctx: RepoContext, digest: string): Promise<Descriptor[]> {
  const tag = referrersTag(digest);
  const found = await readTag(ctx, tag);
  if (!found) return [];
  const checked = checkFallbackIndex(found.raw, digest);
  const logger = ctx.session.options.logger;
  if (!checked.ok) {
    logger.warn(`${refText(ctx, tag)} is not a referrers index of ${digest} (${checked.why}): no referrers there`);
    return [];
  }
  for (const why of checked.index.invalid) logger.warn(`${refText(ctx, tag)}: skipping ${why}`);
  if (checked.index.manifests.length > MAX_REFERRERS) throw new OcisignError('IO', `reading ${refText(ctx, tag)}: more than ${MAX_REFERRERS} referrers`);
  return checked.index.manifests;
}

/** The referrers tag of one subject as FallbackTagStore: GET with ETag, HEAD, the tag list, PUT with If-Match. */
function fallbackStore(ctx: RepoContext, tag: string): FallbackTagStore {
  return {
    displayName: ctx.display,
    tag,
    getManifest: (ref) => readTag(ctx, ref),
    resolve: (ref) => headManifest(ctx, ref),
    listTags: () => listTags(ctx),
    write: async (index, ifMatch) => {
      const res = await putManifestBytes(ctx, tag, index, ifMatch ? { 'if-match': ifMatch } : {}, [200, 201, 202, 412]);
      await discard(res.body);
      return res.statusCode === 412 ? 'conflict' : 'written';
    },
  };
}

/**
 * GET a tag (or a digest) with every manifest type accepted (to see what it really names), its digest checked, and
 * its ETag.
 */
async function readTag(ctx: RepoContext, ref: string): Promise<TagRead | undefined> {
  const what = refText(ctx, ref);
  const res = await ctx.session.expect({
    method: 'GET',
    target: repoPath(ctx, `manifests/${ref}`),
    headers: { accept: MANIFEST_ACCEPT.join(', ') },
    scopes: [pullScope(ctx.name)],
    op: 'getting referrers index',
    ref: what,
    idempotent: true,
    followRedirects: true,
  }, [200, 404]);
  if (res.statusCode === 404) {
    await discard(res.body);
    return undefined;
  }
  const bytes = await readLimited(res.body, res.headers, ctx.limits.maxManifestBytes, `getting referrers index ${what}`);
  const declared = header(res.headers, 'docker-content-digest');
  const expected = isDigest(ref) ? ref : declared && isDigest(declared) ? declared : undefined;
  const digest = digestOf(bytes, expected ?? 'sha256:');
  if (expected && expected !== digest) {
    throw new OcisignError('IO', `getting referrers index ${what}: content digest ${digest} does not match ${isDigest(ref) ? 'the digest asked for' : `Docker-Content-Digest ${declared}`}`);
  }
  const etag = header(res.headers, 'etag');
  return { raw: { bytes, digest, mediaType: ownMediaType(bytes) ?? mediaTypeOf(res.headers) ?? '' }, ...(etag ? { etag } : {}) };
}

/** PUT manifest bytes under a tag or their digest; the caller checks the status it allowed and reads the headers. */
async function putManifestBytes(ctx: RepoContext, ref: string, manifest: RawManifest, headers: Record<string, string>, ok: number[]) {
  const what = refText(ctx, ref);
  if (manifest.bytes.byteLength > ctx.limits.maxManifestBytes) {
    throw new OcisignError('BAD_INPUT', `pushing manifest ${what}: ${manifest.bytes.byteLength} bytes is larger than the limit of ${ctx.limits.maxManifestBytes} bytes`);
  }
  const digest = digestOf(manifest.bytes, manifest.digest);
  if (digest !== manifest.digest || (isDigest(ref) && ref !== digest)) {
    throw new OcisignError('BAD_INPUT', `pushing manifest ${what}: its bytes have digest ${digest}`);
  }
  const res = await ctx.session.expect({
    method: 'PUT',
    target: repoPath(ctx, `manifests/${ref}`),
    headers: { 'content-type': manifest.mediaType, ...headers },
    body: manifest.bytes,
    scopes: [pushScope(ctx.name)],
    op: 'pushing manifest',
    ref: what,
    idempotent: true,
  }, ok);
  const stored = header(res.headers, 'docker-content-digest');
  if (res.statusCode !== 412 && stored && isDigest(stored) && stored !== digest) {
    await discard(res.body);
    throw new OcisignError('IO', `pushing manifest ${what}: registry stored digest ${stored}, expected ${digest}`);
  }
  return res;
}

function referrersRequest(ctx: RepoContext, digest: string, target: string | URL) {
  return {
    method: 'GET' as const,
    target,
    headers: { accept: MediaType.OciIndex },
    scopes: [pullScope(ctx.name)],
    op: 'listing referrers of',
    ref: refText(ctx, digest),
    idempotent: true,
  };
}

/** An OCI index by Content-Type (parameters such as `; charset=utf-8` ignored) or by the document's own mediaType. */
function isIndexResponse(contentType: string | undefined, bytes: Uint8Array): boolean {
  if (contentType === MediaType.OciIndex) return true;
  return ownMediaType(bytes) === MediaType.OciIndex;
}

function ownMediaType(bytes: Uint8Array): string | undefined {
  try {
    const doc = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) as { mediaType?: unknown };
    return typeof doc === 'object' && doc !== null && typeof doc.mediaType === 'string' ? doc.mediaType : undefined;
  } catch {
    return undefined;
  }
}

function pageDescriptors(bytes: Uint8Array, what: string): Descriptor[] {
  let doc: { manifests?: unknown };
  try {
    doc = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) as typeof doc;
  } catch {
    throw new OcisignError('IO', `${what}: not JSON`);
  }
  if (doc.manifests === null || doc.manifests === undefined) return [];
  if (!Array.isArray(doc.manifests)) throw new OcisignError('IO', `${what}: "manifests" is not a list`);
  return doc.manifests.map((d, i) => {
    const why = descriptorProblem(d);
    if (why) throw new OcisignError('IO', `${what}: manifests[${i}] ${why}`);
    return d as Descriptor;
  });
}

/** Client-side filtering (the registry may ignore `?artifactType=`) and one entry per digest. */
function filterListing(descriptors: Descriptor[], artifactType: string | undefined): Descriptor[] {
  const seen = new Set<string>();
  return descriptors.filter((d) => {
    if (artifactType !== undefined && d.artifactType !== artifactType) return false;
    if (seen.has(d.digest)) return false;
    seen.add(d.digest);
    return true;
  });
}

function digestOf(bytes: Uint8Array, like: string): string {
  const algorithm = digestAlgorithm(like);
  return `${algorithm}:${createHash(algorithm).update(bytes).digest('hex')}`;
}
