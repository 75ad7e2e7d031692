/**
 * copy SRC DST between any two repositories (registry or layout), keeping every digest: blobs first, children
 * before their index, the root last, then the `.sig`/`.att`/`.sbom` of the root and of every child, and their
 * OCI 1.1 referrers (bundles, and referrers of those: a signature on an attestation), each pushed in the
 * destination's own form (its referrers API, its `sha256-<hex>` index, or a layout's index.json). Blobs already
 * in the destination are skipped; on one registry, blobs are mounted across repositories.
 */
import { OcisignError } from '../core/errors.ts';
import { attachmentTag, type AttachmentKind } from '../cosign/tags.ts';
import { silentLogger, type Logger } from '../oci/client-options.ts';
import { blobStream, describeRef, fetchManifest, findManifest, type FetchedManifest } from '../oci/image-walk.ts';
import { readReferrerManifest } from '../oci/referrers/referrer-descriptor.ts';
import type { Descriptor } from '../oci/manifest.ts';
import { formatReference, type Reference } from '../oci/reference.ts';
import type { ReferrersVia, Repository } from '../oci/repository.ts';

export interface CopyOptions {
  /** Most blob transfers in flight. */
  concurrency?: number;
  /** Copy the `.sig`/`.att`/`.sbom` attachments and the OCI 1.1 referrers too (default true). */
  attachments?: boolean;
  logger?: Logger;
}

export interface CopyResult {
  source: string;
  destination: string;
  digest: string;
  mediaType: string;
  /** Manifests written (children, attachments, root). */
  manifests: number;
  blobsCopied: number;
  blobsSkipped: number;
  /** Attachment tags copied, e.g. `sha256-<hex>.sig`. */
  attachments: string[];
  /** Referrer manifests copied (digests), with how the destination lists them. */
  referrers: Array<{ digest: string; subject: string; via: ReferrersVia }>;
}

/** How deep referrers of referrers are followed (a signature on an attestation is depth 2). */
const MAX_REFERRER_DEPTH = 4;

const KINDS: readonly AttachmentKind[] = ['signature', 'attestation', 'sbom'];

export async function copyImage(
  src: Repository,
  srcRef: Reference,
  dst: Repository,
  dstRef: Reference,
  options: CopyOptions = {},
): Promise<CopyResult> {
  const root = await fetchManifest(src, srcRef.digest ?? srcRef.tag ?? 'latest');
  const digest = root.raw.digest;
  if (dstRef.digest !== undefined && dstRef.digest !== digest) {
    throw new OcisignError('BAD_INPUT', `copying to ${formatReference(dstRef)}: the source's digest is ${digest}`);
  }
  const copier = new Copier(src, dst, options);
  const subjects = await copier.copyContent(root);
  const dstKey = dstRef.tag ?? (dstRef.digest !== undefined ? digest : (srcRef.tag ?? 'latest'));
  await copier.putManifest(dstKey, root);
  const attachments = options.attachments === false ? [] : await copier.copyAttachments([digest, ...subjects]);
  const referrers = options.attachments === false ? [] : await copier.copyReferrers([digest, ...subjects]);
  return {
    source: formatReference({ ...srcRef, digest }),
    destination: formatReference({ ...dstRef, tag: dstKey === digest ? undefined : dstKey, digest }),
    digest,
    mediaType: root.raw.mediaType,
    manifests: copier.manifestCount,
    blobsCopied: copier.blobsCopied,
    blobsSkipped: copier.blobsSkipped,
    attachments,
    referrers,
  };
}

class Copier {
  manifestCount = 0;
  blobsCopied = 0;
  blobsSkipped = 0;
  private readonly src: Repository;
  private readonly dst: Repository;
  private readonly logger: Logger;
  private readonly limit: Limiter;
  private readonly blobs = new Map<string, Promise<void>>();
  private readonly mountFrom: Repository | undefined;

  constructor(src: Repository, dst: Repository, options: CopyOptions) {
    this.src = src;
    this.dst = dst;
    this.logger = options.logger ?? silentLogger;
    this.limit = createLimiter(options.concurrency ?? 4);
    const s = src.reference;
    const d = dst.reference;
    this.mountFrom = s.kind === 'registry' && d.kind === 'registry' && s.registry === d.registry ? src : undefined;
  }

