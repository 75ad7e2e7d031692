/**
 * apk: `lib/apk/db/installed`. Records are blank-line separated `K:value` lines: P name, V version, A arch,
 * L license, T description, o origin, D dependencies, p provides. `D:` tokens (`so:libc.musl…`, `cmd:…`,
 * `name>=1`, `/bin/sh`) resolve to installed packages by name, then by what they provide; `!conflicts` are
 * ignored. The origin goes to properties.
 */
import { INPUT_LIMITS } from '../../../core/input-limits.ts';
import type { SbomPackage } from '../../model.ts';
import { apkPurl } from '../../purl.ts';
import {
  type CatalogContext,
  type InstalledCataloger,
  type InstalledFile,
  decodeUtf8,
  fileSubject,
  makePackage,
} from './cataloger.ts';

const INSTALLED = 'lib/apk/db/installed';

type ApkRecord = Record<string, string[]>;

export function parseApkRecords(text: string): ApkRecord[] {
  const out: ApkRecord[] = [];
  let current: ApkRecord = {};
  for (const line of text.split('\n')) {
    if (line.trim() === '') {
      if (Object.keys(current).length > 0) out.push(current);
      current = {};
      continue;
    }
    const m = /^(.):(.*)$/.exec(line);
    if (!m) continue;
    (current[m[1]!] ??= []).push(m[2]!);
  }
  if (Object.keys(current).length > 0) out.push(current);
  return out;
}

/** The name part of a dependency/provides token: `so:libz.so.1=1.3` → `so:libz.so.1`, `a>=1` → `a`. */
const tokenName = (token: string): string => token.split(/[<>=~]/)[0]!;

function parseApk(files: InstalledFile[], ctx: CatalogContext): SbomPackage[] {
  const out: SbomPackage[] = [];
  for (const file of files) {
    let records: ApkRecord[];
    try {
      records = parseApkRecords(decodeUtf8(file.data));
    } catch (err) {
      ctx.warn(fileSubject(file), `unreadable apk database: ${(err as Error).message}`);
      continue;
    }
    const vendor = ctx.os?.id ?? 'alpine';
    const built: { pkg: SbomPackage; deps: string[] }[] = [];
    const byName = new Map<string, SbomPackage>();
    for (const r of records) {
      const name = r.P?.[0];
      const version = r.V?.[0];
      if (!name || !version) continue;
      const pkg = makePackage(
        {
          type: 'apk',
          namespace: vendor,
          name,
          version,
          purl: apkPurl({ vendor, name, version, arch: r.A?.[0], distro: ctx.distro }),
          foundBy: 'apk',
          licenses: r.L?.[0] ? [r.L[0]] : [],
          description: r.T?.[0],
          properties: r.o?.[0] ? { 'ocisign:apk:origin': r.o[0] } : {},
        },
        file,
      );
      byName.set(name, pkg);
      for (const token of (r.p ?? []).join(' ').split(/\s+/)) if (token) byName.set(tokenName(token), byName.get(tokenName(token)) ?? pkg);
      built.push({ pkg, deps: (r.D ?? []).join(' ').split(/\s+/).filter((t) => t && !t.startsWith('!')) });
    }
    for (const { pkg, deps } of built) {
      const edges = new Set<string>();
      for (const token of deps) {
        const target = byName.get(tokenName(token));
        if (target && target !== pkg) edges.add(target.purl);
      }
      pkg.dependsOn = [...edges].sort();
      out.push(pkg);
    }
  }
  return out;
}

export const apkCataloger: InstalledCataloger = {
  name: 'apk',
  matches: (path) => path === INSTALLED,
  want: () => ({ maxBytes: INPUT_LIMITS.maxPackageDatabaseBytes, maxLineBytes: INPUT_LIMITS.maxLineBytes }),
  parse: parseApk,
};
