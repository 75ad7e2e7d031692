import { parseBoundedJson } from '../core/bounded-json.ts';
import { OcisignError } from '../core/errors.ts';
import { isDigest } from './digest.ts';
import { isImageManifestMediaType, isIndexMediaType, MediaType } from './media-types.ts';

export interface Platform {
  architecture: string;
  os: string;
  variant?: string;
  'os.version'?: string;
  'os.features'?: string[];
}

export interface Descriptor {
  mediaType: string;
  size: number;
  digest: string;
  urls?: string[];
  annotations?: Record<string, string>;
  platform?: Platform;
  artifactType?: string;
}

export interface ImageManifest {
  schemaVersion: 2;
  mediaType?: string;
  artifactType?: string;
  config: Descriptor;
  layers: Descriptor[];
  subject?: Descriptor;
  annotations?: Record<string, string>;
}

export interface ImageIndex {
  schemaVersion: 2;
  mediaType?: string;
  artifactType?: string;
  manifests: Descriptor[];
  subject?: Descriptor;
  annotations?: Record<string, string>;
}

/** A manifest or index exactly as stored: the bytes are the truth, the parsed value is a view. */
export interface RawManifest {
  bytes: Uint8Array;
  mediaType: string;
  digest: string;
}

export type ParsedManifest =
  | { kind: 'image'; manifest: ImageManifest }
  | { kind: 'index'; manifest: ImageIndex };

/**
 * Parse and structurally validate manifest bytes. `mediaType` is the transport's (Content-Type or the
 * descriptor's); the document's own mediaType wins when present. `what` names it in errors.
 */
export function parseManifest(bytes: Uint8Array, mediaType: string | undefined, what: string): ParsedManifest {
  const parsed = parseBoundedJson(bytes);
  if (!parsed.ok) throw new OcisignError('BAD_INPUT', `invalid manifest ${what}: ${/^not (JSON|UTF-8)/.test(parsed.reason) ? 'not JSON' : parsed.reason}`);
  const doc = parsed.value;
  if (!isObject(doc)) throw new OcisignError('BAD_INPUT', `invalid manifest ${what}: not an object`);
  if (doc.schemaVersion !== 2) {
    throw new OcisignError('BAD_INPUT', `invalid manifest ${what}: schemaVersion ${JSON.stringify(doc.schemaVersion)} (only 2 is supported)`);
  }
  const type = typeof doc.mediaType === 'string' ? doc.mediaType : mediaType;
  const looksLikeIndex = Array.isArray(doc.manifests);
  if (isIndexMediaType(type) || (!isImageManifestMediaType(type) && looksLikeIndex)) {
    if (!Array.isArray(doc.manifests)) throw new OcisignError('BAD_INPUT', `invalid manifest ${what}: index without manifests`);
    doc.manifests.forEach((d, i) => checkDescriptor(d, `${what} manifests[${i}]`));
    return { kind: 'index', manifest: doc as unknown as ImageIndex };
  }
  if (!isObject(doc.config)) throw new OcisignError('BAD_INPUT', `invalid manifest ${what}: no config`);
  checkDescriptor(doc.config, `${what} config`);
  if (!Array.isArray(doc.layers)) throw new OcisignError('BAD_INPUT', `invalid manifest ${what}: no layers`);
  doc.layers.forEach((d, i) => checkDescriptor(d, `${what} layers[${i}]`));
  return { kind: 'image', manifest: doc as unknown as ImageManifest };
}

/** The media type of manifest bytes: the document's own field, else a guess from its shape. */
export function manifestMediaTypeOf(bytes: Uint8Array, what = 'manifest'): string {
  const parsed = parseBoundedJson(bytes);
  if (!parsed.ok || !isObject(parsed.value)) throw new OcisignError('BAD_INPUT', `invalid manifest ${what}: ${parsed.ok ? 'not an object' : parsed.reason}`);
  const doc = parsed.value;
  if (typeof doc.mediaType === 'string') return doc.mediaType;
  return Array.isArray(doc.manifests) ? MediaType.OciIndex : MediaType.OciManifest;
}

function checkDescriptor(d: unknown, what: string): void {
  if (!isObject(d)) throw new OcisignError('BAD_INPUT', `invalid descriptor ${what}: not an object`);
  if (typeof d.mediaType !== 'string') throw new OcisignError('BAD_INPUT', `invalid descriptor ${what}: no mediaType`);
  if (typeof d.digest !== 'string' || !isDigest(d.digest)) {
    throw new OcisignError('BAD_INPUT', `invalid descriptor ${what}: bad digest ${JSON.stringify(d.digest)}`);
  }
  if (typeof d.size !== 'number' || !Number.isSafeInteger(d.size) || d.size < 0) {
    throw new OcisignError('BAD_INPUT', `invalid descriptor ${what}: bad size ${JSON.stringify(d.size)}`);
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
