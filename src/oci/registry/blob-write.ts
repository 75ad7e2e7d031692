import { OcisignError } from '../../core/errors.ts';
import { assertDigest, DigestVerifier } from '../digest.ts';
import type { BlobSource, PutBlobOptions } from '../repository.ts';
import { refText, repoPath, type RepoContext } from './context.ts';
import { discard, header } from './http-body.ts';
import { errorFromResponse, transportError } from './http-error.ts';
import { hasBlob } from './blob-read.ts';
import { isConnectionReset, isRetryableStatus, retryDelay, sleep } from './retry.ts';
import { pullScope, pushScope } from './scopes.ts';
import type { Response } from './session.ts';

/** PATCH chunk size; a registry's `OCI-Chunk-Min-Length` raises it. */
export const UPLOAD_CHUNK_BYTES = 5 * 1024 * 1024;

export interface BlobTarget {
  digest: string;
  size: number;
}

/**
 * Upload a blob unless the registry has it (`fresh`: without asking). With `mountFrom` (a repository path on the same registry)
 * try a cross-repo mount first (201 done, 202 → upload into the session it opened). Small in-memory
 * blobs go up in one PUT; others in PATCH chunks. A failed session is restarted from POST (the source is
 * reopened), never resumed mid-way.
 */
export async function putBlob(ctx: RepoContext, blob: BlobTarget, source: BlobSource, mountFrom?: string, options: PutBlobOptions = {}): Promise<void> {
  assertDigest(blob.digest);
  if (options.fresh !== true && (await hasBlob(ctx, blob.digest))) return;
  const policy = ctx.session.options.retry;
  for (let attempt = 1; ; attempt++) {
    try {
      await uploadOnce(ctx, blob, source, attempt === 1 ? mountFrom : undefined);
      return;
    } catch (err) {
      if (!isRestartable(err) || attempt >= policy.attempts) throw err;
      const ms = retryDelay(policy, attempt);
      ctx.session.options.logger.debug(`pushing blob ${refText(ctx, blob.digest)}: ${(err as Error).message}; restarting upload in ${ms} ms`);
      await sleep(ms, ctx.session.options.signal).catch((reason: unknown) => {
        throw transportError(reason, 'pushing blob', refText(ctx, blob.digest), ctx.session.options.apiHost);
      });
    }
  }
}

class RestartableError extends OcisignError {}

function isRestartable(err: unknown): boolean {
  return err instanceof RestartableError || (!(err instanceof OcisignError) && isConnectionReset(err)) || (err instanceof OcisignError && isConnectionReset(err.cause));
}

async function uploadOnce(ctx: RepoContext, blob: BlobTarget, source: BlobSource, mountFrom: string | undefined): Promise<void> {
  const started = await startUpload(ctx, blob, mountFrom);
  if (started === 'mounted') return;
  let location = started.location;
  const verifier = new DigestVerifier(blob.digest);
  if (source instanceof Uint8Array && source.byteLength <= started.chunkBytes) {
    verifier.update(source);
    checkContent(ctx, blob, verifier);
    await finishUpload(ctx, blob, location, source);
    return;
  }
  let offset = 0;
  for await (const chunk of rechunk(source instanceof Uint8Array ? [source] : source(), started.chunkBytes)) {
    verifier.update(chunk);
    if (verifier.size > blob.size) checkContent(ctx, blob, verifier);
    location = await patchChunk(ctx, blob, location, chunk, offset);
    offset += chunk.byteLength;
  }
  checkContent(ctx, blob, verifier);
  await finishUpload(ctx, blob, location, undefined);
}

type Started = 'mounted' | { location: URL; chunkBytes: number };

async function startUpload(ctx: RepoContext, blob: BlobTarget, mountFrom: string | undefined): Promise<Started> {
  const query = mountFrom === undefined ? '' : `?mount=${encodeURIComponent(blob.digest)}&from=${encodeURIComponent(mountFrom)}`;
  const res = await send(ctx, blob, {
    method: 'POST',
    target: repoPath(ctx, `blobs/uploads/${query}`),
    scopes: [pushScope(ctx.name), ...(mountFrom === undefined ? [] : [pullScope(mountFrom)])],
    op: mountFrom === undefined ? 'starting upload of blob' : `mounting from ${mountFrom} blob`,
  }, [201, 202]);
  await discard(res.body);
  if (res.statusCode === 201) return 'mounted';
  const min = Number(header(res.headers, 'oci-chunk-min-length'));
  const chunkBytes = Number.isSafeInteger(min) && min > UPLOAD_CHUNK_BYTES ? min : UPLOAD_CHUNK_BYTES;
  return { location: location(ctx, blob, res), chunkBytes };
}

