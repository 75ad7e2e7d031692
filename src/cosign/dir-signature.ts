import { parseBoundedJson } from '../core/bounded-json.ts';
import { OcisignError } from '../core/errors.ts';
import { decodeBase64Strict } from './base64.ts';

/** The prefix of a containers/image (skopeo/podman) sigstore signature stored as a file or blob. */
const PREFIX = new TextEncoder().encode('\x00sigstore-json\n');

/** One cosign signature layer as containers/image serialises it: media type, exact payload, annotations. */
export interface DirSignature {
  mediaType: string;
  payload: Uint8Array;
  annotations: Record<string, string>;
}

/** Whether `bytes` is in containers/image's sigstore format (GPG "simple signing" blobs are not). */
export function isDirSignature(bytes: Uint8Array): boolean {
  return bytes.byteLength >= PREFIX.byteLength && PREFIX.every((b, i) => bytes[i] === b);
}

/**
 * Parse `\x00sigstore-json\n{"mimeType","payload"(base64),"annotations"}` — a lossless copy of one `.sig`
 * layer (`signature-N` files of a `dir:` image). Returns undefined for a non-sigstore (GPG) signature.
 */
export function parseDirSignature(bytes: Uint8Array, source: string): DirSignature | undefined {
  if (!isDirSignature(bytes)) return undefined;
  const parsed = parseBoundedJson(bytes.subarray(PREFIX.byteLength));
  if (!parsed.ok) throw new OcisignError('BAD_INPUT', `reading signature ${source}: ${/^not (JSON|UTF-8)/.test(parsed.reason) ? 'not JSON' : parsed.reason} after the sigstore-json prefix`);
  const doc = parsed.value;
  const d = doc as { mimeType?: unknown; payload?: unknown; annotations?: unknown };
  if (typeof d.mimeType !== 'string' || typeof d.payload !== 'string') {
    throw new OcisignError('BAD_INPUT', `reading signature ${source}: missing mimeType or payload`);
  }
  const payload = decodeBase64Strict(d.payload);
  if (!payload) throw new OcisignError('BAD_INPUT', `reading signature ${source}: payload is not base64`);
  const annotations: Record<string, string> = {};
  if (d.annotations !== undefined && d.annotations !== null) {
    if (typeof d.annotations !== 'object' || Array.isArray(d.annotations)) {
      throw new OcisignError('BAD_INPUT', `reading signature ${source}: annotations is not an object`);
    }
    for (const [k, v] of Object.entries(d.annotations)) {
      if (typeof v !== 'string') throw new OcisignError('BAD_INPUT', `reading signature ${source}: annotation ${k} is not a string`);
      annotations[k] = v;
    }
  }
  return { mediaType: d.mimeType, payload, annotations };
}
