import { OcisignError, isOcisignError, withContext } from '../core/errors.ts';
import { isTransportFailure } from '../core/deadline.ts';
import { DEFAULT_LIMITS, type Limits } from '../core/limits.ts';
import type { Logger } from '../oci/client-options.ts';
import { sha256Digest } from '../oci/digest.ts';
import type { Descriptor } from '../oci/manifest.ts';
import { MediaType } from '../oci/media-types.ts';
import { TagUnreadableError, readForUpdate } from '../oci/read-for-update.ts';
import { backoffMs, settleMs, sleep } from '../oci/racing-writers.ts';
import { TagMovedError, type Repository } from '../oci/repository.ts';
import { parseAttachmentManifest, type AttachmentLayer, type AttachmentSet } from './attachments.ts';
import { CosignAnnotation } from './media-types.ts';
import { buildAttachmentManifest, buildSignatureConfig, formatDescriptor, type ManifestLayer } from './signature-image.ts';
import { attachmentTag, type AttachmentKind } from './tags.ts';

/** A layer to add: the payload bytes (stored as the layer blob) and the descriptor's annotations. */
export interface NewAttachmentLayer {
  payload: Uint8Array;
  mediaType: string;
  annotations: Record<string, string>;
}

export interface AppendOptions {
  kind: AttachmentKind;
  limits?: Partial<Limits>;
  /** cosign's dedupe rule for this layer (see `isCosignDuplicate`); true = the set already holds it. */
  isDuplicate?: (existing: AttachmentLayer) => boolean;
  /** Write attempts before giving up (each one: read, merge, write, read back). */
  maxAttempts?: number;
  /** After a confirmed write, wait and confirm once more so a writer that read before us cannot drop us unseen. */
  settle?: boolean;
  logger?: Logger;
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export interface AppendResult {
  tag: string;
  /** Digest of the appended layer (the payload digest). */
  layerDigest: string;
  /** false when an identical signature was already there (idempotent re-sign): nothing was written. */
  appended: boolean;
  /** Writes it took (0 when nothing was written). */
  writes: number;
  /** Layers in the attachment image when confirmed. */
  layerCount: number;
}

/** Tries of one step failing with an IO answer (each already retried by the repository on 429/5xx). */
const IO_RETRIES = 6;

/**
 * Append a layer to the `.sig`/`.att`/`.sbom` image of `subjectDigest` without losing any layer:
 * read → (dedupe) → append → push blobs, then the manifest → read the tag back. When another writer's
 * manifest replaced ours (our layer, or a layer we had seen, is missing) merge — theirs, then the ones they
 * lost, then ours — and write again, with bounded, jittered retries. Existing descriptors are reused verbatim.
 * Every read goes through `readForUpdate`: a "not found" is believed only when confirmed, and a set that exists
 * but cannot be read stops the append before anything is written.
 */
export async function appendAttachment(
  repo: Repository,
  subjectDigest: string,
  layer: NewAttachmentLayer,
  options: AppendOptions,
): Promise<AppendResult> {
  const ctx = new AppendContext(repo, subjectDigest, layer, options);
  try {
    return await ctx.run();
  } catch (err) {
    throw withContext(`appending to ${repo.displayName}:${ctx.tag}`, err);
  }
}

class AppendContext {
  readonly tag: string;
  private readonly limits: Limits;
  private readonly ours: AttachmentLayer;
  private readonly ourKey: string;
  /** Every layer seen in any read, by key, in first-seen order: none of them may be dropped by our writes. */
  private readonly known = new Map<string, AttachmentLayer>();
  private readonly repo: Repository;
  private readonly payload: Uint8Array;
  private readonly options: AppendOptions;
  private writes = 0;
  /** From the start of the read a write was based on to its manifest written. */
  private lastWindowMs = 0;
  private readStarted = 0;

  constructor(repo: Repository, subjectDigest: string, layer: NewAttachmentLayer, options: AppendOptions) {
    this.repo = repo;
    this.payload = layer.payload;
    this.options = options;
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
    const descriptor: Descriptor = {
      mediaType: layer.mediaType,
      size: layer.payload.byteLength,
      digest: sha256Digest(layer.payload),
      annotations: { ...layer.annotations },
    };
    this.ours = { descriptor, raw: formatDescriptor(descriptor), annotations: { ...layer.annotations } };
    this.ourKey = layerKey(this.ours);
    this.tag = attachmentTag(subjectDigest, options.kind);
  }

  async run(): Promise<AppendResult> {
    const maxAttempts = this.options.maxAttempts ?? 12;
    // The payload goes up before the first read (a blob nobody names changes nothing; a duplicate's payload is there
    // already): then only the config and the manifest lie between the read and the write another writer could race.
    await this.retrying('uploading the payload', () => this.repo.putBlob({ digest: this.ours.descriptor.digest, size: this.payload.byteLength }, this.payload));
    let current = await this.read();
    const dup = this.options.isDuplicate ? current.layers.find((l) => this.options.isDuplicate!(l)) : undefined;
    if (dup) return this.result(false, current.layers.length);
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      this.remember(current);
      if (!this.isComplete(current)) {
        await this.retrying('writing', () => this.write(current));
        current = await this.read();
        this.remember(current);
        if (!this.isComplete(current)) {
          this.options.logger?.debug(`${this.tag}: another writer replaced the manifest; merging (attempt ${attempt})`);
          await this.backoff(attempt);
          current = await this.read(); // never write from a read older than the backoff
          continue;
        }
      }
      if (this.options.settle === false) return this.result(true, current.layers.length);
      await (this.options.sleep ?? sleep)(settleMs(this.lastWindowMs, this.random));
      current = await this.read();
      this.remember(current);
      if (this.isComplete(current)) return this.result(true, current.layers.length);
      this.options.logger?.debug(`${this.tag}: a layer went missing after settling; merging (attempt ${attempt})`);
    }
    throw new OcisignError('IO', `could not confirm the write after ${maxAttempts} attempts: other writers keep replacing the manifest`);
  }

