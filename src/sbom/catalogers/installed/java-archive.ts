/**
 * Java archives (`*.jar`, `*.war`, `*.ear`, …): held bounded (≤ 64 MiB) while the zip central directory is
 * read, then reduced at read time to `META-INF/MANIFEST.MF` fields and every `META-INF/maven/**\/pom.properties`
 * (also of nested archives under `BOOT-INF/lib/` or `WEB-INF/lib/`, one level). Packages: one
 * pkg:maven/<groupId>/<artifactId>@<version> per pom.properties; an archive without one falls back to its
 * manifest (Implementation-/Bundle- fields; groupId from Implementation-Vendor-Id or the symbolic name).
 */
import { inflateRawSync } from 'node:zlib';
import { appendAll, type SbomPackage } from '../../model.ts';
import { mavenPurl } from '../../purl.ts';
import { type CatalogContext, type InstalledCataloger, type InstalledFile, encodeUtf8, fileSubject, makePackage } from './cataloger.ts';

const ARCHIVE = /\.(jar|war|ear|par|sar|nar|jpi|hpi|kar|lpkg)$/i;
const MAX_ARCHIVE_BYTES = 64 * 1024 * 1024;
const MAX_ENTRY_BYTES = 8 * 1024 * 1024;
const POM_PROPERTIES = /^META-INF\/maven\/[^/]+\/[^/]+\/pom\.properties$/;
const NESTED = /^(BOOT-INF|WEB-INF)\/lib\/[^/]+\.jar$/i;

interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  size: number;
  localOffset: number;
}

/** The central directory of a zip held in memory. */
export function readZipDirectory(zip: Uint8Array): ZipEntry[] {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  let eocd = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 65557); i--) {
    if (view.getUint32(i, true) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd === -1) throw new Error('not a zip archive (no end of central directory)');
  const count = view.getUint16(eocd + 10, true);
  let pos = view.getUint32(eocd + 16, true);
  if (pos === 0xffffffff) throw new Error('zip64 archives are not supported');
  const entries: ZipEntry[] = [];
  const dec = new TextDecoder();
  for (let n = 0; n < count; n++) {
    if (pos + 46 > zip.length || view.getUint32(pos, true) !== 0x02014b50) throw new Error('corrupt zip central directory');
    const nameLength = view.getUint16(pos + 28, true);
    entries.push({
      method: view.getUint16(pos + 10, true),
      compressedSize: view.getUint32(pos + 20, true),
      size: view.getUint32(pos + 24, true),
      localOffset: view.getUint32(pos + 42, true),
      name: dec.decode(zip.subarray(pos + 46, pos + 46 + nameLength)),
    });
    pos += 46 + nameLength + view.getUint16(pos + 30, true) + view.getUint16(pos + 32, true);
  }
  return entries;
}

export function readZipEntry(zip: Uint8Array, e: ZipEntry, maxBytes = MAX_ENTRY_BYTES): Uint8Array {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  if (view.getUint32(e.localOffset, true) !== 0x04034b50) throw new Error(`corrupt zip entry ${e.name}`);
  const start = e.localOffset + 30 + view.getUint16(e.localOffset + 26, true) + view.getUint16(e.localOffset + 28, true);
  const data = zip.subarray(start, start + e.compressedSize);
  if (e.size > maxBytes) throw new Error(`zip entry ${e.name} is too large`);
  if (e.method === 0) return data;
  if (e.method === 8) return new Uint8Array(inflateRawSync(data, { maxOutputLength: maxBytes }));
  throw new Error(`zip entry ${e.name} uses unsupported compression method ${e.method}`);
}

/** `key: value` manifest main section (continuation lines start with one space). */
export function parseManifest(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  let key: string | undefined;
  for (const line of text.split(/\r?\n/)) {
    if (line === '') break;
    if (line.startsWith(' ') && key) out[key] += line.slice(1);
    else {
      const i = line.indexOf(':');
      if (i > 0) out[(key = line.slice(0, i).trim())] = line.slice(i + 1).trim();
    }
  }
  return out;
}

