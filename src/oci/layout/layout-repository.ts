/**
 * The OCI image layout backend of `Repository`: `oci-layout`, `index.json`, `blobs/<alg>/<hex>`. Tags are
 * `org.opencontainers.image.ref.name` annotations on index.json entries. The layout is created on first write;
 * every write is atomic (temp + fsync + rename); blobs are verified before they are renamed into place and
 * manifests are written only after the blobs they name; index.json is rewritten under an exclusive lock file so
 * concurrent writers (processes) never lose an entry. Manifests put by digest are stored as blobs only.
 */
import { createHash } from 'node:crypto';
import { mkdir, open, rm, stat } from 'node:fs/promises';
import { join, resolve as resolvePath } from 'node:path';
import { OcisignError, describeError } from '../../core/errors.ts';
import { DEFAULT_LIMITS, type Limits } from '../../core/limits.ts';
import { silentLogger, type Logger } from '../client-options.ts';
import { DigestVerifier, assertDigest, digestAlgorithm, digestHex, isDigest } from '../digest.ts';
import { manifestMediaTypeOf, parseManifest, type Descriptor, type RawManifest } from '../manifest.ts';
import type { LayoutReference } from '../reference.ts';
import { TagMovedError, type BlobSource, type ListReferrersOptions, type PushReferrerResult, type PutManifestOptions, type ReferrersListing, type Repository } from '../repository.ts';
import { listLayoutReferrers, pushLayoutReferrer } from './layout-referrers.ts';
import { writeFileAtomic } from './atomic-file.ts';
import { DEFAULT_LOCK_OPTIONS, withFileLock, type LockOptions } from './index-lock.ts';
import { emptyIndex, findTag, readLayoutIndex, serializeIndex, setTag, tagOf, type LayoutIndex } from './layout-index.ts';
import { pathExists, readFileBounded } from '../../core/fs.ts';

export interface LayoutRepositoryOptions {
  logger?: Logger;
  limits?: Partial<Limits>;
  lock?: Partial<LockOptions>;
}

const OCI_LAYOUT = new TextEncoder().encode('{"imageLayoutVersion":"1.0.0"}');

export function createLayoutRepository(ref: LayoutReference, options: LayoutRepositoryOptions = {}): Repository {
  return new LayoutRepository(ref, options);
}

export class LayoutRepository implements Repository {
  readonly reference: LayoutReference;
  readonly displayName: string;
  readonly root: string;
  private readonly limits: Limits;
  private readonly logger: Logger;
  private readonly lock: LockOptions;

  constructor(ref: LayoutReference, options: LayoutRepositoryOptions = {}) {
    this.reference = { kind: 'layout', path: ref.path };
    this.displayName = `oci:${ref.path}`;
    this.root = resolvePath(ref.path);
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.logger = options.logger ?? silentLogger;
    this.lock = { ...DEFAULT_LOCK_OPTIONS, ...options.lock };
  }

  get indexPath(): string {
    return join(this.root, 'index.json');
  }

  blobPath(digest: string): string {
    assertDigest(digest);
    return join(this.root, 'blobs', digestAlgorithm(digest), digestHex(digest));
  }

  async resolve(ref: string): Promise<Descriptor | undefined> {
    const index = await readLayoutIndex(this.indexPath);
    if (!isDigest(ref)) {
      const entry = index && findTag(index, ref);
      return entry && plainDescriptor(entry);
    }
    const entry = index?.manifests.findLast((d) => d.digest === ref);
    if (entry) return plainDescriptor(entry);
    const size = await this.blobSize(ref);
    if (size === undefined) return undefined;
    if (size > this.limits.maxManifestBytes) {
      throw new OcisignError('BAD_INPUT', `${ref} in ${this.displayName} is ${size} bytes, too large for a manifest`);
    }
    const bytes = await this.readBlob(ref, this.limits.maxManifestBytes);
    return { mediaType: this.mediaTypeOf(bytes, ref), digest: ref, size };
  }

  async getManifest(ref: string): Promise<RawManifest | undefined> {
    const desc = await this.resolve(ref);
    if (!desc) return undefined;
    if (desc.size > this.limits.maxManifestBytes) {
      throw new OcisignError('BAD_INPUT', `manifest ${desc.digest} in ${this.displayName} is ${desc.size} bytes (limit ${this.limits.maxManifestBytes})`);
    }
    if ((await this.blobSize(desc.digest)) === undefined) {
      throw new OcisignError('IO', `corrupt layout ${this.root}: index.json names ${desc.digest} but ${this.blobPath(desc.digest)} is missing`);
    }
    const bytes = await this.readBlob(desc.digest, this.limits.maxManifestBytes);
    if (bytes.byteLength !== desc.size) {
      throw new OcisignError('BAD_INPUT', `corrupt layout ${this.root}: manifest ${desc.digest} is ${bytes.byteLength} bytes, index.json says ${desc.size}`);
    }
    return { bytes, mediaType: desc.mediaType, digest: desc.digest };
  }

