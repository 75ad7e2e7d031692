/**
 * pnpm-lock.yaml v5, v6 and v9. Packages are keyed `/name@1.2.3(peer@1)` (v6), `name@1.2.3` (v9, edges in
 * `snapshots`) or `/name/1.2.3_peer` (v5); importers (or the top level) give the root's direct dependencies.
 * Peer suffixes are dropped from the version, so peer variants are one component.
 */
import { parse as parseYaml } from 'yaml';
import { describeError } from '../../core/errors.ts';
import { npmPurl, splitNpmName } from '../purl.ts';
import type { SbomPackage } from '../model.ts';
import { hashesFromIntegrity } from './integrity.ts';
import { applyScopeFromRoots, dedupeByPurl, makePackage, unique } from './package-builder.ts';
import type { LockfileCataloger, LockfileInput, LockfileResult } from './types.ts';

const FOUND_BY = 'pnpm-lock';

export const pnpmLockCataloger: LockfileCataloger = {
  name: FOUND_BY,
  type: 'npm',
  matches: (base) => base === 'pnpm-lock.yaml',
  parse: parsePnpmLock,
};

type Obj = Record<string, unknown>;

export async function parsePnpmLock(input: LockfileInput): Promise<LockfileResult> {
  let doc: Obj;
  try {
    doc = (parseYaml(input.text) ?? {}) as Obj;
    if (typeof doc !== 'object') throw new Error('not a mapping');
  } catch (err) {
    return { packages: [], rootDependsOn: [], warnings: [{ subject: input.path, reason: `unreadable pnpm-lock.yaml: ${describeError(err)}` }] };
  }
  const packages = asObj(doc.packages);
  const snapshots = asObj(doc.snapshots);
  const v9 = Object.keys(snapshots).length > 0 || String(doc.lockfileVersion ?? '').startsWith('9');
  const graph = v9 ? snapshots : packages;
  const idOf = (key: string) => parseKey(key);
  const purlOfKey = new Map<string, string>();
  const made: SbomPackage[] = [];
  for (const key of Object.keys(graph)) {
    const id = idOf(key);
    if (!id) continue;
    const meta = asObj(v9 ? packages[`${id.name}@${id.version}`] : packages[key]);
    const node = asObj(graph[key]);
    const pkg = makePackage({
      type: 'npm', ...splitNpmName(id.name), version: id.version, purl: npmPurl(id.name, id.version), path: input.path,
      foundBy: FOUND_BY, hashes: hashesFromIntegrity(asObj(meta.resolution).integrity),
      scope: node.dev === true || meta.dev === true ? 'excluded' : node.optional === true || meta.optional === true ? 'optional' : node.dev === false || meta.dev === false ? 'required' : undefined,
    });
    purlOfKey.set(key, pkg.purl);
    made.push(pkg);
  }
  const resolve = (name: string, ref: unknown) => resolveRef(name, ref, v9, purlOfKey);
  const keys = Object.keys(graph).filter((k) => purlOfKey.has(k));
  keys.forEach((key, i) => {
    const node = asObj(graph[key]);
    made[i]!.dependsOn = depEntries(node).map(([n, r]) => resolve(n, r)).filter((p): p is string => !!p);
  });
  const importers = Object.keys(asObj(doc.importers)).length > 0 ? Object.values(asObj(doc.importers)).map(asObj) : [doc];
  const rootsOf = (imp: Obj, fields: string[]) =>
    fields.flatMap((f) => Object.entries(asObj(imp[f])).map(([n, r]) => resolve(n, asObj(r).version ?? r))).filter((p): p is string => !!p);
  const runtimeRoots = unique(importers.flatMap((imp) => rootsOf(imp, ['dependencies', 'optionalDependencies'])));
  const devRoots = unique(importers.flatMap((imp) => rootsOf(imp, ['devDependencies'])));
  applyScopeFromRoots(made, runtimeRoots, devRoots);
  const rootDependsOn = unique([...runtimeRoots, ...devRoots]);
  return { packages: dedupeByPurl(made), rootDependsOn, warnings: [] };
}

function asObj(value: unknown): Obj {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Obj) : {};
}

/** [name, ref] pairs of a package node or importer (importer refs may be `{specifier, version}`). */
function depEntries(node: Obj, withDev = false): [string, unknown][] {
  const fields = ['dependencies', 'optionalDependencies', ...(withDev ? ['devDependencies'] : [])];
  return fields.flatMap((f) => Object.entries(asObj(node[f])).map(([n, r]): [string, unknown] => [n, asObj(r).version ?? r]));
}

/** A dependency ref: `1.2.3(peer@1)`, `/other@1.0.0` (alias, v6), `other@1.0.0` (alias, v9), `link:…`. */
function resolveRef(name: string, ref: unknown, v9: boolean, purlOfKey: Map<string, string>): string | undefined {
  if (typeof ref !== 'string' && typeof ref !== 'number') return undefined;
  const r = String(ref);
  if (r.startsWith('link:') || r.startsWith('file:') || r.startsWith('workspace:')) return undefined;
  const candidates = v9
    ? [`${name}@${r}`, r]
    : [`/${name}@${r}`, `/${name}/${r}`, r.startsWith('/') ? r : `/${r}`];
  for (const c of candidates) {
    const hit = purlOfKey.get(c);
    if (hit) return hit;
  }
  return undefined;
}

/** `/@a/b@1.2.3(x@1)`, `@a/b@1.2.3`, `/@a/b/1.2.3_x@1` → name and plain version. */
function parseKey(key: string): { name: string; version: string } | undefined {
  const k = key.startsWith('/') ? key.slice(1) : key;
  const base = k.split('(')[0]!;
  const at = base.indexOf('@', 1);
  if (at > 0) {
    const version = base.slice(at + 1);
    if (/^\d/.test(version)) return { name: base.slice(0, at), version };
  }
  // v5: name/version[_peers]
  const m = /^((?:@[^/]+\/)?[^/]+)\/(\d[^_/]*)(?:_.*)?$/.exec(base);
  return m ? { name: m[1]!, version: m[2]! } : undefined;
}
