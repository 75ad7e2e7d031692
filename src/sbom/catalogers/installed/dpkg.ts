/**
 * dpkg: `var/lib/dpkg/status` and distroless `var/lib/dpkg/status.d/<pkg>`. Only stanzas with
 * `Status: install ok installed` (status.d stanzas carry no Status and count as installed). Version keeps
 * its epoch; `Source:` goes to properties (not a purl qualifier: purl-spec's deb type defines only `arch`,
 * `distro` is the common extension); Depends/Pre-Depends become edges to the installed packages by name
 * (for `a | b` the first alternative present, then packages that `Provides:` it). Licenses come from
 * machine-readable `usr/share/doc/<pkg>/copyright` files (their `License:` short names), reduced at read time.
 */
import { INPUT_LIMITS } from '../../../core/input-limits.ts';
import type { SbomPackage } from '../../model.ts';
import { debPurl } from '../../purl.ts';
import type { FileWant } from '../../image/squash.ts';
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

const STATUS = 'var/lib/dpkg/status';
const STATUS_D = /^var\/lib\/dpkg\/status\.d\/[^/]+$/;
const COPYRIGHT = /^usr\/share\/doc\/([^/]+)\/copyright$/;

export type Stanza = Record<string, string>;

/** Split a deb822 control file into stanzas; continuation lines are joined with '\n'. */
export function parseStanzas(text: string): Stanza[] {
  const out: Stanza[] = [];
  let current: Stanza = {};
  let key: string | undefined;
  const flush = (): void => {
    if (Object.keys(current).length > 0) out.push(current);
    current = {};
    key = undefined;
  };
  for (const line of text.split('\n')) {
    if (line.trim() === '') {
      flush();
      continue;
    }
    if (line.startsWith('#')) continue;
    if ((line[0] === ' ' || line[0] === '\t') && key) {
      current[key] += `\n${line.slice(1)}`;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    key = line.slice(0, colon).trim();
    current[key] = line.slice(colon + 1).trim();
  }
  flush();
  return out;
}

/** License short names of a machine-readable (DEP-5) copyright file; [] when not machine-readable. */
export function copyrightLicenses(text: string): string[] {
  const stanzas = parseStanzas(text);
  if (!stanzas[0] || !('Format' in stanzas[0])) return [];
  const out = new Set<string>();
  for (const s of stanzas) {
    const first = s.License?.split('\n')[0]?.trim();
    if (first) out.add(first);
  }
  return [...out];
}

/** Names (first alternative list) of a Depends-style field: `a (>= 1) | b:any, c [amd64]`. */
export function parseDependencyField(field: string | undefined): string[][] {
  if (!field) return [];
  return field
    .split(',')
    .map((group) =>
      group
        .split('|')
        .map((alt) => alt.replace(/\(.*?\)|\[.*?\]|<.*?>/g, '').trim().split(':')[0]!.trim())
        .filter((name) => name !== ''),
    )
    .filter((alts) => alts.length > 0);
}

interface DebEntry {
  stanza: Stanza;
  file: InstalledFile;
}

function installedEntries(files: InstalledFile[], ctx: CatalogContext): DebEntry[] {
  const out: DebEntry[] = [];
  for (const file of files) {
    if (file.path !== STATUS && !STATUS_D.test(file.path)) continue;
    if (file.path.endsWith('.md5sums')) continue;
    let stanzas: Stanza[];
    try {
      stanzas = parseStanzas(decodeUtf8(file.data));
    } catch (err) {
      ctx.warn(fileSubject(file), `unreadable dpkg database: ${(err as Error).message}`);
      continue;
    }
    const distroless = file.path !== STATUS;
    for (const stanza of stanzas) {
      if (!stanza.Package || !stanza.Version) continue;
      if (!distroless && !/^install ok installed$/.test(stanza.Status ?? '')) continue;
      if (distroless && stanza.Status && !/ installed$/.test(stanza.Status)) continue;
      out.push({ stanza, file });
    }
  }
  return out;
}

function sourceProperties(stanza: Stanza): Record<string, string> {
  const m = /^(\S+)(?:\s+\((.+)\))?$/.exec(stanza.Source ?? '');
  const props: Record<string, string> = {};
  if (m) {
    props['ocisign:deb:source'] = m[1]!;
    if (m[2]) props['ocisign:deb:source-version'] = m[2];
  }
  return props;
}

function licensesOf(name: string, ctx: CatalogContext): string[] {
  const file = ctx.lookup(`usr/share/doc/${name}/copyright`);
  if (!file || file.data.length === 0) return [];
  return decodeUtf8(file.data).split('\n').filter((l) => l !== '');
}

function parseDpkg(files: InstalledFile[], ctx: CatalogContext): SbomPackage[] {
  const entries = installedEntries(files, ctx);
  const vendor = ctx.os?.id ?? 'debian';
  const byName = new Map<string, SbomPackage[]>();
  const provides = new Map<string, SbomPackage[]>();
  const built = entries.map(({ stanza, file }) => {
    const arch = stanza.Architecture || undefined;
    const pkg = makePackage(
      {
        type: 'deb',
        namespace: vendor,
        name: stanza.Package!,
        version: stanza.Version!,
        purl: debPurl({ vendor, name: stanza.Package!, version: stanza.Version!, arch, distro: ctx.distro }),
        foundBy: 'dpkg',
        licenses: licensesOf(stanza.Package!, ctx),
        description: stanza.Description?.split('\n')[0],
        properties: sourceProperties(stanza),
      },
      file,
    );
    const list = byName.get(pkg.name) ?? [];
    list.push(pkg);
    byName.set(pkg.name, list);
    for (const [name] of parseDependencyField(stanza.Provides)) {
      const l = provides.get(name!) ?? [];
      l.push(pkg);
      provides.set(name!, l);
    }
    return { pkg, stanza, arch };
  });
  for (const { pkg, stanza, arch } of built) {
    const edges = new Set<string>();
    const groups = [...parseDependencyField(stanza['Pre-Depends']), ...parseDependencyField(stanza.Depends)];
    for (const alts of groups) {
      const target = resolveAlternatives(alts, arch, byName, provides);
      if (target && target.purl !== pkg.purl) edges.add(target.purl);
    }
    pkg.dependsOn = [...edges].sort();
  }
  return built.map((b) => b.pkg);
}

function resolveAlternatives(
  alts: string[],
  arch: string | undefined,
  byName: Map<string, SbomPackage[]>,
  provides: Map<string, SbomPackage[]>,
): SbomPackage | undefined {
  const pick = (list: SbomPackage[] | undefined): SbomPackage | undefined =>
    list?.find((p) => arch && p.purl.includes(`arch=${arch}`)) ?? list?.[0];
  for (const name of alts) {
    const hit = pick(byName.get(name));
    if (hit) return hit;
  }
  for (const name of alts) {
    const hit = pick(provides.get(name));
    if (hit) return hit;
  }
  return undefined;
}

const copyrightWant: FileWant = {
  maxBytes: DEFAULT_METADATA_MAX_BYTES,
  // Lenient decoding: some copyright files are Latin-1; a license name never depends on it.
  reduce: (data) => encodeUtf8(copyrightLicenses(new TextDecoder().decode(data)).join('\n')),
};

export const dpkgCataloger: InstalledCataloger = {
  name: 'dpkg',
  matches: (path) => path === STATUS || (STATUS_D.test(path) && !path.endsWith('.md5sums')) || COPYRIGHT.test(path),
  want: (info) => (COPYRIGHT.test(info.path) ? copyrightWant : { maxBytes: INPUT_LIMITS.maxPackageDatabaseBytes, maxLineBytes: INPUT_LIMITS.maxLineBytes }),
  parse: parseDpkg,
};