  async putManifest(ref: string, manifest: RawManifest, options: PutManifestOptions = {}): Promise<Descriptor> {
    const what = `manifest ${manifest.digest} in ${this.displayName}`;
    if (manifest.bytes.byteLength > this.limits.maxManifestBytes) {
      throw new OcisignError('BAD_INPUT', `putting ${what}: ${manifest.bytes.byteLength} bytes is over the ${this.limits.maxManifestBytes}-byte manifest limit`);
    }
    const actual = hashOf(manifest.bytes, manifest.digest);
    if (actual !== manifest.digest) throw new OcisignError('BAD_INPUT', `putting ${what}: its bytes have digest ${actual}`);
    if (isDigest(ref) && ref !== manifest.digest) throw new OcisignError('BAD_INPUT', `putting ${what} under a different digest ${ref}`);
    await this.checkReferencedBlobs(manifest, what);
    const descriptor: Descriptor = { mediaType: manifest.mediaType, digest: manifest.digest, size: manifest.bytes.byteLength };
    await this.putBlob(descriptor, manifest.bytes);
    if (!isDigest(ref)) {
      await this.updateIndex((index) => {
        const found = findTag(index, ref)?.digest ?? null;
        if (options.ifTagIs !== undefined && found !== options.ifTagIs) throw new TagMovedError(`putting ${what} as ${ref}`, found);
        return setTag(index, ref, descriptor);
      });
      this.logger.debug(`tagged ${manifest.digest} as ${ref} in ${this.displayName}`);
    }
    return descriptor;
  }

  async deleteManifest(digest: string): Promise<void> {
    assertDigest(digest);
    let found = false;
    await this.updateIndex((index) => {
      const manifests = index.manifests.filter((d) => d.digest !== digest);
      found = manifests.length !== index.manifests.length;
      return { ...index, manifests };
    });
    const hadBlob = (await this.blobSize(digest)) !== undefined;
    await rm(this.blobPath(digest), { force: true });
    if (!found && !hadBlob) throw new OcisignError('NOT_FOUND', `deleting ${digest} in ${this.displayName}: not found`);
  }

  async listTags(): Promise<string[]> {
    const index = await readLayoutIndex(this.indexPath);
    return [...new Set((index?.manifests ?? []).map(tagOf).filter((t): t is string => t !== undefined))];
  }

  async hasBlob(digest: string): Promise<boolean> {
    return (await this.blobSize(digest)) !== undefined;
  }

  async openBlob(digest: string, size?: number): Promise<AsyncIterable<Uint8Array>> {
    const path = this.blobPath(digest);
    let handle;
    try {
      handle = await open(path, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new OcisignError('NOT_FOUND', `blob ${digest} not found in ${this.displayName} (${path})`);
      }
      throw new OcisignError('IO', `opening ${path}: ${describeError(err)}`, { cause: err });
    }
    return verifiedChunks(handle.createReadStream(), digest, size, path);
  }

  async readBlob(digest: string, maxBytes: number): Promise<Uint8Array> {
    const size = await this.blobSize(digest);
    if (size === undefined) throw new OcisignError('NOT_FOUND', `blob ${digest} not found in ${this.displayName} (${this.blobPath(digest)})`);
    if (size > maxBytes) throw new OcisignError('BAD_INPUT', `blob ${digest} in ${this.displayName} is ${size} bytes (limit ${maxBytes})`);
    // bounded while reading too: a blob path that is a device or grew after the size check stops at the limit
    const bytes = new Uint8Array(await readFileBounded(this.blobPath(digest), maxBytes, `blob ${digest} in ${this.displayName}`));
    const actual = hashOf(bytes, digest);
    if (actual !== digest) {
      throw new OcisignError('BAD_INPUT', `corrupt layout ${this.root}: ${this.blobPath(digest)} has digest ${actual}`);
    }
    return bytes;
  }

