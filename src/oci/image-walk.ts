/** Helpers for walking an image or index in a Repository. */
import { OcisignError } from '../core/errors.ts';
import { parseManifest, type ParsedManifest, type RawManifest } from './manifest.ts';
import type { Repository } from './repository.ts';

export interface FetchedManifest {
  raw: RawManifest;
  parsed: ParsedManifest;
}

/** The manifest `ref` (tag or digest) names, parsed; NOT_FOUND (exit 11) when absent. */
export async function fetchManifest(repo: Repository, ref: string): Promise<FetchedManifest> {
  const found = await findManifest(repo, ref);
  if (!found) throw new OcisignError('NOT_FOUND', `image ${describeRef(repo, ref)} not found`);
  return found;
}

/** Like fetchManifest, but `undefined` when absent. */
export async function findManifest(repo: Repository, ref: string): Promise<FetchedManifest | undefined> {
  const raw = await repo.getManifest(ref);
  if (!raw) return undefined;
  return { raw, parsed: parseManifest(raw.bytes, raw.mediaType, describeRef(repo, ref)) };
}

/** `repo:tag` or `repo@digest`, for messages. */
export function describeRef(repo: Repository, ref: string): string {
  return ref.includes(':') ? `${repo.displayName}@${ref}` : `${repo.displayName}:${ref}`;
}

/** Runs `fn` over `items` with at most `limit` in flight; rejects with the first error once all settled. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (next < items.length && !failure) {
      const i = next++;
      try {
        results[i] = await fn(items[i]!, i);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (failure) throw failure.error;
  return results;
}

/** A stream factory for `BlobSource` that opens the blob lazily (again on each call, for retries). */
export function blobStream(repo: Repository, digest: string, size?: number): () => AsyncIterable<Uint8Array> {
  return async function* () {
    yield* await repo.openBlob(digest, size);
  };
}
