/**
 * Go binaries: executables (ELF, Mach-O, PE) are stream-inspected for the `\xff Go buildinf:` blob (16-byte
 * aligned, as Go's debug/buildinfo looks for it); only the blob is kept. Go ≥ 1.18 inline format (flags & 2):
 * a varint-prefixed Go version and module info (`path`, `mod`, `dep`, `=>` replacement lines). The main
 * module becomes pkg:golang/<path>@<version> (with `(devel)` kept as syft does), each dep one more package with
 * an edge from the main module. Older pointer-format binaries (Go < 1.18) yield nothing.
 */
import { appendAll, type SbomPackage } from '../../model.ts';
import { golangPurl } from '../../purl.ts';
import type { FileInfo } from '../../image/squash.ts';
import { type CatalogContext, type InstalledCataloger, type InstalledFile, fileSubject, makePackage } from './cataloger.ts';

const MAGIC = Buffer.from('\xff Go buildinf:', 'latin1');
const ALIGN = 16;
/** Bytes kept after the magic: header + version + module info. */
const MAX_BLOB = 1024 * 1024;
const EXEC_MAGICS = [
  [0x7f, 0x45, 0x4c, 0x46], // ELF
  [0xfe, 0xed, 0xfa, 0xce],
  [0xfe, 0xed, 0xfa, 0xcf],
  [0xce, 0xfa, 0xed, 0xfe],
  [0xcf, 0xfa, 0xed, 0xfe], // Mach-O
  [0x4d, 0x5a], // PE "MZ"
];

function isExecutableHead(head: Uint8Array): boolean {
  return EXEC_MAGICS.some((m) => m.every((b, i) => head[i] === b));
}

function alignedHit(buf: Buffer, base: number): number {
  for (let i = buf.indexOf(MAGIC); i !== -1; i = buf.indexOf(MAGIC, i + 1)) if ((base + i) % ALIGN === 0) return i;
  return -1;
}

/** Find the first 16-byte-aligned magic in a stream; return up to MAX_BLOB bytes starting at it. */
export async function findBuildInfo(body: AsyncIterable<Uint8Array>): Promise<Uint8Array | undefined> {
  let offset = 0; // stream offset of the current chunk
  let tail = Buffer.alloc(0); // last bytes of the previous chunk, for a magic across the boundary
  let blob: Buffer | undefined;
  let first = true;
  for await (const raw of body) {
    if (first && !isExecutableHead(raw)) return undefined;
    first = false;
    const chunk = Buffer.from(raw.buffer, raw.byteOffset, raw.length);
    if (blob) {
      blob = Buffer.concat([blob, chunk.subarray(0, MAX_BLOB - blob.length)]);
      if (blob.length >= MAX_BLOB) break;
    } else {
      const edge = Buffer.concat([tail, chunk.subarray(0, MAGIC.length - 1)]);
      const edgeHit = tail.length > 0 ? alignedHit(edge, offset - tail.length) : -1;
      if (edgeHit !== -1) {
        blob = Buffer.concat([edge.subarray(edgeHit, tail.length), chunk.subarray(0, MAX_BLOB)]);
      } else {
        const hit = alignedHit(chunk, offset);
        if (hit !== -1) blob = Buffer.from(chunk.subarray(hit, hit + MAX_BLOB));
      }
      if (blob && blob.length >= MAX_BLOB) break;
      tail = Buffer.from(chunk.subarray(Math.max(0, chunk.length - (MAGIC.length - 1))));
    }
    offset += chunk.length;
  }
  return blob ? new Uint8Array(blob) : undefined;
}

function readVarint(buf: Uint8Array, pos: number): [number, number] {
  let value = 0;
  let shift = 0;
  for (let i = pos; i < buf.length && i < pos + 10; i++) {
    value += (buf[i]! & 0x7f) * 2 ** shift;
    if ((buf[i]! & 0x80) === 0) return [value, i + 1];
    shift += 7;
  }
  throw new Error('bad varint in Go build info');
}

export interface GoBuildInfo {
  goVersion: string;
  path?: string;
  main?: { path: string; version: string };
  deps: { path: string; version: string }[];
}

/** Parse the kept blob (magic + 32-byte header + inline strings). */
export function parseBuildInfo(blob: Uint8Array): GoBuildInfo | undefined {
  if (blob.length < 32) return undefined;
  const flags = blob[15]!;
  if ((flags & 2) === 0) return undefined; // pre-1.18 pointer format: not supported
  const dec = new TextDecoder();
  let [len, pos] = readVarint(blob, 32);
  const goVersion = dec.decode(blob.subarray(pos, pos + len));
  [len, pos] = readVarint(blob, pos + len);
  // The module info is wrapped in two 16-byte sentinels.
  const mod = len >= 33 ? dec.decode(blob.subarray(pos + 16, pos + len - 16)) : '';
  const info: GoBuildInfo = { goVersion, deps: [] };
  let last: { path: string; version: string } | undefined;
  for (const line of mod.split('\n')) {
    const f = line.split('\t');
    if (f[0] === 'path') info.path = f[1];
    else if (f[0] === 'mod' && f[1]) info.main = last = { path: f[1], version: f[2] ?? '' };
    else if (f[0] === 'dep' && f[1]) info.deps.push((last = { path: f[1], version: f[2] ?? '' }));
    else if (f[0] === '=>' && f[1] && last) {
      last.path = f[1];
      last.version = f[2] ?? last.version;
    }
  }
  return info;
}

function parseGo(files: InstalledFile[], ctx: CatalogContext): SbomPackage[] {
  const out: SbomPackage[] = [];
  for (const file of files) {
    let info: GoBuildInfo | undefined;
    try {
      info = parseBuildInfo(file.data);
    } catch (err) {
      ctx.warn(fileSubject(file), `unreadable Go build info: ${(err as Error).message}`);
      continue;
    }
    if (!info?.main) continue;
    const props = { 'ocisign:go:toolchain': info.goVersion };
    const deps = info.deps.filter((d) => d.version !== '').map((d) => makePackage({ type: 'golang', name: d.path, version: d.version, purl: golangPurl(d.path, d.version), foundBy: 'go-binary', properties: props }, file));
    const main = makePackage(
      { type: 'golang', name: info.main.path, version: info.main.version, purl: golangPurl(info.main.path, info.main.version || undefined), foundBy: 'go-binary', properties: props, dependsOn: [...new Set(deps.map((d) => d.purl))].sort() },
      file,
    );
    out.push(main);
    appendAll(out, deps);
  }
  return out;
}

export const goBinaryCataloger: InstalledCataloger = {
  name: 'go-binary',
  matches: (_path, info) => !!info && (info.mode & 0o111) !== 0 && info.size >= 64,
  want: () => ({ maxBytes: MAX_BLOB, inspect: (body: AsyncIterable<Uint8Array>, _info: FileInfo) => findBuildInfo(body) }),
  parse: parseGo,
};
