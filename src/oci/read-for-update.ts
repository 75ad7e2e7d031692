/**
 * Reading a tag before rewriting it: the read of every read-modify-write of a manifest under a tag (a cosign
 * `.sig`/`.att`/`.sbom` image in cosign/append.ts, a referrers fallback index `sha256-<hex>`).
 *
 * Registries answer 404 for tags that exist: eventually consistent storage, replicas that lag, caches in front that
 * keep a 404. A writer that believes one such answer writes a fresh manifest and drops everything the tag held. So
 * the contract of `readForUpdate(repo, tag)`:
 *
 * - It returns the manifest the tag names, or `undefined` only when the absence is confirmed by two more reads that
 *   do not share the GET's URL: a HEAD of the tag and the repository's tag list. A registry that refuses to list
 *   tags (401/403: some grant push without list) leaves HEAD and a second GET as the confirmation.
 * - When either of them says the tag exists, the manifest is read again, with retries: by the digest HEAD answered
 *   (content-addressed, so no cache holds a stale answer for it), else by the tag. That manifest is returned, and
 *   the caller merges into it as usual.
 * - When the tag exists but cannot be read, it throws `TagUnreadableError` (IO, exit 4). The caller must then write
 *   nothing: a set it cannot read is a set it could shrink.
 * - Any other failure of the reads is thrown as is (nothing is assumed from a failed read).
 *
 * It only makes sure that no write is based on a "not found" that was not true. Concurrent writers are still the
 * caller's business (cosign/append.ts reads back after writing; a layout compares and swaps).
 */
import { OcisignError, isOcisignError } from '../core/errors.ts';
import type { Logger } from './client-options.ts';
import type { RawManifest } from './manifest.ts';

export interface ReadForUpdateOptions {
  /** Reads of an existing tag before giving up (default 4), with doubling delays from `delayMs` (default 250). */
  attempts?: number;
  delayMs?: number;
  logger?: Logger;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * The tag exists (HEAD or the tag list says so) but its manifest cannot be read: write nothing. The message does
 * not repeat the tag: callers prefix what they were writing (`appending to REPO:TAG: …`).
 */
export class TagUnreadableError extends OcisignError {
  constructor(evidence: string, tries: number) {
    super('IO', `the tag exists (${evidence}) but reading it answers "not found" (${tries} tries); refusing to write over a set that cannot be read`);
  }
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * What readForUpdate reads through: a Repository, or a narrower store of one repository's manifests whose GET
 * answers more than the bytes (`M`: the referrers fallback index keeps the ETag for its conditional write).
 */
export interface ManifestReader<M> {
  /** `registry/repository`, for messages. */
  readonly displayName: string;
  /** GET by tag or digest; undefined on 404. */
  getManifest(ref: string): Promise<M | undefined>;
  /** HEAD; undefined on 404. */
  resolve(ref: string): Promise<{ digest: string } | undefined>;
  listTags(): Promise<string[]>;
}

export async function readForUpdate<M = RawManifest>(repo: ManifestReader<M>, tag: string, options: ReadForUpdateOptions = {}): Promise<M | undefined> {
  const first = await repo.getManifest(tag);
  if (first) return first;
  const [head, listed] = await Promise.all([repo.resolve(tag), isListed(repo, tag, options.logger)]);
  if (!head && listed === false) return undefined;
  if (!head && listed === undefined) {
    // no tag list to ask: one more GET, after a pause, stands in for it
    await (options.sleep ?? defaultSleep)(options.delayMs ?? 250);
    return (await repo.getManifest(tag)) ?? (await repo.resolve(tag) ? unreadable('HEAD answers it on a second look', 2) : undefined);
  }
  const evidence = head ? `HEAD answers ${head.digest}` : 'the tag list names it';
  options.logger?.debug(`${repo.displayName}:${tag}: "not found", but ${evidence}; reading it again`);
  const attempts = options.attempts ?? 4;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const manifest = await repo.getManifest(head?.digest ?? tag);
    if (manifest) return manifest;
    if (attempt < attempts) await (options.sleep ?? defaultSleep)((options.delayMs ?? 250) * 2 ** (attempt - 1));
  }
  return unreadable(evidence, attempts + 1);
}

function unreadable(evidence: string, tries: number): never {
  throw new TagUnreadableError(evidence, tries);
}

/** Whether the tag list names `tag`; undefined when the registry does not let us list tags. */
async function isListed(repo: ManifestReader<unknown>, tag: string, logger: Logger | undefined): Promise<boolean | undefined> {
  try {
    return (await repo.listTags()).includes(tag);
  } catch (err) {
    if (!isOcisignError(err, 'AUTH')) throw err;
    logger?.debug(`${repo.displayName}: cannot list tags (${err.message}); confirming absence without it`);
    return undefined;
  }
}
