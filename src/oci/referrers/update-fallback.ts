/**
 * Adding one descriptor to a `sha256-<hex>` referrers index without losing anyone else's (distribution spec
 * "Pushing Manifests with Subject", client side): read (with the ETag) → append → PUT with `If-Match` →
 * read back. A 412 means another writer got there first: read again and retry. Registries that ignore
 * `If-Match` (distribution 2.8) are covered by the read-back: when our entry, or any entry we ever saw, is
 * missing, a concurrent writer replaced the index, so merge (theirs, then the ones they dropped, then ours) and
 * write again; after a confirmed write, wait and confirm once more, so a writer that read before our write
 * cannot drop us unseen. Every read goes through `readForUpdate` (oci/read-for-update.ts): a 404 is trusted only
 * once confirmed, so a single 404 of an existing index never starts a fresh one that drops every entry, and an
 * index that exists but cannot be read stops the update before anything is written.
 */
import { OcisignError, isOcisignError, withContext } from '../../core/errors.ts';
import type { Logger } from '../client-options.ts';
import type { Descriptor, RawManifest } from '../manifest.ts';
import { backoffMs, settleMs, sleep } from '../racing-writers.ts';
import { TagUnreadableError, readForUpdate, type ManifestReader } from '../read-for-update.ts';
import { checkFallbackIndex, serializeFallbackIndex, type FallbackIndex } from './fallback-index.ts';

/** A manifest as read for the update: the bytes and the ETag to send back in `If-Match`. */
export interface TagRead {
  raw: RawManifest;
  etag?: string;
}

/**
 * What the update needs of a registry: readForUpdate's reads (GET with the ETag, HEAD, the tag list) and a
 * conditional write of the tag. I/O failures throw.
 */
export interface FallbackTagStore extends ManifestReader<TagRead> {
  /** The `sha256-<hex>` tag. */
  readonly tag: string;
  /** PUT the index under the tag; `conflict` when the registry answered 412 to `If-Match`. */
  write(index: RawManifest, ifMatch: string | undefined): Promise<'written' | 'conflict'>;
}

export interface FallbackUpdateOptions {
  /** Rounds of write + read-back before giving up (default 64: 64 racing writers on distribution 2.8 need ~20). */
  maxAttempts?: number;
  /** Confirm after settling (default true; tests of one writer may skip it). */
  settle?: boolean;
  /** Largest index written, in bytes. */
  maxBytes: number;
  logger?: Logger;
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export interface FallbackUpdateResult {
  /** Index writes made (0: the entry was already listed). */
  writes: number;
  /** Entries in the index when confirmed. */
  entries: number;
}

interface IndexState {
  index: FallbackIndex;
  /** undefined when the tag is confirmed absent. */
  etag: string | undefined;
  /** When the read that gave this state was started (performance.now()). */
  readAt: number;
}

export async function addToFallbackIndex(
  store: FallbackTagStore,
  subjectDigest: string,
  entry: Descriptor,
  options: FallbackUpdateOptions,
): Promise<FallbackUpdateResult> {
  try {
    return await new FallbackUpdate(store, subjectDigest, entry, options).run();
  } catch (err) {
    throw withContext(`updating the referrers index ${store.displayName}:${store.tag}`, err);
  }
}

class FallbackUpdate {
  /** Every entry seen in any read, by digest, in first-seen order: our writes may drop none of them. */
  private readonly known = new Map<string, Descriptor>();
  private writes = 0;
  /** From the start of the read our last write was based on to that write's answer: how stale a writer can be. */
  private lastWindowMs = 0;
  private readonly store: FallbackTagStore;
  /** `registry/repo:sha256-<hex>`, for messages. */
  private readonly display: string;
  private readonly subjectDigest: string;
  private readonly entry: Descriptor;
  private options: FallbackUpdateOptions;

  constructor(store: FallbackTagStore, subjectDigest: string, entry: Descriptor, options: FallbackUpdateOptions) {
    this.store = store;
    this.display = `${store.displayName}:${store.tag}`;
    this.subjectDigest = subjectDigest;
    this.entry = entry;
    this.options = options;
  }

