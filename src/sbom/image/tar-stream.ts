/**
 * A streaming tar reader (ustar, pax, GNU long names, base-256 sizes) over an async iterable of bytes. Each
 * entry's body is either read by the consumer (bounded) or skipped when the consumer asks for the next entry;
 * nothing is buffered beyond the current header and what the consumer reads.
 */
import { ByteReader } from './byte-reader.ts';

export type TarEntryType = 'file' | 'directory' | 'symlink' | 'hardlink' | 'other';

export interface TarEntry {
  /** The path as written (after pax/GNU long-name overrides), not normalised. */
  path: string;
  type: TarEntryType;
  size: number;
  mode: number;
  /** Target of a symlink or hard link. */
  linkName: string;
  /** Stream the body (once). Chunks are views: copy them to keep them. */
  body(): AsyncIterable<Uint8Array>;
  /** Read the whole body when it is at most maxBytes; undefined (and the body is left for skipping) otherwise. */
  read(maxBytes: number): Promise<Uint8Array | undefined>;
}

const BLOCK = 512;
const decoder = new TextDecoder('utf-8');

function cString(block: Uint8Array, start: number, length: number): string {
  const field = block.subarray(start, start + length);
  const nul = field.indexOf(0);
  return decoder.decode(nul === -1 ? field : field.subarray(0, nul));
}

/** Octal (NUL/space terminated) or GNU base-256 (high bit set) numeric field. */
export function parseNumeric(block: Uint8Array, start: number, length: number): number {
  const field = block.subarray(start, start + length);
  if (field[0]! & 0x80) {
    if (field[0] === 0xff) throw new Error('negative base-256 number in tar header');
    let value = field[0]! & 0x7f;
    for (let i = 1; i < field.length; i++) value = value * 256 + field[i]!;
    return value;
  }
  const text = cString(block, start, length).trim();
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) throw new Error(`invalid octal field ${JSON.stringify(text)} in tar header`);
  return parseInt(text, 8);
}

function checksumOk(block: Uint8Array): boolean {
  const expected = parseNumeric(block, 148, 8);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : block[i]!;
  return sum === expected;
}

function isZeroBlock(block: Uint8Array): boolean {
  for (let i = 0; i < BLOCK; i++) if (block[i] !== 0) return false;
  return true;
}

function entryType(flag: number): TarEntryType {
  switch (String.fromCharCode(flag)) {
    case '0':
    case '\0':
    case '7':
      return 'file';
    case '1':
      return 'hardlink';
    case '2':
      return 'symlink';
    case '5':
      return 'directory';
    default:
      return 'other';
  }
}

/** Parse pax extended header records ("<len> <key>=<value>\n"). */
export function parsePax(data: Uint8Array): Record<string, string> {
  const out: Record<string, string> = {};
  let pos = 0;
  while (pos < data.length) {
    const space = data.indexOf(0x20, pos);
    if (space === -1) break;
    const len = parseInt(decoder.decode(data.subarray(pos, space)), 10);
    if (!Number.isFinite(len) || len <= 0 || pos + len > data.length) throw new Error('invalid pax record');
    const record = decoder.decode(data.subarray(space + 1, pos + len - 1));
    const eq = record.indexOf('=');
    if (eq > 0) out[record.slice(0, eq)] = record.slice(eq + 1);
    pos += len;
  }
  return out;
}

interface Header {
  name: string;
  flag: number;
  size: number;
  mode: number;
  linkName: string;
}

function parseHeader(block: Uint8Array): Header {
  if (!checksumOk(block)) throw new Error('invalid tar header checksum');
  const magic = cString(block, 257, 6);
  let name = cString(block, 0, 100);
  // POSIX ustar ("ustar\0" + "00") uses the prefix field; GNU ("ustar  \0") uses it for other data.
  const isPosixUstar = magic === 'ustar' && block[262] === 0;
  if (isPosixUstar) {
    const prefix = cString(block, 345, 155);
    if (prefix) name = `${prefix}/${name}`;
  }
  return {
    name,
    flag: block[156]!,
    size: parseNumeric(block, 124, 12),
    mode: parseNumeric(block, 100, 8),
    linkName: cString(block, 157, 100),
  };
}

const padding = (size: number): number => (BLOCK - (size % BLOCK)) % BLOCK;

/** Largest pax / GNU long-name record accepted. */
const MAX_META_BYTES = 1024 * 1024;

async function readMeta(reader: ByteReader, size: number): Promise<Uint8Array> {
  if (size > MAX_META_BYTES) throw new Error(`tar metadata record of ${size} bytes is too large`);
  const data = size === 0 ? new Uint8Array(0) : await reader.readExact(size);
  if (data === null) throw new Error('unexpected end of tar data in metadata record');
  await reader.skip(padding(size));
  return data.slice();
}

/** Iterate the entries of a tar stream. An unread body is skipped when the next entry is requested. */
export async function* readTar(source: AsyncIterable<Uint8Array>): AsyncGenerator<TarEntry> {
  const reader = new ByteReader(source);
  try {
    let pax: Record<string, string> = {};
    let longName: string | undefined;
    let longLink: string | undefined;
    for (;;) {
      const block = await reader.readExact(BLOCK);
      if (block === null) return; // end of input at a header boundary: tolerated, like Go's archive/tar
      if (isZeroBlock(block)) return; // end-of-archive marker
      const header = parseHeader(block);
      const flag = String.fromCharCode(header.flag);
      if (flag === 'x' || flag === 'g') {
        const records = parsePax(await readMeta(reader, header.size));
        if (flag === 'x') pax = { ...pax, ...records };
        continue;
      }
      if (flag === 'L' || flag === 'K') {
        const text = cString(await readMeta(reader, header.size), 0, header.size);
        if (flag === 'L') longName = text;
        else longLink = text;
        continue;
      }
      const size = pax.size !== undefined ? Number(pax.size) : header.size;
      if (!Number.isSafeInteger(size) || size < 0) throw new Error(`invalid entry size ${pax.size}`);
      const type = entryType(header.flag);
      const bodySize = type === 'file' || type === 'other' ? size : 0;
      let remaining = bodySize;
      const body = async function* (): AsyncGenerator<Uint8Array> {
        const n = remaining;
        let left = n;
        for await (const chunk of reader.take(n)) {
          left -= chunk.length;
          remaining = left;
          yield chunk;
        }
      };
      const entry: TarEntry = {
        path: pax.path ?? longName ?? header.name,
        type,
        size: bodySize,
        mode: header.mode,
        linkName: pax.linkpath ?? longLink ?? header.linkName,
        body,
        async read(maxBytes: number) {
          if (remaining !== bodySize || bodySize > maxBytes) return undefined;
          remaining = 0;
          if (bodySize === 0) return new Uint8Array(0);
          const data = await reader.readExact(bodySize);
          if (data === null) throw new Error(`unexpected end of tar data (${bodySize} bytes missing)`);
          return data.slice();
        },
      };
      pax = {};
      longName = undefined;
      longLink = undefined;
      yield entry;
      await reader.skip(remaining + padding(bodySize));
      remaining = 0;
    }
  } finally {
    await reader.close();
  }
}