export function parseProperties(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*([^#!=:\s]+)\s*[=:]\s*(.*)$/.exec(line);
    if (m) out[m[1]!] = m[2]!.trim();
  }
  return out;
}

export interface ArchiveSummary {
  /** "" for the archive itself, else the nested archive's path inside it. */
  inner: string;
  manifest: Record<string, string>;
  poms: Record<string, string>[];
}

/** Summarise one archive (and nested lib/ archives one level down). */
export function summarizeArchive(zip: Uint8Array, inner = '', depth = 0): ArchiveSummary[] {
  const dec = new TextDecoder();
  const entries = readZipDirectory(zip);
  const summary: ArchiveSummary = { inner, manifest: {}, poms: [] };
  const out = [summary];
  for (const e of entries) {
    if (e.name === 'META-INF/MANIFEST.MF') summary.manifest = parseManifest(dec.decode(readZipEntry(zip, e)));
    else if (POM_PROPERTIES.test(e.name)) summary.poms.push(parseProperties(dec.decode(readZipEntry(zip, e))));
    else if (depth === 0 && NESTED.test(e.name) && e.size <= MAX_ARCHIVE_BYTES) {
      try {
        appendAll(out, summarizeArchive(readZipEntry(zip, e, MAX_ARCHIVE_BYTES), e.name, 1));
      } catch {
        // a broken nested archive does not hide the outer one
      }
    }
  }
  return out;
}

function archiveFallback(s: ArchiveSummary, path: string): { group: string; artifact: string; version: string } | undefined {
  const m = s.manifest;
  const file = (s.inner || path).split('/').pop()!.replace(ARCHIVE, '');
  const fromName = /^(.*?)-(\d[^-]*(?:-[A-Za-z0-9.]+)?)$/.exec(file);
  const artifact = m['Implementation-Title'] || m['Bundle-Name'] || fromName?.[1] || file;
  const version = m['Implementation-Version'] || m['Bundle-Version'] || fromName?.[2];
  if (!version) return undefined;
  const symbolic = m['Bundle-SymbolicName']?.split(';')[0];
  const group = m['Implementation-Vendor-Id'] || (symbolic?.includes('.') ? symbolic.split('.').slice(0, -1).join('.') : undefined) || artifact;
  return { group, artifact: artifact.replace(/\s+/g, '-'), version };
}

function parseJava(files: InstalledFile[], ctx: CatalogContext): SbomPackage[] {
  const out: SbomPackage[] = [];
  for (const file of files) {
    let summaries: ArchiveSummary[];
    try {
      summaries = JSON.parse(new TextDecoder().decode(file.data)) as ArchiveSummary[];
    } catch (err) {
      ctx.warn(fileSubject(file), `unreadable archive summary: ${(err as Error).message}`);
      continue;
    }
    for (const s of summaries) {
      const coords = s.poms
        .filter((p) => p.groupId && p.artifactId && p.version)
        .map((p) => ({ group: p.groupId!, artifact: p.artifactId!, version: p.version! }));
      if (coords.length === 0) {
        const fb = archiveFallback(s, file.path);
        if (fb) coords.push(fb);
      }
      for (const c of coords) {
        const props: Record<string, string> = s.inner ? { 'ocisign:java:nested-path': s.inner } : {};
        out.push(makePackage({ type: 'maven', namespace: c.group, name: c.artifact, version: c.version, purl: mavenPurl(c.group, c.artifact, c.version), foundBy: 'java-archive', properties: props }, file));
      }
    }
  }
  return out;
}

export const javaArchiveCataloger: InstalledCataloger = {
  name: 'java-archive',
  matches: (path) => ARCHIVE.test(path),
  want: () => ({ maxBytes: MAX_ARCHIVE_BYTES, reduce: (data) => encodeUtf8(JSON.stringify(summarizeArchive(data))) }),
  parse: parseJava,
};
