/**
 * Tiny image-layer builders for SBOM tests: a ustar writer (pax or GNU long names), gzip/zstd/none, and
 * layers in the shape scanImageLayers takes. Also a cached Debian root (debootstrap) for the real-root test
 * and the bench.
 */
import { createHash } from 'node:crypto';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { createReadStream } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync, zstdCompressSync } from 'node:zlib';
import type { ImageScanLayer } from '../../src/sbom/image/scan-image.ts';

export interface TarSpec {
  path: string;
  /** file (default), dir, symlink, hardlink */
  type?: 'file' | 'dir' | 'symlink' | 'hardlink';
  content?: string | Uint8Array;
  linkName?: string;
  mode?: number;
}

export type Compression = 'gzip' | 'zstd' | 'none';

const enc = new TextEncoder();

function writeString(block: Uint8Array, offset: number, length: number, value: string): void {
  const bytes = enc.encode(value);
  block.set(bytes.subarray(0, length), offset);
}

function writeOctal(block: Uint8Array, offset: number, length: number, value: number): void {
  writeString(block, offset, length, value.toString(8).padStart(length - 1, '0'));
}

function header(name: string, flag: string, size: number, mode: number, linkName = '', gnu = false): Uint8Array {
  const block = new Uint8Array(512);
  writeString(block, 0, 100, name);
  writeOctal(block, 100, 8, mode);
  writeOctal(block, 108, 8, 0);
  writeOctal(block, 116, 8, 0);
  if (size > 0o77777777777) {
    block[124] = 0x80;
    let v = size;
    for (let i = 135; i > 124; i--) {
      block[i] = v % 256;
      v = Math.floor(v / 256);
    }
  } else writeOctal(block, 124, 12, size);
  writeOctal(block, 136, 12, 0);
  block[156] = flag.charCodeAt(0);
  writeString(block, 157, 100, linkName);
  if (gnu) writeString(block, 257, 8, 'ustar  \0');
  else {
    writeString(block, 257, 6, 'ustar\0');
    writeString(block, 263, 2, '00');
  }
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of block) sum += b;
  writeString(block, 148, 8, `${sum.toString(8).padStart(6, '0')}\0 `);
  return block;
}

const pad = (n: number): Uint8Array => new Uint8Array((512 - (n % 512)) % 512);

function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let len = body.length + 1;
  while (String(len).length + enc.encode(body).length !== len) len++;
  return `${len}${body}`;
}

/** A tar archive (with end-of-archive blocks). Long names use pax headers, or GNU `L`/`K` with `gnu`. */
export function buildTar(entries: TarSpec[], options: { gnu?: boolean; omitEnd?: boolean } = {}): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const e of entries) {
    const type = e.type ?? 'file';
    const data = type === 'file' ? (typeof e.content === 'string' ? enc.encode(e.content) : (e.content ?? new Uint8Array(0))) : new Uint8Array(0);
    const flag = { file: '0', dir: '5', symlink: '2', hardlink: '1' }[type];
    const name = type === 'dir' && !e.path.endsWith('/') ? `${e.path}/` : e.path;
    const link = e.linkName ?? '';
    const long = enc.encode(name).length > 100 || enc.encode(link).length > 100;
    if (long && options.gnu) {
      for (const [f, v] of [['L', name], ['K', link]] as const) {
        if (enc.encode(v).length <= 100) continue;
        const bytes = enc.encode(`${v}\0`);
        parts.push(header('././@LongLink', f, bytes.length, 0, '', true), bytes, pad(bytes.length));
      }
    } else if (long) {
      const pax = enc.encode(paxRecord('path', name) + (link ? paxRecord('linkpath', link) : ''));
      parts.push(header('PaxHeader', 'x', pax.length, 0o644), pax, pad(pax.length));
    }
    parts.push(header(name.slice(0, 100), flag, data.length, e.mode ?? (type === 'dir' ? 0o755 : 0o644), link.slice(0, 100), options.gnu));
    parts.push(data, pad(data.length));
  }
  if (!options.omitEnd) parts.push(new Uint8Array(1024));
  return concat(parts);
}

export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let pos = 0;
  for (const p of parts) {
    out.set(p, pos);
    pos += p.length;
  }
  return out;
}

export function compress(tar: Uint8Array, compression: Compression): Uint8Array {
  if (compression === 'gzip') return new Uint8Array(gzipSync(tar));
  if (compression === 'zstd') return new Uint8Array(zstdCompressSync(tar));
  return tar;
}

const MEDIA: Record<Compression, string> = {
  gzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  zstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
  none: 'application/vnd.oci.image.layer.v1.tar',
};

export const sha256 = (b: Uint8Array): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

async function* chunked(bytes: Uint8Array, size = 7919): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

/** A layer over in-memory blob bytes (streamed in odd-sized chunks to exercise boundaries). */
export function blobLayer(blob: Uint8Array, mediaType: string): ImageScanLayer {
  return { digest: sha256(blob), mediaType, size: blob.length, open: async () => chunked(blob) };
}

/** A layer built from entries. */
export function tarLayer(entries: TarSpec[], compression: Compression = 'gzip', mediaType?: string): ImageScanLayer {
  return blobLayer(compress(buildTar(entries), compression), mediaType ?? MEDIA[compression]);
}

/** A layer over a file on disk (streamed). */
export function fileLayer(path: string, mediaType = MEDIA.gzip, digest?: string): ImageScanLayer {
  return {
    digest: digest ?? `sha256:${createHash('sha256').update(path).digest('hex')}`,
    mediaType,
    size: statSync(path).size,
    open: async () => createReadStream(path, { highWaterMark: 256 * 1024 }),
  };
}

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const SBOM_WORK_DIR = join(REPO_ROOT, '.work', 'sbom-image');

export interface DebianRoot {
  /** The root filesystem directory. */
  dir: string;
  /** `tar czf` of the root, made once and cached. */
  layerPath: string;
}

/**
 * A debootstrap `--variant=minbase bookworm` root under .work/sbom-image, built once and cached (with its
 * tar.gz layer). Returns a reason string when it cannot be built (no debootstrap, not root, no mirror).
 */
export function ensureDebianRoot(): DebianRoot | string {
  const dir = join(SBOM_WORK_DIR, 'bookworm-root');
  const layerPath = join(SBOM_WORK_DIR, 'bookworm-root.tar.gz');
  if (!existsSync(join(dir, 'var/lib/dpkg/status'))) {
    const tmp = `${dir}.tmp`;
    if (existsSync(join(tmp, 'var/lib/dpkg/status')) && existsSync(join(tmp, 'etc/os-release'))) {
      renameSync(tmp, dir); // a finished earlier run
    } else {
      if (spawnSync('sh', ['-c', 'command -v debootstrap'], { stdio: 'ignore' }).status !== 0) return 'debootstrap is not installed (scripts/install-test-deps.sh installs it)';
      if (process.getuid?.() !== 0) return 'debootstrap needs root';
      mkdirSync(SBOM_WORK_DIR, { recursive: true });
      rmSync(tmp, { recursive: true, force: true });
      const r = spawnSync('debootstrap', ['--variant=minbase', 'bookworm', tmp, 'http://deb.debian.org/debian'], { stdio: 'ignore' });
      if (r.status !== 0) return `debootstrap failed with status ${r.status}`;
      renameSync(tmp, dir);
    }
  }
  if (!existsSync(layerPath)) {
    execFileSync('sh', ['-c', `tar --numeric-owner -C "${dir}" -cf - . | gzip -6 > "${layerPath}.tmp" && mv "${layerPath}.tmp" "${layerPath}"`]);
  }
  return { dir, layerPath };
}