  private async read(): Promise<AttachmentSet> {
    this.readStarted = performance.now();
    return this.retrying('reading', async () => {
      const manifest = await readForUpdate(this.repo, this.tag, { logger: this.options.logger, sleep: this.options.sleep });
      if (!manifest) return { tag: this.tag, layers: [], mediaType: MediaType.OciManifest, configMediaType: MediaType.OciConfig };
      return parseAttachmentManifest(manifest, this.tag, `${this.repo.displayName}:${this.tag}`, this.limits);
    });
  }

  /**
   * Registries fail transiently under concurrent writers (distribution 2.8: 500 reading a tag being
   * rewritten; 400 MANIFEST_BLOB_UNKNOWN while an identical blob upload is in flight): retry answers like these. A
   * failed exchange (reset, truncation, stall, the command's deadline) was already retried by the repository, and an
   * unreadable set was already re-read: retrying those again would only multiply the wait.
   */
  private async retrying<T>(what: string, fn: () => Promise<T>): Promise<T> {
    const tries = Math.min(IO_RETRIES, this.options.maxAttempts ?? IO_RETRIES);
    for (let i = 1; ; i++) {
      try {
        return await fn();
      } catch (err) {
        if (!isOcisignError(err, 'IO') || err instanceof TagUnreadableError || isTransportFailure(err) || i >= tries) throw err;
        this.options.logger?.debug(`${this.tag}: ${what} failed (${err.message}); retrying`);
        await this.backoff(i);
      }
    }
  }

  private remember(set: AttachmentSet): void {
    for (const l of set.layers) if (!this.known.has(layerKey(l))) this.known.set(layerKey(l), l);
  }

  /** Our layer and every layer ever seen are present. */
  private isComplete(set: AttachmentSet): boolean {
    const keys = new Set(set.layers.map(layerKey));
    if (!keys.has(this.ourKey)) return false;
    for (const k of this.known.keys()) if (!keys.has(k)) return false;
    return true;
  }

  /** theirs (as read), then layers they dropped that we had seen, then ours. */
  private merge(set: AttachmentSet): ManifestLayer[] {
    const out: AttachmentLayer[] = [...set.layers];
    const keys = new Set(set.layers.map(layerKey));
    for (const [k, l] of this.known) if (!keys.has(k)) (out.push(l), keys.add(k));
    if (!keys.has(this.ourKey)) out.push(this.ours);
    return out;
  }

  private async write(current: AttachmentSet): Promise<void> {
    const layers = this.merge(current);
    if (layers.length > this.limits.maxAttachmentLayers) {
      throw new OcisignError('BAD_INPUT', `refusing to write ${layers.length} layers, more than the limit of ${this.limits.maxAttachmentLayers}`);
    }
    const config = buildSignatureConfig(layers.map((l) => l.descriptor.digest));
    const bytes = buildAttachmentManifest(layers, config, {
      mediaType: current.mediaType,
      configMediaType: current.configMediaType,
      rawAnnotations: current.rawAnnotations,
    });
    if (bytes.byteLength > this.limits.maxManifestBytes) {
      throw new OcisignError('BAD_INPUT', `refusing to write a ${bytes.byteLength}-byte manifest, more than the limit of ${this.limits.maxManifestBytes}`);
    }
    await this.repo.putBlob({ digest: sha256Digest(config), size: config.byteLength }, config);
    try {
      // compare-and-swap where the backend can (layouts); the read-back below catches what a registry cannot
      await this.repo.putManifest(this.tag, { bytes, mediaType: current.mediaType, digest: sha256Digest(bytes) }, { ifTagIs: current.manifest?.digest ?? null });
    } catch (err) {
      if (err instanceof TagMovedError) return; // nothing written; the read-back sees the other writer's manifest
      throw err;
    }
    this.writes++;
    this.lastWindowMs = performance.now() - this.readStarted;
  }

  private async backoff(attempt: number): Promise<void> {
    await (this.options.sleep ?? sleep)(backoffMs(attempt, 1000, this.random));
  }

  private readonly random = (): number => (this.options.random ?? Math.random)();

  private result(appended: boolean, layerCount: number): AppendResult {
    return { tag: this.tag, layerDigest: this.ours.descriptor.digest, appended, writes: this.writes, layerCount };
  }
}

/** Layers are the same when payload digest and signature annotation are (attestations: digest alone, as "" == ""). */
export function layerKey(l: Pick<AttachmentLayer, 'descriptor' | 'annotations'>): string {
  return `${l.descriptor.digest}\n${l.annotations[CosignAnnotation.Signature] ?? ''}`;
}
