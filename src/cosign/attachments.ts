import { OcisignError, withContext } from '../core/errors.ts';
import { DEFAULT_LIMITS, type Limits } from '../core/limits.ts';
import { sha256Digest, digestAlgorithm } from '../oci/digest.ts';
import { parseManifest, type Descriptor, type RawManifest } from '../oci/manifest.ts';
import { MediaType } from '../oci/media-types.ts';
import type { Repository } from '../oci/repository.ts';
import { createHash } from 'node:crypto';
import { arrayElementSpans, objectMemberSpans } from './json-spans.ts';
import { mapLimit } from './map-limit.ts';
import type { ManifestLayer } from './signature-image.ts';
import { attachmentTag, type AttachmentKind } from './tags.ts';

/** One layer of a `.sig`/`.att`/`.sbom` image: its descriptor (exact text kept) and, when read, its payload. */
export interface AttachmentLayer extends ManifestLayer {
  raw: string;
  annotations: Record<string, string>;
  /** The layer blob, digest-checked; only when payloads were requested. */
  payload?: Uint8Array;
}

/** The attachment image at `sha256-<hex>.<suffix>`; an absent tag is an empty set. */
export interface AttachmentSet {
  tag: string;
  /** The manifest exactly as read; undefined when the tag does not exist. */
  manifest?: RawManifest;
  layers: AttachmentLayer[];
  /** Manifest and config media types of the image read (reused when appending). */
  mediaType: string;
  configMediaType: string;
  /** Manifest-level annotations text, carried over verbatim on append. */
  rawAnnotations?: string;
}

export interface ReadAttachmentsOptions {
  limits?: Partial<Limits>;
  /** Also read every layer blob (needed to verify; not needed to append). */
  payloads?: boolean;
  /** Blob reads in flight at once. */
  concurrency?: number;
  /**
   * Bytes the payloads are likely to be (e.g. the simple-signing payload cosign writes for this image). A layer
   * whose digest and size these bytes match is not fetched: bytes with the descriptor's SHA-256 are the blob.
   */
  expectedPayloads?: readonly Uint8Array[];
}

/** Read the attachments of `digest` from `repo` (which may be a COSIGN_REPOSITORY target). */
export async function readAttachments(
  repo: Repository,
  digest: string,
  kind: AttachmentKind,
  options: ReadAttachmentsOptions = {},
): Promise<AttachmentSet> {
  const tag = attachmentTag(digest, kind);
  const where = `${repo.displayName}:${tag}`;
  let manifest: RawManifest | undefined;
  try {
    manifest = await repo.getManifest(tag);
  } catch (err) {
    throw withContext(`reading ${where}`, err);
  }
  if (!manifest) return { tag, layers: [], mediaType: MediaType.OciManifest, configMediaType: MediaType.OciConfig };
  return attachmentSetOf(repo, manifest, tag, options);
}

/** An attachment image already read (e.g. on a second look at a tag that answered "not found"), with its payloads. */
export async function attachmentSetOf(repo: Repository, manifest: RawManifest, tag: string, options: ReadAttachmentsOptions = {}): Promise<AttachmentSet> {
  const where = `${repo.displayName}:${tag}`;
  const set = parseAttachmentManifest(manifest, tag, where, { ...DEFAULT_LIMITS, ...options.limits });
  if (options.payloads) {
    await readPayloads(repo, set, where, { ...DEFAULT_LIMITS, ...options.limits }, options.concurrency ?? 8, options.expectedPayloads ?? []);
  }
  return set;
}

/** Parse attachment manifest bytes into layers, keeping each descriptor's exact text. */
export function parseAttachmentManifest(manifest: RawManifest, tag: string, where: string, limits: Limits): AttachmentSet {
  const parsed = parseManifest(manifest.bytes, manifest.mediaType, where);
  if (parsed.kind !== 'image') throw new OcisignError('BAD_INPUT', `reading ${where}: an index, not an image manifest`);
  const m = parsed.manifest;
  if (m.layers.length > limits.maxAttachmentLayers) {
    throw new OcisignError('BAD_INPUT', `reading ${where}: ${m.layers.length} layers, more than the limit of ${limits.maxAttachmentLayers}`);
  }
  const members = objectMemberSpans(new TextDecoder().decode(manifest.bytes));
  const raws = arrayElementSpans(members.get('layers') ?? '[]');
  const layers = m.layers.map((descriptor, i) => toLayer(descriptor, raws[i]!, `${where} layers[${i}]`));
  return {
    tag,
    manifest,
    layers,
    mediaType: m.mediaType ?? manifest.mediaType,
    configMediaType: m.config.mediaType,
    rawAnnotations: members.get('annotations'),
  };
}

function toLayer(descriptor: Descriptor, raw: string, what: string): AttachmentLayer {
  const annotations: Record<string, string> = {};
  for (const [k, v] of Object.entries(descriptor.annotations ?? {})) {
    if (typeof v !== 'string') throw new OcisignError('BAD_INPUT', `invalid descriptor ${what}: annotation ${k} is not a string`);
    annotations[k] = v;
  }
  return { descriptor, raw, annotations };
}

async function readPayloads(
  repo: Repository,
  set: AttachmentSet,
  where: string,
  limits: Limits,
  concurrency: number,
  expected: readonly Uint8Array[],
): Promise<void> {
  const known = expectedByDigest(expected);
  await mapLimit(set.layers, concurrency, async (layer, i) => {
    const { digest, size } = layer.descriptor;
    const what = `layer ${i} (${digest}) of ${where}`;
    if (size > limits.maxPayloadBytes) {
      throw new OcisignError('BAD_INPUT', `reading ${what}: ${size} bytes, more than the limit of ${limits.maxPayloadBytes}`);
    }
    const predicted = known.get(digest);
    if (predicted && predicted.byteLength === size) {
      layer.payload = predicted;
      return;
    }
    let bytes: Uint8Array;
    try {
      bytes = await repo.readBlob(digest, limits.maxPayloadBytes);
    } catch (err) {
      throw withContext(`reading ${what}`, err);
    }
    checkBlob(bytes, layer.descriptor, what);
    layer.payload = bytes;
  });
}

function expectedByDigest(expected: readonly Uint8Array[]): Map<string, Uint8Array> {
  const byDigest = new Map<string, Uint8Array>();
  for (const bytes of expected) byDigest.set(sha256Digest(bytes), bytes);
  return byDigest;
}

/** Belt and braces over the backend's own check: the bytes must hash to the descriptor's digest and size. */
function checkBlob(bytes: Uint8Array, d: Descriptor, what: string): void {
  const alg = digestAlgorithm(d.digest);
  const actual = alg === 'sha256' ? sha256Digest(bytes) : `sha512:${createHash('sha512').update(bytes).digest('hex')}`;
  if (actual !== d.digest || bytes.byteLength !== d.size) {
    throw new OcisignError('IO', `reading ${what}: content does not match its descriptor (got ${actual}, ${bytes.byteLength} bytes)`);
  }
}
