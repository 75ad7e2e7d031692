import { OcisignError } from '../../core/errors.ts';
import { assertDigest, DigestVerifier } from '../digest.ts';
import { refText, repoPath, type RepoContext } from './context.ts';
import { abandon, concat, contentLength, discard } from './http-body.ts';
import type { RequestSpec, Response } from './session.ts';
import { pullScope } from './scopes.ts';

/** HEAD a blob: true when the registry has it (a redirect to storage counts as "has it"). */
export async function hasBlob(ctx: RepoContext, digest: string): Promise<boolean> {
  const spec = blobRequest(ctx, 'HEAD', digest, 'checking blob');
  spec.followRedirects = false;
  const res = await ctx.session.expect(spec, [200, 307, 302, 404]);
  await discard(res.body);
  return res.statusCode !== 404;
}

/**
 * Stream a blob. The size (when given) and digest are checked while reading; the last chunk is held back
 * until the digest matched, so a consumer never receives every byte of a bad blob. Redirects are followed
 * without the registry's Authorization on any other origin. A failure once streaming has begun is IO naming the
 * host (not retried: the consumer has chunks already).
 */
export async function openBlob(ctx: RepoContext, digest: string, size?: number, maxBytes?: number): Promise<AsyncIterable<Uint8Array>> {
  assertDigest(digest);
  const spec = blobRequest(ctx, 'GET', digest, 'getting blob');
  const res = await ctx.session.expect(spec, [200, 404]);
  const check = { what: spec.ref, size, maxBytes };
  await refuseMissingOrLarge(res, check);
  return mapErrors(verified(res, new DigestVerifier(digest), check), (err) => ctx.session.failure(err, spec, res.url));
}

/**
 * A whole blob in memory, refusing more than `maxBytes`; returned only after its digest matched. A reset, truncation
 * or stall while reading is retried (the whole read) within the retry policy.
 */
export async function readBlob(ctx: RepoContext, digest: string, maxBytes: number): Promise<Uint8Array> {
  assertDigest(digest);
  const spec = blobRequest(ctx, 'GET', digest, 'getting blob');
  const check = { what: spec.ref, maxBytes };
  return ctx.session.fetch(spec, [200, 404], async (res) => {
    await refuseMissingOrLarge(res, check);
    const chunks: Uint8Array[] = [];
    for await (const chunk of verified(res, new DigestVerifier(digest), check)) chunks.push(chunk);
    return concat(chunks);
  });
}

async function refuseMissingOrLarge(res: Response, check: Check): Promise<void> {
  if (res.statusCode === 404) {
    await discard(res.body);
    throw new OcisignError('NOT_FOUND', `getting blob ${check.what}: not found`);
  }
  const declared = contentLength(res.headers);
  const limit = Math.min(check.size ?? Infinity, check.maxBytes ?? Infinity);
  if (declared !== undefined && declared > limit) {
    abandon(res.body);
    const why = check.size !== undefined && declared > check.size ? `expected ${check.size}` : `more than the limit of ${check.maxBytes} bytes`;
    throw new OcisignError('IO', `getting blob ${check.what}: registry sends ${declared} bytes, ${why}`);
  }
}

interface Check {
  what: string;
  size?: number;
  maxBytes?: number;
}

/** The body, digest- and size-checked; transport failures come out as thrown (the caller maps or retries them). */
async function* verified(res: Response, verifier: DigestVerifier, check: Check): AsyncGenerator<Uint8Array> {
  let held: Uint8Array | undefined;
  let clean = false;
  try {
    for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
      verifier.update(chunk);
      if (check.size !== undefined && verifier.size > check.size) throw mismatch(check, `more than the expected ${check.size} bytes`);
      if (check.maxBytes !== undefined && verifier.size > check.maxBytes) throw mismatch(check, `more than the limit of ${check.maxBytes} bytes`);
      if (held) yield held;
      held = chunk;
    }
    clean = true;
  } finally {
    if (!clean) abandon(res.body);
  }
  if (check.size !== undefined && verifier.size !== check.size) throw mismatch(check, `got ${verifier.size} bytes, expected ${check.size}`);
  const actual = verifier.digest();
  if (actual !== verifier.expected) throw mismatch(check, `content digest is ${actual}`);
  if (held) yield held;
}

async function* mapErrors<T>(source: AsyncGenerator<T>, map: (err: unknown) => Error): AsyncGenerator<T> {
  try {
    yield* source;
  } catch (err) {
    throw map(err);
  }
}

function mismatch(check: Check, why: string): OcisignError {
  return new OcisignError('IO', `getting blob ${check.what}: ${why}; blob discarded`);
}

function blobRequest(ctx: RepoContext, method: 'GET' | 'HEAD', digest: string, op: string): RequestSpec {
  return {
    method,
    target: repoPath(ctx, `blobs/${digest}`),
    scopes: [pullScope(ctx.name)],
    op,
    ref: refText(ctx, digest),
    idempotent: true,
    followRedirects: true,
  };
}
