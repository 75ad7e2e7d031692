/**
 * yarn.lock: classic v1 (yarn's own line format) and berry v2+ (YAML with `__metadata`). Entries are keyed by
 * one or more descriptors (`name@range`); an edge `dep: range` resolves through the descriptor `dep@range`.
 */
import { parse as parseYaml } from 'yaml';
import { describeError } from '../../core/errors.ts';
import { npmPurl, splitNpmName } from '../purl.ts';
import type { SbomPackage } from '../model.ts';
import { hashesFromIntegrity } from './integrity.ts';
import { declaredDepGroups, parseJsonObject } from './npm-common.ts';
import { applyScopeFromRoots, dedupeByPurl, makePackage, packagesWithoutParents, unique } from './package-builder.ts';
import type { LockfileCataloger, LockfileInput, LockfileResult } from './types.ts';

const FOUND_BY = 'yarn-lock';

export const yarnLockCataloger: LockfileCataloger = {
  name: FOUND_BY,
  type: 'npm',
  matches: (base) => base === 'yarn.lock',
  lineOriented: true,
  parse: parseYarnLock,
};

interface YarnEntry {
  descriptors: string[];
  name: string;
  version: string;
  integrity?: string;
  dependencies: Record<string, string>;
  workspace?: boolean;
}

export async function parseYarnLock(input: LockfileInput): Promise<LockfileResult> {
  let entries: YarnEntry[];
  try {
    entries = /^__metadata:/m.test(input.text) ? readBerry(input.text) : readClassic(input.text);
  } catch (err) {
    return { packages: [], rootDependsOn: [], warnings: [{ subject: input.path, reason: `unreadable yarn.lock: ${describeError(err)}` }] };
  }
  const byDescriptor = new Map<string, YarnEntry>();
  for (const e of entries) for (const d of e.descriptors) byDescriptor.set(d, e);
  const purlOf = (e: YarnEntry) => npmPurl(e.name, e.version);
  const resolve = (name: string, range: string) => {
    const hit = byDescriptor.get(`${name}@${range}`) ?? byDescriptor.get(`${name}@npm:${range}`);
    return hit && !hit.workspace ? purlOf(hit) : undefined;
  };
  const packages: SbomPackage[] = entries.filter((e) => !e.workspace).map((e) => {
    const pkg = makePackage({
      type: 'npm', ...splitNpmName(e.name), version: e.version, purl: purlOf(e), path: input.path, foundBy: FOUND_BY,
      hashes: hashesFromIntegrity(e.integrity),
    });
    pkg.dependsOn = edges(e.dependencies, resolve);
    return pkg;
  });
  const rootDependsOn = await rootEdges(input, entries, resolve, packages);
  return { packages: dedupeByPurl(packages), rootDependsOn, warnings: [] };
}

function edges(deps: Record<string, string>, resolve: (n: string, r: string) => string | undefined): string[] {
  return unique(Object.entries(deps).map(([n, r]) => resolve(n, r)).filter((p): p is string => p !== undefined));
}

/** Berry's root workspace entry, else the sibling package.json, else every package without parents. */
async function rootEdges(input: LockfileInput, entries: YarnEntry[], resolve: (n: string, r: string) => string | undefined, packages: SbomPackage[]): Promise<string[]> {
  // an unreadable package.json leaves the lockfile's own view
  const pkg = parseJsonObject(await input.readSibling('package.json'));
  const groups = pkg === undefined ? undefined : declaredDepGroups(pkg);
  if (groups) applyScopeFromRoots(packages, edges(groups.runtime, resolve), edges(groups.dev, resolve));
  const workspaces = entries.filter((e) => e.workspace);
  if (workspaces.length > 0) return unique(workspaces.flatMap((w) => edges(w.dependencies, resolve)));
  if (groups) return unique([...edges(groups.runtime, resolve), ...edges(groups.dev, resolve)]);
  return packagesWithoutParents(packages);
}

/** `"@a/b@^1", "@a/b@^1.2"` → descriptors; the name is everything before the `@` that starts the range. */
function splitDescriptors(key: string): string[] {
  return key.split(',').map((s) => s.trim().replace(/^"|"$/g, '')).filter((s) => s !== '');
}

function descriptorName(descriptor: string): string {
  const at = descriptor.indexOf('@', 1);
  return at < 0 ? descriptor : descriptor.slice(0, at);
}

/** The real package behind an alias range `npm:real@^1` (classic) or the descriptor's own name. */
function realName(descriptor: string): string {
  const range = descriptor.slice(descriptorName(descriptor).length + 1);
  const m = /^npm:((?:@[^/@]+\/)?[^@]+)@/.exec(range);
  return m ? m[1]! : descriptorName(descriptor);
}

function unquote(s: string): string {
  const t = s.trim();
  return t.startsWith('"') && t.endsWith('"') ? (JSON.parse(t) as string) : t;
}

/** Classic v1: top-level `key:` lines, two-space fields, four-space dependency lines. */
function readClassic(text: string): YarnEntry[] {
  const out: YarnEntry[] = [];
  let current: YarnEntry | undefined;
  let section: string | undefined;
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === '' || line.trimStart().startsWith('#')) continue;
    const indent = line.length - line.trimStart().length;
    if (indent === 0 && line.endsWith(':')) {
      const descriptors = splitDescriptors(line.slice(0, -1));
      current = { descriptors, name: realName(descriptors[0]!), version: '', dependencies: {} };
      out.push(current);
      section = undefined;
    } else if (current && indent === 2) {
      const t = line.trim();
      if (t.endsWith(':')) { section = t.slice(0, -1); continue; }
      section = undefined;
      const sp = t.indexOf(' ');
      const key = t.slice(0, sp);
      const value = unquote(t.slice(sp + 1));
      if (key === 'version') current.version = value;
      else if (key === 'integrity') current.integrity = value;
    } else if (current && indent >= 4 && (section === 'dependencies' || section === 'optionalDependencies')) {
      const t = line.trim();
      const m = /^("(?:[^"\\]|\\.)*"|\S+)\s+(.+)$/.exec(t);
      if (m) current.dependencies[unquote(m[1]!)] = unquote(m[2]!);
    }
  }
  return out.filter((e) => e.version !== '');
}

/** Berry v2+: YAML; `resolution: name@npm:1.2.3`, `linkType: soft` + `workspace:` marks workspaces. */
function readBerry(text: string): YarnEntry[] {
  const doc = parseYaml(text, { uniqueKeys: false }) as Record<string, Record<string, unknown>>;
  const out: YarnEntry[] = [];
  for (const [key, value] of Object.entries(doc ?? {})) {
    if (key === '__metadata' || !value || typeof value !== 'object') continue;
    const descriptors = splitDescriptors(key);
    const resolution = typeof value.resolution === 'string' ? value.resolution : descriptors[0]!;
    const version = typeof value.version === 'string' ? value.version : '';
    const workspace = resolution.includes('@workspace:');
    const deps = { ...stringMap(value.dependencies), ...stringMap(value.optionalDependencies) };
    if (!version) continue;
    out.push({ descriptors, name: descriptorName(resolution), version, dependencies: deps, workspace });
  }
  return out;
}

function stringMap(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) if (typeof v === 'string') out[k] = v;
  return out;
}
