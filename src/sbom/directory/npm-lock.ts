/**
 * package-lock.json (v1, v2, v3) and npm-shrinkwrap.json / node_modules/.package-lock.json.
 * v2/v3: the flat `packages` map keyed by install path; edges resolved with Node's upward node_modules lookup,
 * links followed to workspace folders. v1: the nested `dependencies` tree with `requires`.
 */
import { npmPurl, splitNpmName } from '../purl.ts';
import type { SbomPackage } from '../model.ts';
import { hashesFromIntegrity } from './integrity.ts';
import { dedupeByPurl, makePackage, packagesWithoutParents, unique } from './package-builder.ts';
import type { LockfileCataloger, LockfileInput, LockfileResult } from './types.ts';
import { parseJsonLockfile, readProjectDeps } from './npm-common.ts';

const FOUND_BY = 'npm-lock';

export const npmLockCataloger: LockfileCataloger = {
  name: FOUND_BY,
  type: 'npm',
  matches: (base) => base === 'package-lock.json' || base === 'npm-shrinkwrap.json' || base === '.package-lock.json',
  parse: parseNpmLock,
};

interface LockEntry {
  name?: string;
  version?: string;
  resolved?: string;
  integrity?: string;
  link?: boolean;
  dev?: boolean;
  optional?: boolean;
  devOptional?: boolean;
  inBundle?: boolean;
  bundled?: boolean;
  license?: unknown;
  extraneous?: boolean;
  dependencies?: Record<string, unknown>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  devDependencies?: Record<string, string>;
  requires?: Record<string, string>;
}

export async function parseNpmLock(input: LockfileInput): Promise<LockfileResult> {
  const doc = parseJsonLockfile(input);
  if ('warning' in doc) return { packages: [], rootDependsOn: [], warnings: [doc.warning] };
  const lock = doc.value as { name?: string; version?: string; lockfileVersion?: number; packages?: Record<string, LockEntry>; dependencies?: Record<string, LockEntry> };
  const project = typeof lock.name === 'string' ? { name: lock.name, version: lock.version } : undefined;
  if (lock.packages && typeof lock.packages === 'object') return { ...parsePackagesMap(lock.packages, input.path), project };
  if (lock.dependencies && typeof lock.dependencies === 'object') {
    return { ...(await parseV1(lock.dependencies, input)), project };
  }
  return { packages: [], rootDependsOn: [], warnings: [], project };
}

/** v2/v3: `packages[""]` is the root, `node_modules/a/node_modules/b` nested installs, other keys workspaces. */
function parsePackagesMap(entries: Record<string, LockEntry>, path: string): Omit<LockfileResult, 'project'> {
  const purlAt = new Map<string, string>();
  const packages: { location: string; pkg: SbomPackage; entry: LockEntry }[] = [];
  for (const [location, entry] of Object.entries(entries)) {
    if (location === '' || !entry || typeof entry !== 'object' || entry.link) continue;
    const name = entry.name ?? nameFromLocation(location);
    if (!name || typeof entry.version !== 'string') continue;
    const pkg = makePackage({
      type: 'npm',
      ...splitNpmName(name),
      name: splitNpmName(name).name,
      version: entry.version,
      purl: npmPurl(name, entry.version),
      path,
      foundBy: FOUND_BY,
      licenses: licensesOf(entry.license),
      hashes: hashesFromIntegrity(entry.integrity),
      scope: scopeOf(entry),
      properties: npmProperties(entry, location),
    });
    purlAt.set(location, pkg.purl);
    packages.push({ location, pkg, entry });
  }
  const resolve = (from: string, dep: string) => resolveInstalled(entries, purlAt, from, dep);
  for (const { location, pkg, entry } of packages) pkg.dependsOn = edgesOf(entry, (dep) => resolve(location, dep));
  const root = entries[''];
  const rootDependsOn = root ? edgesOf(root, (dep) => resolve('', dep), true) : packagesWithoutParents(packages.map((p) => p.pkg));
  for (const [location, entry] of Object.entries(entries)) {
    // workspace members are direct dependencies of the root too
    if (location !== '' && !location.includes('node_modules/') && !entry.link) {
      const purl = purlAt.get(location);
      if (purl) rootDependsOn.push(purl);
    }
  }
  return { packages: dedupeByPurl(packages.map((p) => p.pkg)), rootDependsOn: unique(rootDependsOn), warnings: [] };
}

function nameFromLocation(location: string): string | undefined {
  const idx = location.lastIndexOf('node_modules/');
  return idx < 0 ? undefined : location.slice(idx + 'node_modules/'.length);
}

