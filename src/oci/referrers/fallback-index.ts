/** The `sha256-<hex>` referrers index of registries without the referrers API: check, read and build it. */
import { isDigest, sha256Digest } from '../digest.ts';
import type { Descriptor, RawManifest } from '../manifest.ts';
import { MediaType } from '../media-types.ts';

/** A fallback index as stored: its descriptors verbatim (unknown fields kept) and its other top-level fields. */
export interface FallbackIndex {
  /** The well-formed descriptors, verbatim. */
  manifests: Descriptor[];
  /** Why each malformed descriptor was left out (`manifests[3] has a bad digest`). */
  invalid: string[];
  /** Top-level fields other than schemaVersion/mediaType/manifests, kept on rewrite. */
  extra: Record<string, unknown>;
}

export type FallbackCheck = { ok: true; index: FallbackIndex } | { ok: false; why: string };

/**
 * Is what the tag names a referrers index of `subjectDigest`? It must be an OCI image index (by its own
 * mediaType, else the transport's), and not the subject itself: GitLab resolves the tag `sha256-<hex>` to the
 * manifest `sha256:<hex>`, so a naive client would list (or overwrite) the subject's own children. Malformed
 * descriptors are set apart in `invalid` (a reader skips them; a writer refuses to rewrite such an index).
 */
export function checkFallbackIndex(raw: RawManifest, subjectDigest: string): FallbackCheck {
  if (raw.digest === subjectDigest) return { ok: false, why: 'the tag resolves to the subject itself (a registry that maps the tag to the digest), not to a referrers index' };
  let doc: unknown;
  try {
    doc = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(raw.bytes));
  } catch {
    return { ok: false, why: 'it is not JSON' };
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return { ok: false, why: 'it is not a JSON object' };
  const { schemaVersion, mediaType, manifests, ...extra } = doc as Record<string, unknown>;
  const type = typeof mediaType === 'string' ? mediaType : raw.mediaType;
  if (type !== MediaType.OciIndex) return { ok: false, why: `it is ${JSON.stringify(type)}, not an OCI image index` };
  if (schemaVersion !== 2) return { ok: false, why: `its schemaVersion is ${JSON.stringify(schemaVersion)}` };
  if (!Array.isArray(manifests)) return { ok: false, why: 'it has no manifests array' };
  const valid: Descriptor[] = [];
  const invalid: string[] = [];
  for (const [i, d] of manifests.entries()) {
    const why = descriptorProblem(d);
    if (why) invalid.push(`manifests[${i}] ${why}`);
    else valid.push(d as Descriptor);
  }
  return { ok: true, index: { manifests: valid, invalid, extra } };
}

/** Why `d` is not a usable descriptor, or undefined. */
export function descriptorProblem(d: unknown): string | undefined {
  if (typeof d !== 'object' || d === null || Array.isArray(d)) return 'is not an object';
  const desc = d as Record<string, unknown>;
  if (typeof desc.mediaType !== 'string') return 'has no mediaType';
  if (typeof desc.digest !== 'string' || !isDigest(desc.digest)) return `has a bad digest ${JSON.stringify(desc.digest)}`;
  if (typeof desc.size !== 'number' || !Number.isSafeInteger(desc.size) || desc.size < 0) return `has a bad size ${JSON.stringify(desc.size)}`;
  if (desc.artifactType !== undefined && typeof desc.artifactType !== 'string') return 'has a non-string artifactType';
  if (desc.annotations !== undefined && !isStringRecord(desc.annotations)) return 'has annotations that are not strings';
  return undefined;
}

/** The index bytes: `schemaVersion`, `mediaType`, `manifests`, then the fields the previous index had. */
export function serializeFallbackIndex(manifests: readonly Descriptor[], extra: Record<string, unknown> = {}): RawManifest {
  const doc = { schemaVersion: 2, mediaType: MediaType.OciIndex, manifests, ...extra };
  const bytes = new TextEncoder().encode(JSON.stringify(doc));
  return { bytes, mediaType: MediaType.OciIndex, digest: sha256Digest(bytes) };
}

function isStringRecord(v: unknown): boolean {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every((x) => typeof x === 'string');
}
