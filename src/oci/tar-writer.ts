/**
 * A small deterministic tar (ustar + PAX for long names) writer, for building sample images and test fixtures.
 * Entries are written in the order given, with uid/gid 0, a fixed mtime and no user/group names.
 */
import { OcisignError } from '../core/errors.ts';

export interface TarEntry {
  /** Path inside the archive, without a leading `/` (e.g. `etc/os-release`). */
  path: string;
  /** File content (regular file). */
  content?: string | Uint8Array;
  /** Symlink target. */
  symlink?: string;
  /** Hard link target (a path earlier in the archive). */
  hardlink?: string;
  /** A directory. */
  dir?: boolean;
  /** An overlay whiteout: writes `<dir>/.wh.<name>`, deleting `path` from lower layers. */
  whiteout?: boolean;
  /** An opaque-directory marker: writes `<path>/.wh..wh..opq`. */
  opaque?: boolean;
  /** Permission bits; default 0o644 for files, 0o755 for directories, 0o777 for symlinks. */
  mode?: number;
  /** Seconds since the epoch; default `TarOptions.mtime`. */
  mtime?: number;
  uid?: number;
  gid?: number;
}

export interface TarOptions {
  /** Default modification time in seconds (default 0). */
  mtime?: number;
}

const BLOCK = 512;
const TYPE = { file: '0', hardlink: '1', symlink: '2', dir: '5', pax: 'x' } as const;

export function writeTar(entries: readonly TarEntry[], options: TarOptions = {}): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const entry of entries) parts.push(...entryBlocks(entry, options.mtime ?? 0));
  parts.push(new Uint8Array(BLOCK * 2));
  return concat(parts);
}

function entryBlocks(entry: TarEntry, defaultMtime: number): Uint8Array[] {
  const { path, type, body, link } = describe(entry);
  const mode = entry.mode ?? (type === TYPE.dir ? 0o755 : type === TYPE.symlink ? 0o777 : 0o644);
  const header: Header = { mode, uid: entry.uid ?? 0, gid: entry.gid ?? 0, size: body.byteLength, mtime: entry.mtime ?? defaultMtime, type, link };
  const blocks: Uint8Array[] = [];
  const pax: Record<string, string> = {};
  const split = splitPath(path);
  if (!split) pax.path = path;
  if (utf8(link).byteLength > 100) pax.linkpath = link;
  if (Object.keys(pax).length > 0) {
    const paxBody = paxRecords(pax);
    blocks.push(headerBlock({ ...header, size: paxBody.byteLength, type: TYPE.pax, link: '' }, { prefix: '', name: 'PaxHeader' }));
    blocks.push(padded(paxBody));
  }
  blocks.push(headerBlock(header, split ?? { prefix: '', name: path.slice(0, 100) }));
  if (body.byteLength > 0) blocks.push(padded(body));
  return blocks;
}

function describe(entry: TarEntry): { path: string; type: string; body: Uint8Array; link: string } {
  const clean = entry.path.replace(/^\/+/, '').replace(/\/+$/, '');
  if (clean === '' || clean.split('/').includes('..')) throw new OcisignError('BAD_INPUT', `invalid tar path ${JSON.stringify(entry.path)}`);
  if (entry.whiteout) {
    const slash = clean.lastIndexOf('/');
    return { path: `${clean.slice(0, slash + 1)}.wh.${clean.slice(slash + 1)}`, type: TYPE.file, body: new Uint8Array(), link: '' };
  }
  if (entry.opaque) return { path: `${clean}/.wh..wh..opq`, type: TYPE.file, body: new Uint8Array(), link: '' };
  if (entry.dir) return { path: `${clean}/`, type: TYPE.dir, body: new Uint8Array(), link: '' };
  if (entry.symlink !== undefined) return { path: clean, type: TYPE.symlink, body: new Uint8Array(), link: entry.symlink };
  if (entry.hardlink !== undefined) return { path: clean, type: TYPE.hardlink, body: new Uint8Array(), link: entry.hardlink };
  const body = typeof entry.content === 'string' ? utf8(entry.content) : (entry.content ?? new Uint8Array());
  return { path: clean, type: TYPE.file, body, link: '' };
}

/** ustar name/prefix split, or undefined when the path needs a PAX record. */
function splitPath(path: string): { prefix: string; name: string } | undefined {
  if (utf8(path).byteLength <= 100) return { prefix: '', name: path };
  for (let i = path.indexOf('/'); i >= 0; i = path.indexOf('/', i + 1)) {
    const prefix = path.slice(0, i);
    const name = path.slice(i + 1);
    if (utf8(prefix).byteLength <= 155 && utf8(name).byteLength <= 100 && name !== '') return { prefix, name };
  }
  return undefined;
}

interface Header {
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  type: string;
  link: string;
}

function headerBlock(h: Header, names: { prefix: string; name: string }): Uint8Array {
  const block = new Uint8Array(BLOCK);
  put(block, 0, 100, utf8(names.name));
  put(block, 100, 8, octal(h.mode & 0o7777, 8));
  put(block, 108, 8, octal(h.uid, 8));
  put(block, 116, 8, octal(h.gid, 8));
  put(block, 124, 12, octal(h.size, 12));
  put(block, 136, 12, octal(h.mtime, 12));
  block.fill(0x20, 148, 156);
  put(block, 156, 1, utf8(h.type));
  put(block, 157, 100, utf8(h.link).subarray(0, 100));
  put(block, 257, 6, utf8('ustar\0'));
  put(block, 263, 2, utf8('00'));
  put(block, 329, 8, octal(0, 8));
  put(block, 337, 8, octal(0, 8));
  put(block, 345, 155, utf8(names.prefix));
  const sum = block.reduce((a, b) => a + b, 0);
  put(block, 148, 8, utf8(`${sum.toString(8).padStart(6, '0')}\0 `));
  return block;
}

function paxRecords(records: Record<string, string>): Uint8Array {
  let text = '';
  for (const [key, value] of Object.entries(records)) {
    const body = ` ${key}=${value}\n`;
    let len = utf8(body).byteLength + 1;
    while (String(len).length + utf8(body).byteLength !== len) len = String(len).length + utf8(body).byteLength;
    text += `${len}${body}`;
  }
  return utf8(text);
}

function octal(value: number, width: number): Uint8Array {
  const text = value.toString(8).padStart(width - 1, '0');
  if (text.length > width - 1) throw new OcisignError('BAD_INPUT', `tar header value ${value} too large`);
  return utf8(`${text}\0`);
}

function put(block: Uint8Array, offset: number, length: number, bytes: Uint8Array): void {
  if (bytes.byteLength > length) throw new OcisignError('BAD_INPUT', 'tar header field too long');
  block.set(bytes, offset);
}

function padded(body: Uint8Array): Uint8Array {
  const out = new Uint8Array(Math.ceil(body.byteLength / BLOCK) * BLOCK);
  out.set(body);
  return out;
}

function utf8(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.byteLength;
  }
  return out;
}