  /** Copies what `m` names (blobs, or children with theirs) but not `m` itself; returns child digests. */
  async copyContent(m: FetchedManifest): Promise<string[]> {
    if (m.parsed.kind === 'image') {
      const { config, layers } = m.parsed.manifest;
      await Promise.all([config, ...layers].map((d) => this.copyBlob(d)));
      return [];
    }
    const children = m.parsed.manifest.manifests;
    await Promise.all(children.map((d) => this.copyChild(d)));
    return children.map((d) => d.digest);
  }

  async putManifest(key: string, m: FetchedManifest): Promise<void> {
    await this.dst.putManifest(key, m.raw);
    this.manifestCount++;
    this.logger.debug(`put ${m.raw.digest} as ${key} in ${this.dst.displayName}`);
  }

  /** For each subject digest, copy its `.sig`/`.att`/`.sbom` when the source has one. */
  async copyAttachments(subjects: string[]): Promise<string[]> {
    const tags = subjects.flatMap((s) => KINDS.map((k) => attachmentTag(s, k)));
    const copied = await Promise.all(tags.map(async (tag) => {
      const found = await findManifest(this.src, tag);
      if (!found) return undefined;
      await this.copyContent(found);
      await this.putManifest(tag, found);
      return tag;
    }));
    return copied.filter((t): t is string => t !== undefined);
  }

  /** For each subject, its referrers (and theirs, to MAX_REFERRER_DEPTH), pushed as the destination lists them. */
  async copyReferrers(subjects: string[]): Promise<CopyResult['referrers']> {
    const copied: CopyResult['referrers'] = [];
    const seen = new Set<string>(subjects);
    let level = subjects;
    for (let depth = 1; depth <= MAX_REFERRER_DEPTH && level.length > 0; depth++) {
      const next: string[] = [];
      for (const subject of level) {
        const listing = await this.src.listReferrers(subject);
        for (const d of listing.descriptors) {
          if (seen.has(d.digest)) continue;
          seen.add(d.digest);
          const referrer = await findManifest(this.src, d.digest);
          if (!referrer) {
            this.logger.warn(`${describeRef(this.src, d.digest)} is listed as a referrer of ${subject} but is not there: not copied`);
            continue;
          }
          const named = readReferrerManifest(referrer.raw, describeRef(this.src, d.digest)).subject;
          if (named?.digest !== subject) {
            this.logger.warn(`${describeRef(this.src, d.digest)} is listed as a referrer of ${subject} but names ${named?.digest ?? 'no subject'}: not copied`);
            continue;
          }
          await this.copyContent(referrer);
          const pushed = await this.dst.pushReferrer(referrer.raw, named);
          this.manifestCount++;
          copied.push({ digest: d.digest, subject, via: pushed.via });
          next.push(d.digest);
        }
      }
      level = next;
    }
    return copied;
  }

  private async copyChild(d: Descriptor): Promise<void> {
    const child = await fetchManifest(this.src, d.digest);
    await this.copyContent(child);
    if (await this.dst.resolve(d.digest)) return;
    await this.putManifest(d.digest, child);
  }

  private copyBlob(d: Descriptor): Promise<void> {
    let pending = this.blobs.get(d.digest);
    if (!pending) {
      pending = this.limit(() => this.transferBlob(d));
      this.blobs.set(d.digest, pending);
    }
    return pending;
  }

  private async transferBlob(d: Descriptor): Promise<void> {
    if (await this.dst.hasBlob(d.digest)) {
      this.blobsSkipped++;
      return;
    }
    if (d.urls?.length && !(await this.src.hasBlob(d.digest))) {
      this.logger.debug(`skipping foreign layer ${d.digest}`);
      return;
    }
    await this.dst.putBlob(d, blobStream(this.src, d.digest, d.size), this.mountFrom);
    this.blobsCopied++;
  }
}

type Limiter = <T>(fn: () => Promise<T>) => Promise<T>;

/** At most `n` of the functions given run at once. */
export function createLimiter(n: number): Limiter {
  let active = 0;
  const waiting: Array<() => void> = [];
  return async (fn) => {
    if (active >= n) await new Promise<void>((resolve) => waiting.push(resolve));
    active++;
    try {
      return await fn();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}