  async putBlob(descriptor: Pick<Descriptor, 'digest' | 'size'>, source: BlobSource, _from?: Repository): Promise<void> {
    const { digest, size } = descriptor;
    if (await this.hasBlob(digest)) return;
    await this.ensureLayout(digest);
    const verifier = new DigestVerifier(digest);
    const chunks = source instanceof Uint8Array ? [source] : source();
    const counted = countChunks(chunks, verifier);
    await writeFileAtomic(this.blobPath(digest), counted, () => {
      const actual = verifier.digest();
      if (actual !== digest) throw new OcisignError('BAD_INPUT', `putting blob ${digest} in ${this.displayName}: its bytes have digest ${actual}`);
      if (verifier.size !== size) throw new OcisignError('BAD_INPUT', `putting blob ${digest} in ${this.displayName}: ${verifier.size} bytes, expected ${size}`);
    });
  }

  listReferrers(digest: string, options?: ListReferrersOptions): Promise<ReferrersListing> {
    return listLayoutReferrers(this, digest, options);
  }

  pushReferrer(manifest: RawManifest, subject: Descriptor): Promise<PushReferrerResult> {
    return pushLayoutReferrer(this, manifest, subject);
  }

  /** Read-modify-write of index.json under the lock; creates the layout when needed. */
  async updateIndex(change: (index: LayoutIndex) => LayoutIndex): Promise<void> {
    await this.ensureLayout();
    await withFileLock(`${this.indexPath}.lock`, this.lock, async () => {
      const index = (await readLayoutIndex(this.indexPath)) ?? emptyIndex();
      await writeFileAtomic(this.indexPath, serializeIndex(change(index)));
    });
  }

  private async ensureLayout(digest?: string): Promise<void> {
    try {
      await mkdir(join(this.root, 'blobs', digest ? digestAlgorithm(digest) : 'sha256'), { recursive: true });
      const layoutFile = join(this.root, 'oci-layout');
      if (!(await pathExists(layoutFile))) await writeFileAtomic(layoutFile, OCI_LAYOUT);
    } catch (err) {
      if (err instanceof OcisignError) throw err;
      throw new OcisignError('IO', `creating layout ${this.root}: ${describeError(err)}`, { cause: err });
    }
  }

  private async blobSize(digest: string): Promise<number | undefined> {
    try {
      const info = await stat(this.blobPath(digest));
      return info.isFile() ? info.size : undefined;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
      throw new OcisignError('IO', `reading ${this.blobPath(digest)}: ${describeError(err)}`, { cause: err });
    }
  }

  private mediaTypeOf(bytes: Uint8Array, digest: string): string {
    try {
      return manifestMediaTypeOf(bytes);
    } catch (err) {
      throw new OcisignError('BAD_INPUT', `${digest} in ${this.displayName} is not a manifest`, { cause: err });
    }
  }

  private async checkReferencedBlobs(manifest: RawManifest, what: string): Promise<void> {
    const parsed = parseManifest(manifest.bytes, manifest.mediaType, what);
    const named = parsed.kind === 'index' ? parsed.manifest.manifests : [parsed.manifest.config, ...parsed.manifest.layers];
    for (const d of named) {
      if (d.urls?.length) continue; // foreign layers live elsewhere
      if (!(await this.hasBlob(d.digest))) {
        throw new OcisignError('BAD_INPUT', `putting ${what}: ${d.digest} it names is not in the layout`);
      }
    }
  }
}

function plainDescriptor(d: Descriptor): Descriptor {
  const out: Descriptor = { mediaType: d.mediaType, digest: d.digest, size: d.size };
  if (d.platform) out.platform = d.platform;
  if (d.artifactType) out.artifactType = d.artifactType;
  return out;
}

function hashOf(bytes: Uint8Array, digestLike: string): string {
  const alg = digestAlgorithm(digestLike);
  return `${alg}:${createHash(alg).update(bytes).digest('hex')}`;
}

async function* countChunks(
  chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
  verifier: DigestVerifier,
): AsyncIterable<Uint8Array> {
  for await (const chunk of chunks) {
    verifier.update(chunk);
    yield chunk;
  }
}

async function* verifiedChunks(
  stream: AsyncIterable<Buffer>,
  digest: string,
  size: number | undefined,
  path: string,
): AsyncIterable<Uint8Array> {
  const verifier = new DigestVerifier(digest);
  for await (const chunk of stream) {
    verifier.update(chunk);
    if (size !== undefined && verifier.size > size) {
      throw new OcisignError('BAD_INPUT', `corrupt layout: ${path} is larger than its descriptor's ${size} bytes`);
    }
    yield new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  }
  if (size !== undefined && verifier.size !== size) {
    throw new OcisignError('BAD_INPUT', `corrupt layout: ${path} is ${verifier.size} bytes, its descriptor says ${size}`);
  }
  const actual = verifier.digest();
  if (actual !== digest) throw new OcisignError('BAD_INPUT', `corrupt layout: ${path} has digest ${actual}`);
}