async function patchChunk(ctx: RepoContext, blob: BlobTarget, at: URL, chunk: Uint8Array, offset: number): Promise<URL> {
  const res = await send(ctx, blob, {
    method: 'PATCH',
    target: at,
    headers: {
      'content-type': 'application/octet-stream',
      'content-range': `${offset}-${offset + chunk.byteLength - 1}`,
    },
    body: chunk,
    scopes: [pushScope(ctx.name)],
    op: 'uploading chunk of blob',
  }, [202, 204]); // go-containerregistry's registry answers 204
  await discard(res.body);
  return location(ctx, blob, res);
}

async function finishUpload(ctx: RepoContext, blob: BlobTarget, at: URL, body: Uint8Array | undefined): Promise<void> {
  const url = new URL(at);
  url.searchParams.set('digest', blob.digest);
  const res = await send(ctx, blob, {
    method: 'PUT',
    target: url,
    headers: { 'content-type': 'application/octet-stream' },
    body: body ?? new Uint8Array(0),
    scopes: [pushScope(ctx.name)],
    op: 'pushing blob',
  }, [201, 204]);
  await discard(res.body);
}

interface Step {
  method: 'POST' | 'PATCH' | 'PUT';
  target: string | URL;
  headers?: Record<string, string>;
  body?: Uint8Array;
  scopes: string[];
  op: string;
}

/** One step of a session: not retried on its own; retryable failures restart the whole upload. */
async function send(ctx: RepoContext, blob: BlobTarget, step: Step, ok: number[]): Promise<Response> {
  const ref = refText(ctx, blob.digest);
  const res = await ctx.session.send({ ...step, ref, idempotent: false });
  if (ok.includes(res.statusCode)) return res;
  if (isRetryableStatus(res.statusCode)) {
    await discard(res.body);
    throw new RestartableError('IO', `${step.op} ${ref}: ${res.statusCode}`);
  }
  throw await errorFromResponse(res, step.op, ref, ctx.limits.maxErrorBodyBytes);
}

/** `Location` of an upload session, relative or absolute, resolved against the request URL. */
function location(ctx: RepoContext, blob: BlobTarget, res: Response): URL {
  const value = header(res.headers, 'location');
  if (!value) throw new OcisignError('IO', `pushing blob ${refText(ctx, blob.digest)}: upload session without Location`);
  return new URL(value, res.url);
}

function checkContent(ctx: RepoContext, blob: BlobTarget, verifier: DigestVerifier): void {
  const what = refText(ctx, blob.digest);
  if (verifier.size !== blob.size) {
    throw new OcisignError('BAD_INPUT', `pushing blob ${what}: source has ${verifier.size}${verifier.size > blob.size ? '+' : ''} bytes, descriptor says ${blob.size}`);
  }
  const actual = verifier.digest();
  if (actual !== blob.digest) throw new OcisignError('BAD_INPUT', `pushing blob ${what}: source has digest ${actual}`);
}

/** Re-slice a stream into chunks of exactly `size` bytes (the last may be shorter). */
export async function* rechunk(source: Iterable<Uint8Array> | AsyncIterable<Uint8Array>, size: number): AsyncGenerator<Uint8Array> {
  let buffer = new Uint8Array(size);
  let filled = 0;
  for await (const piece of source) {
    let offset = 0;
    while (offset < piece.byteLength) {
      const n = Math.min(size - filled, piece.byteLength - offset);
      buffer.set(piece.subarray(offset, offset + n), filled);
      filled += n;
      offset += n;
      if (filled === size) {
        yield buffer;
        buffer = new Uint8Array(size);
        filled = 0;
      }
    }
  }
  if (filled > 0) yield buffer.subarray(0, filled);
}