  async run(): Promise<FallbackUpdateResult> {
    const maxAttempts = this.options.maxAttempts ?? 64;
    let state = await this.read();
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      if (!this.isComplete(state)) {
        const outcome = await this.retrying('writing', () => this.write(state));
        if (outcome === 'conflict') this.options.logger?.debug(`${this.display}: 412, another writer changed the index (attempt ${attempt})`);
        state = await this.read();
        if (outcome === 'conflict' || !this.isComplete(state)) {
          if (outcome === 'written') this.options.logger?.debug(`${this.display}: another writer replaced the index; merging (attempt ${attempt})`);
          await this.backoff(attempt);
          state = await this.read(); // never write from a read older than the backoff
          continue;
        }
      }
      if (this.writes === 0 || this.options.settle === false) return this.result(state);
      await (this.options.sleep ?? sleep)(settleMs(this.lastWindowMs, this.random));
      state = await this.read();
      if (this.isComplete(state)) return this.result(state);
      this.options.logger?.debug(`${this.display}: an entry went missing after settling; merging (attempt ${attempt})`);
    }
    throw new OcisignError('IO', `could not confirm the write after ${maxAttempts} attempts: other writers keep replacing the index`);
  }

  /** The current index (remembered), an empty one only when the tag is confirmed absent. */
  private async read(): Promise<IndexState> {
    const readAt = performance.now();
    const found = await this.retrying('reading', () => readForUpdate(this.store, this.store.tag, { logger: this.options.logger, sleep: this.options.sleep }));
    if (!found) return { index: { manifests: [], invalid: [], extra: {} }, etag: undefined, readAt };
    const checked = checkFallbackIndex(found.raw, this.subjectDigest);
    if (!checked.ok) {
      throw new OcisignError('IO', `refusing to replace the tag: ${checked.why}; the referrer is stored but not listed`);
    }
    if (checked.index.invalid.length > 0) {
      throw new OcisignError('IO', `refusing to rewrite the index: ${checked.index.invalid[0]}; the referrer is stored but not listed`);
    }
    for (const d of checked.index.manifests) if (!this.known.has(d.digest)) this.known.set(d.digest, d);
    return { index: checked.index, etag: found.etag, readAt };
  }

  private isComplete(state: IndexState): boolean {
    const present = new Set(state.index.manifests.map((d) => d.digest));
    if (!present.has(this.entry.digest)) return false;
    for (const digest of this.known.keys()) if (!present.has(digest)) return false;
    return true;
  }

  private async write(state: IndexState): Promise<'written' | 'conflict'> {
    const manifests = [...state.index.manifests];
    const present = new Set(manifests.map((d) => d.digest));
    for (const [digest, d] of this.known) if (!present.has(digest)) (manifests.push(d), present.add(digest));
    if (!present.has(this.entry.digest)) manifests.push(this.entry);
    const index = serializeFallbackIndex(manifests, state.index.extra);
    if (index.bytes.byteLength > this.options.maxBytes) {
      throw new OcisignError('BAD_INPUT', `refusing to write a ${index.bytes.byteLength}-byte index (${manifests.length} referrers), more than the limit of ${this.options.maxBytes} bytes`);
    }
    const outcome = await this.store.write(index, state.etag);
    if (outcome === 'written') {
      this.writes++;
      this.lastWindowMs = performance.now() - state.readAt;
    }
    return outcome;
  }

  /**
   * Registries fail transiently under concurrent writers (distribution 2.8 answers 500 mid-rewrite): retry I/O errors,
   * but not an index that exists and cannot be read (readForUpdate already read it again).
   */
  private async retrying<T>(what: string, fn: () => Promise<T>): Promise<T> {
    const tries = Math.min(this.options.maxAttempts ?? 64, 6);
    for (let i = 1; ; i++) {
      try {
        return await fn();
      } catch (err) {
        if (!isOcisignError(err, 'IO') || err instanceof TagUnreadableError || i >= tries) throw err;
        this.options.logger?.debug(`${this.display}: ${what} failed (${err.message}); retrying`);
        await this.backoff(i);
      }
    }
  }

  private async backoff(attempt: number): Promise<void> {
    await (this.options.sleep ?? sleep)(backoffMs(attempt, 2000, this.random));
  }

  private readonly random = (): number => (this.options.random ?? Math.random)();

  private result(state: IndexState): FallbackUpdateResult {
    return { writes: this.writes, entries: state.index.manifests.length };
  }
}
