import { createHash } from 'node:crypto';
import { OcisignError } from '../../core/errors.ts';
import { assertDigest, digestAlgorithm, isDigest } from '../digest.ts';
import type { Descriptor, RawManifest } from '../manifest.ts';
import { manifestMediaTypeOf } from '../manifest.ts';
import { MANIFEST_ACCEPT } from '../media-types.ts';
import { refText, repoPath, type RepoContext } from './context.ts';
import { contentLength, discard, header, mediaTypeOf, readLimited, type Headers } from './http-body.ts';
import type { RequestSpec } from './session.ts';
import { deleteScope, pullScope, pushScope } from './scopes.ts';

const ACCEPT = MANIFEST_ACCEPT.join(', ');

/** HEAD a manifest: its descriptor, or undefined on 404. Falls back to GET when no digest header is sent. */
export async function headManifest(ctx: RepoContext, ref: string): Promise<Descriptor | undefined> {
  const res = await ctx.session.expect(manifestRequest(ctx, 'HEAD', ref, 'resolving'), [200, 404]);
  await discard(res.body);
  if (res.statusCode === 404) return undefined;
  const digest = header(res.headers, 'docker-content-digest');
  const size = contentLength(res.headers);
  const mediaType = mediaTypeOf(res.headers);
  if (!digest || !isDigest(digest) || size === undefined || !mediaType) {
    const raw = await getManifest(ctx, ref);
    return raw && { mediaType: raw.mediaType, digest: raw.digest, size: raw.bytes.byteLength };
  }
  if (isDigest(ref) && digest !== ref) {
    throw new OcisignError('IO', `resolving ${refText(ctx, ref)}: registry answered digest ${digest}`);
  }
  return { mediaType, digest, size };
}

/**
 * GET a manifest with all four manifest types in Accept; at most limits.maxManifestBytes; the bytes are
 * checked against the requested digest, or Docker-Content-Digest when fetched by tag. 404 → undefined.
 */
export async function getManifest(ctx: RepoContext, ref: string): Promise<RawManifest | undefined> {
  const what = refText(ctx, ref);
  return ctx.session.fetch(manifestRequest(ctx, 'GET', ref, 'getting manifest'), [200, 404], async (res) => {
    if (res.statusCode === 404) {
      await discard(res.body);
      return undefined;
    }
    const bytes = await readLimited(res.body, res.headers, ctx.limits.maxManifestBytes, `getting manifest ${what}`);
    const expected = isDigest(ref) ? ref : header(res.headers, 'docker-content-digest');
    const digest = digestOf(bytes, expected && isDigest(expected) ? expected : 'sha256:');
    if (expected && digest !== expected) {
      throw new OcisignError('IO', `getting manifest ${what}: content digest ${digest} does not match ${isDigest(ref) ? 'the requested digest' : 'Docker-Content-Digest'} ${expected}`);
    }
    return { bytes, digest, mediaType: manifestType(res.headers, bytes, what) };
  });
}

/** PUT manifest bytes under a tag or their digest, with the manifest's media type as Content-Type. */
export async function putManifest(ctx: RepoContext, ref: string, manifest: RawManifest): Promise<Descriptor> {
  const what = refText(ctx, ref);
  const size = manifest.bytes.byteLength;
  if (size > ctx.limits.maxManifestBytes) {
    throw new OcisignError('BAD_INPUT', `pushing manifest ${what}: ${size} bytes is larger than the limit of ${ctx.limits.maxManifestBytes} bytes`);
  }
  const digest = digestOf(manifest.bytes, assertDigest(manifest.digest, 'manifest digest'));
  if (digest !== manifest.digest) {
    throw new OcisignError('BAD_INPUT', `pushing manifest ${what}: bytes have digest ${digest}, not ${manifest.digest}`);
  }
  if (isDigest(ref) && ref !== digest) {
    throw new OcisignError('BAD_INPUT', `pushing manifest ${what}: manifest digest is ${digest}`);
  }
  const res = await ctx.session.expect({
    method: 'PUT',
    target: repoPath(ctx, `manifests/${ref}`),
    headers: { 'content-type': manifest.mediaType },
    body: manifest.bytes,
    scopes: [pushScope(ctx.name)],
    op: 'pushing manifest',
    ref: what,
    idempotent: true,
  }, [200, 201, 202]);
  await discard(res.body);
  const stored = header(res.headers, 'docker-content-digest');
  if (stored && isDigest(stored) && stored !== digest) {
    throw new OcisignError('IO', `pushing manifest ${what}: registry stored digest ${stored}, expected ${digest}`);
  }
  return { mediaType: manifest.mediaType, digest, size };
}

/** DELETE a manifest by digest; NOT_FOUND when it is not there. */
export async function deleteManifest(ctx: RepoContext, digest: string): Promise<void> {
  assertDigest(digest);
  const what = refText(ctx, digest);
  const res = await ctx.session.expect({
    method: 'DELETE',
    target: repoPath(ctx, `manifests/${digest}`),
    scopes: [pullScope(ctx.name), deleteScope(ctx.name)],
    op: 'deleting manifest',
    ref: what,
    idempotent: true,
  }, [200, 202, 404]);
  await discard(res.body);
  if (res.statusCode === 404) throw new OcisignError('NOT_FOUND', `deleting manifest ${what}: not found`);
}

function manifestRequest(ctx: RepoContext, method: 'GET' | 'HEAD', ref: string, op: string): RequestSpec {
  return {
    method,
    target: repoPath(ctx, `manifests/${ref}`),
    headers: { accept: ACCEPT },
    scopes: [pullScope(ctx.name)],
    op,
    ref: refText(ctx, ref),
    idempotent: true,
    followRedirects: true,
  };
}

function digestOf(bytes: Uint8Array, like: string): string {
  const algorithm = digestAlgorithm(like);
  return `${algorithm}:${createHash(algorithm).update(bytes).digest('hex')}`;
}

/** The document's own mediaType, else the Content-Type it was stored with, else a guess from its shape. */
function manifestType(headers: Headers, bytes: Uint8Array, what: string): string {
  let doc: unknown;
  try {
    doc = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw new OcisignError('BAD_INPUT', `getting manifest ${what}: not a JSON manifest`);
  }
  const own = typeof doc === 'object' && doc !== null ? (doc as { mediaType?: unknown }).mediaType : undefined;
  if (typeof own === 'string') return own;
  const declared = mediaTypeOf(headers);
  if (declared && MANIFEST_ACCEPT.includes(declared)) return declared;
  return manifestMediaTypeOf(bytes);
}