/** Node's lookup: `<dir>/node_modules/<dep>` for dir = from, its parents…, skipping `node_modules` folders. */
function resolveInstalled(entries: Record<string, LockEntry>, purlAt: Map<string, string>, from: string, dep: string): string | undefined {
  let dir = from;
  for (;;) {
    const base = dir.slice(dir.lastIndexOf('/') + 1);
    if (base !== 'node_modules') {
      const candidate = dir === '' ? `node_modules/${dep}` : `${dir}/node_modules/${dep}`;
      const entry = entries[candidate];
      if (entry) return entry.link && typeof entry.resolved === 'string' ? purlAt.get(entry.resolved) : purlAt.get(candidate);
    }
    if (dir === '') return undefined;
    const slash = dir.lastIndexOf('/');
    dir = slash < 0 ? '' : dir.slice(0, slash);
  }
}

function edgesOf(entry: LockEntry, resolve: (dep: string) => string | undefined, withDev = false): string[] {
  const names = new Set([
    ...Object.keys(mapOrEmpty(entry.dependencies)),
    ...Object.keys(mapOrEmpty(entry.optionalDependencies)),
    ...Object.keys(mapOrEmpty(entry.peerDependencies)),
    ...(withDev ? Object.keys(mapOrEmpty(entry.devDependencies)) : []),
  ]);
  return unique([...names].map(resolve).filter((p): p is string => p !== undefined));
}

function mapOrEmpty(value: unknown): Record<string, unknown> {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function scopeOf(entry: LockEntry): SbomPackage['scope'] {
  if (entry.dev) return 'excluded';
  if (entry.optional || entry.devOptional) return 'optional';
  return 'required';
}

function npmProperties(entry: LockEntry, location: string): Record<string, string> {
  const props: Record<string, string> = { 'cdx:npm:package:path': location };
  if (entry.dev) props['cdx:npm:package:development'] = 'true';
  if (entry.inBundle || entry.bundled) props['cdx:npm:package:bundled'] = 'true';
  if (entry.extraneous) props['cdx:npm:package:extraneous'] = 'true';
  return props;
}

/** `license` as a string, `{type}` or an array of either (old package.json styles). */
export function licensesOf(license: unknown): string[] {
  if (typeof license === 'string' && license.trim() !== '') return [license.trim()];
  if (Array.isArray(license)) return license.flatMap(licensesOf);
  if (license && typeof license === 'object' && typeof (license as { type?: unknown }).type === 'string') {
    return licensesOf((license as { type: string }).type);
  }
  return [];
}

/** v1: nested `dependencies`; a `requires` name resolves in the node's own subtree, then its ancestors'. */
async function parseV1(top: Record<string, LockEntry>, input: LockfileInput): Promise<Omit<LockfileResult, 'project'>> {
  const all: SbomPackage[] = [];
  const scopes: Map<string, string>[] = [];
  const visit = (deps: Record<string, LockEntry>, prefix: string, chain: Map<string, string>[]) => {
    const scope = new Map<string, string>();
    const made: { entry: LockEntry; pkg: SbomPackage; location: string }[] = [];
    for (const [key, entry] of Object.entries(deps)) {
      if (!entry || typeof entry !== 'object' || typeof entry.version !== 'string') continue;
      const { name, version } = aliasTarget(key, entry.version);
      const location = `${prefix}node_modules/${key}`;
      const pkg = makePackage({
        type: 'npm', ...splitNpmName(name), name: splitNpmName(name).name, version, purl: npmPurl(name, version),
        path: input.path, foundBy: FOUND_BY, hashes: hashesFromIntegrity(entry.integrity), scope: scopeOf(entry),
        properties: npmProperties(entry, location),
      });
      scope.set(key, pkg.purl);
      made.push({ entry, pkg, location });
      all.push(pkg);
    }
    const innerChain = [scope, ...chain];
    for (const { entry, pkg, location } of made) {
      const nested = entry.dependencies && typeof entry.dependencies === 'object' ? (entry.dependencies as Record<string, LockEntry>) : {};
      const nestedChain = Object.keys(nested).length > 0 ? visit(nested, `${location}/`, innerChain) : innerChain;
      pkg.dependsOn = unique(Object.keys(mapOrEmpty(entry.requires)).map((n) => lookup(nestedChain, n)).filter((p): p is string => !!p));
    }
    scopes.push(scope);
    return innerChain;
  };
  const rootChain = visit(top, '', []);
  const declared = await readProjectDeps(input.readSibling);
  const rootDependsOn = declared
    ? declared.map((n) => lookup(rootChain, n)).filter((p): p is string => !!p)
    : packagesWithoutParents(all);
  return { packages: dedupeByPurl(all), rootDependsOn: unique(rootDependsOn), warnings: [] };
}

function lookup(chain: Map<string, string>[], name: string): string | undefined {
  for (const scope of chain) {
    const hit = scope.get(name);
    if (hit) return hit;
  }
  return undefined;
}

/** v1 aliases: key `foo`, version `npm:bar@1.0.0` → bar@1.0.0. */
function aliasTarget(key: string, version: string): { name: string; version: string } {
  if (!version.startsWith('npm:')) return { name: key, version };
  const spec = version.slice(4);
  const at = spec.lastIndexOf('@');
  return at > 0 ? { name: spec.slice(0, at), version: spec.slice(at + 1) } : { name: key, version: spec };
}
