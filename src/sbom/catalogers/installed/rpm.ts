/**
 * rpm: the SQLite database (`var/lib/rpm/rpmdb.sqlite`, `usr/lib/sysimage/rpm/rpmdb.sqlite`), read at read time
 * through `node:sqlite` from a private temp file (deleted at once) and reduced to the fields used here, parsed
 * from each rpm header blob: NAME, VERSION, RELEASE, EPOCH, ARCH, LICENSE, SOURCERPM, SUMMARY. `gpg-pubkey`
 * pseudo-packages are left out. The Berkeley DB (`Packages`) and NDB (`Packages.db`) formats have no
 * maintained JavaScript reader: such a database is skipped with a warning (the BOM is then incomplete).
 * `node:sqlite` loads only when an rpm database is met (start-up of every other scan stays free of it).
 * purl: pkg:rpm/<vendor>/<name>@<version>-<release>?arch=…&distro=<id>-<version_id>&epoch=… (vendor = os-release
 * ID, `rhel` → `redhat` as syft does).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseBoundedJson } from '../../../core/bounded-json.ts';
import type { SbomPackage } from '../../model.ts';
import { rpmPurl } from '../../purl.ts';
import { type CatalogContext, type InstalledCataloger, type InstalledFile, encodeUtf8, fileSubject, makePackage } from './cataloger.ts';

const SQLITE = /^(var\/lib|usr\/lib\/sysimage|usr\/share)\/rpm\/rpmdb\.sqlite$/;
const LEGACY = /^(var\/lib|usr\/lib\/sysimage|usr\/share)\/rpm\/(Packages|Packages\.db)$/;
/** rpm headers carry file lists: a large distribution's database reaches ~200 MiB; it is reduced at read time. */
const MAX_RPMDB_BYTES = 256 * 1024 * 1024;

const TAGS = { 1000: 'name', 1001: 'version', 1002: 'release', 1003: 'epoch', 1004: 'summary', 1014: 'license', 1022: 'arch', 1044: 'sourceRpm' } as const;

export interface RpmHeader {
  name?: string;
  version?: string;
  release?: string;
  epoch?: number;
  summary?: string;
  license?: string;
  arch?: string;
  sourceRpm?: string;
}

/** Parse an rpm header blob as stored in rpmdb (index count, data length, index entries, data). */
export function parseRpmHeader(blob: Uint8Array): RpmHeader {
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const il = view.getUint32(0);
  const dl = view.getUint32(4);
  const dataStart = 8 + il * 16;
  if (il > 100_000 || dataStart + dl > blob.length) throw new Error('corrupt rpm header');
  const dec = new TextDecoder();
  const out: RpmHeader = {};
  for (let i = 0; i < il; i++) {
    const at = 8 + i * 16;
    const field = TAGS[view.getUint32(at) as keyof typeof TAGS];
    if (!field) continue;
    const type = view.getUint32(at + 4);
    const offset = dataStart + view.getUint32(at + 8);
    if (offset >= blob.length) continue;
    if (type === 4 && field === 'epoch') out.epoch = view.getUint32(offset);
    else if (type === 6 || type === 9 || type === 8) {
      const end = blob.indexOf(0, offset);
      (out as Record<string, unknown>)[field] = dec.decode(blob.subarray(offset, end === -1 ? blob.length : end));
    }
  }
  return out;
}

function sqlite(): typeof import('node:sqlite') {
  const mod = process.getBuiltinModule('node:sqlite') as typeof import('node:sqlite') | undefined;
  if (!mod) throw new Error(`reading an rpm sqlite database needs node:sqlite (Node 22.13 or later; this is Node ${process.versions.node})`);
  return mod;
}

/** Read every package header of an rpmdb.sqlite (held bytes → temp file → node:sqlite). */
export function readRpmSqlite(data: Uint8Array): RpmHeader[] {
  const dir = mkdtempSync(join(tmpdir(), 'ocisign-rpmdb-'));
  try {
    const file = join(dir, 'rpmdb.sqlite');
    writeFileSync(file, data);
    const db = new (sqlite().DatabaseSync)(file, { readOnly: true });
    try {
      const rows = db.prepare('SELECT blob FROM Packages').all() as { blob: Uint8Array }[];
      return rows.map((r) => parseRpmHeader(r.blob)).filter((h) => h.name && h.version && h.name !== 'gpg-pubkey');
    } finally {
      db.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function reduceRpmdb(data: Uint8Array, info: { path: string }): Uint8Array {
  if (LEGACY.test(info.path)) throw new Error('Berkeley DB / NDB rpm databases are not supported (no maintained reader)');
  return encodeUtf8(JSON.stringify(readRpmSqlite(data)));
}

function parseRpm(files: InstalledFile[], ctx: CatalogContext): SbomPackage[] {
  const out: SbomPackage[] = [];
  const id = ctx.os?.id ?? 'rpm';
  const vendor = id === 'rhel' ? 'redhat' : id;
  for (const file of files) {
    const summary = parseBoundedJson(file.data);
    if (!summary.ok || !Array.isArray(summary.value)) {
      ctx.warn(fileSubject(file), `unreadable rpm database summary: ${summary.ok ? 'not a list' : summary.reason}`);
      continue;
    }
    const headers = summary.value as RpmHeader[];
    for (const h of headers) {
      const version = h.release ? `${h.version}-${h.release}` : h.version!;
      const props: Record<string, string> = {};
      if (h.sourceRpm) props['ocisign:rpm:source-rpm'] = h.sourceRpm;
      if (h.epoch !== undefined) props['ocisign:rpm:epoch'] = String(h.epoch);
      out.push(
        makePackage(
          {
            type: 'rpm',
            namespace: vendor,
            name: h.name!,
            version,
            purl: rpmPurl({ vendor, name: h.name!, version: h.version!, release: h.release, epoch: h.epoch, arch: h.arch, distro: ctx.distro }),
            foundBy: 'rpm',
            licenses: h.license ? [h.license] : [],
            description: h.summary,
            properties: props,
          },
          file,
        ),
      );
    }
  }
  return out;
}

export const rpmCataloger: InstalledCataloger = {
  name: 'rpm',
  matches: (path) => SQLITE.test(path) || LEGACY.test(path),
  want: () => ({ maxBytes: MAX_RPMDB_BYTES, reduce: reduceRpmdb }),
  parse: parseRpm,
};
