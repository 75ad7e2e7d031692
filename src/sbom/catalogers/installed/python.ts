/**
 * Python installed distributions: `*.dist-info/METADATA`, `*.egg-info/PKG-INFO` and single-file `*.egg-info`.
 * The RFC 822 header block is kept (the long description body is dropped at read time). Licenses:
 * `License-Expression` (PEP 639), else a short single-line `License`, else `License ::` classifiers.
 * `Requires-Dist` entries without an `extra ==` marker become edges to installed distributions (PEP 503
 * names). Names in purls are PEP 503 normalised.
 */
import type { SbomPackage } from '../../model.ts';
import { normalizePypiName, pypiPurl } from '../../purl.ts';
import {
  type CatalogContext,
  DEFAULT_METADATA_MAX_BYTES,
  type InstalledCataloger,
  type InstalledFile,
  decodeUtf8,
  encodeUtf8,
  fileSubject,
  makePackage,
} from './cataloger.ts';

const METADATA = /(?:^|\/)[^/]+\.dist-info\/METADATA$/;
const PKG_INFO = /(?:^|\/)[^/]+\.egg-info\/PKG-INFO$/;
const EGG_INFO_FILE = /(?:^|\/)[^/]+\.egg-info$/;

/** Header fields (repeated fields collected in order); stops at the first blank line. */
export function parseMetadataHeaders(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let last: string[] | undefined;
  for (const line of text.split(/\r?\n/)) {
    if (line === '') break;
    if ((line[0] === ' ' || line[0] === '\t') && last) {
      last[last.length - 1] += `\n${line.trim()}`;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const key = line.slice(0, colon).trim().toLowerCase();
    const list = out.get(key) ?? [];
    list.push(line.slice(colon + 1).trim());
    out.set(key, list);
    last = list;
  }
  return out;
}

/** Drop the body (long description) at read time; throws on invalid UTF-8. */
export function reduceMetadata(data: Uint8Array): Uint8Array {
  const text = decodeUtf8(data);
  const end = text.search(/\r?\n\r?\n/);
  return encodeUtf8(end === -1 ? text : text.slice(0, end + 1));
}

function licensesOf(h: Map<string, string[]>): string[] {
  const expr = h.get('license-expression')?.[0];
  if (expr) return [expr];
  const lic = h.get('license')?.[0];
  if (lic && !lic.includes('\n') && lic.length <= 100 && lic.toUpperCase() !== 'UNKNOWN') return [lic];
  const fromClassifiers = (h.get('classifier') ?? [])
    .filter((c) => c.startsWith('License ::'))
    .map((c) => c.split('::').pop()!.trim())
    .filter((c) => c !== '' && c !== 'OSI Approved');
  return [...new Set(fromClassifiers)];
}

/** Distribution names a Requires-Dist list needs unconditionally (no `extra ==` marker). */
export function requiredNames(requires: string[] | undefined): string[] {
  const out: string[] = [];
  for (const req of requires ?? []) {
    const [spec, marker] = req.split(';');
    if (marker && /\bextra\s*==/.test(marker)) continue;
    const m = /^\s*([A-Za-z0-9][A-Za-z0-9._-]*)/.exec(spec ?? '');
    if (m) out.push(normalizePypiName(m[1]!));
  }
  return out;
}

function parsePython(files: InstalledFile[], ctx: CatalogContext): SbomPackage[] {
  const byName = new Map<string, SbomPackage>();
  const deps = new Map<SbomPackage, string[]>();
  for (const file of files) {
    const h = parseMetadataHeaders(new TextDecoder().decode(file.data));
    const name = h.get('name')?.[0];
    const version = h.get('version')?.[0];
    if (!name || !version) {
      ctx.warn(fileSubject(file), 'python metadata without Name or Version; skipped');
      continue;
    }
    const pkg = makePackage(
      { type: 'pypi', name: normalizePypiName(name), version, purl: pypiPurl(name, version), foundBy: 'python-installed', licenses: licensesOf(h), description: h.get('summary')?.[0] },
      file,
    );
    byName.set(pkg.name, pkg);
    deps.set(pkg, requiredNames(h.get('requires-dist')));
  }
  for (const [pkg, names] of deps) {
    const edges = new Set<string>();
    for (const n of names) {
      const t = byName.get(n);
      if (t && t !== pkg) edges.add(t.purl);
    }
    pkg.dependsOn = [...edges].sort();
  }
  return [...deps.keys()];
}

export const pythonCataloger: InstalledCataloger = {
  name: 'python-installed',
  matches: (path) => METADATA.test(path) || PKG_INFO.test(path) || EGG_INFO_FILE.test(path),
  want: () => ({ maxBytes: DEFAULT_METADATA_MAX_BYTES, reduce: reduceMetadata }),
  parse: parsePython,
};
