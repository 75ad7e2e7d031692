/** index.json of an OCI image layout: read, validate, and update under the lock. */
import { parseBoundedJson } from '../../core/bounded-json.ts';
import { OcisignError } from '../../core/errors.ts';
import { fsReason, readFileBounded } from '../../core/fs.ts';
import { INPUT_LIMITS } from '../../core/input-limits.ts';
import { isDigest } from '../digest.ts';
import type { Descriptor } from '../manifest.ts';
import { MediaType } from '../media-types.ts';

export const REF_NAME_ANNOTATION = 'org.opencontainers.image.ref.name';

/** index.json as stored; unknown fields are kept on rewrite. */
export interface LayoutIndex {
  schemaVersion: 2;
  mediaType?: string;
  manifests: Descriptor[];
  [key: string]: unknown;
}

export function emptyIndex(): LayoutIndex {
  return { schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: [] };
}

/** The parsed index.json, or undefined when the file does not exist. Corrupt → BAD_INPUT naming the path. */
export async function readLayoutIndex(path: string): Promise<LayoutIndex | undefined> {
  let bytes: Buffer;
  try {
    bytes = await readFileBounded(path, INPUT_LIMITS.maxLayoutIndexBytes, 'layout index');
  } catch (err) {
    const cause = (err as { cause?: NodeJS.ErrnoException }).cause;
    if (cause?.code === 'ENOENT') return undefined;
    if (cause?.code === undefined) throw err; // over the limit: bad input
    throw new OcisignError('IO', `reading ${path}: ${fsReason(cause)}`, { cause });
  }
  const parsed = parseBoundedJson(bytes.toString('utf8'), { maxBytes: INPUT_LIMITS.maxLayoutIndexBytes });
  if (!parsed.ok) throw new OcisignError('BAD_INPUT', `corrupt layout index ${path}: ${parsed.reason.startsWith('not JSON') ? 'not JSON' : parsed.reason}`);
  return checkIndex(parsed.value, path);
}

function checkIndex(doc: unknown, path: string): LayoutIndex {
  const bad = (why: string): never => {
    throw new OcisignError('BAD_INPUT', `corrupt layout index ${path}: ${why}`);
  };
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) bad('not an object');
  const index = doc as Record<string, unknown>;
  if (index.schemaVersion !== 2) bad(`schemaVersion ${JSON.stringify(index.schemaVersion)}`);
  if (!Array.isArray(index.manifests)) bad('no manifests array');
  (index.manifests as unknown[]).forEach((d, i) => {
    const desc = d as Partial<Descriptor> | null;
    if (typeof desc !== 'object' || desc === null) bad(`manifests[${i}] is not an object`);
    if (typeof desc!.digest !== 'string' || !isDigest(desc!.digest)) bad(`manifests[${i}] has a bad digest`);
    if (typeof desc!.mediaType !== 'string') bad(`manifests[${i}] has no mediaType`);
    if (typeof desc!.size !== 'number' || !Number.isSafeInteger(desc!.size) || desc!.size < 0) bad(`manifests[${i}] has a bad size`);
  });
  return index as LayoutIndex;
}

export function tagOf(d: Descriptor): string | undefined {
  return d.annotations?.[REF_NAME_ANNOTATION];
}

/** The entry tagged `tag` (the last one wins if a foreign tool wrote duplicates). */
export function findTag(index: LayoutIndex, tag: string): Descriptor | undefined {
  return index.manifests.findLast((d) => tagOf(d) === tag);
}

/** index with `tag` pointing at `descriptor` (any previous entry of that tag removed), appended last. */
export function setTag(index: LayoutIndex, tag: string, descriptor: Descriptor): LayoutIndex {
  const entry: Descriptor = { ...descriptor, annotations: { ...descriptor.annotations, [REF_NAME_ANNOTATION]: tag } };
  return { ...index, manifests: [...index.manifests.filter((d) => tagOf(d) !== tag), entry] };
}

export function serializeIndex(index: LayoutIndex): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(index));
}
