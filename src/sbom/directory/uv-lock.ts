/**
 * uv.lock: `[[package]]` with `dependencies = [{ name, version? }]`, `optional-dependencies` and
 * `dev-dependencies` (by group). The package whose source is `editable = "."` or `virtual = "."` is the project
 * itself: not a component, its dependencies are the root's. Other editable/virtual members are components.
 */
import { normalizePypiName, pypiPurl } from '../purl.ts';
import { appendAll, type SbomPackage } from '../model.ts';
import { applyScopeFromRoots, dedupeByPurl, makePackage, packagesWithoutParents, unique } from './package-builder.ts';
import { objOf, parseTomlFile, str, tablesOf } from './toml.ts';
import type { LockfileCataloger, LockfileInput, LockfileResult } from './types.ts';

const FOUND_BY = 'uv-lock';

export const uvLockCataloger: LockfileCataloger = {
  name: FOUND_BY,
  type: 'pypi',
  matches: (base) => base === 'uv.lock',
  parse: parseUvLock,
};

type Table = Record<string, unknown>;

export async function parseUvLock(input: LockfileInput): Promise<LockfileResult> {
  const doc = parseTomlFile(input.path, input.text);
  if ('warning' in doc) return { packages: [], rootDependsOn: [], warnings: [doc.warning] };
  const entries = tablesOf(doc.value.package).filter((p) => str(p.name));
  const isRoot = (e: Table) => { const s = objOf(e.source); return s.editable === '.' || s.virtual === '.'; };
  const versionsByName = new Map<string, Table[]>();
  for (const e of entries) {
    const n = normalizePypiName(str(e.name)!);
    versionsByName.set(n, [...(versionsByName.get(n) ?? []), e]);
  }
  const purlOf = (e: Table) => pypiPurl(str(e.name)!, str(e.version) ?? '');
  const resolve = (dep: Table): string | undefined => {
    const candidates = versionsByName.get(normalizePypiName(str(dep.name) ?? '')) ?? [];
    const hit = candidates.find((c) => !dep.version || c.version === dep.version) ?? candidates[0];
    return hit && !isRoot(hit) && str(hit.version) ? purlOf(hit) : undefined;
  };
  const depsOf = (e: Table) => unique(allDeps(e).map(resolve).filter((p): p is string => !!p));
  const resolveAll = (list: Table[]) => unique(list.map(resolve).filter((p): p is string => !!p));
  const made: SbomPackage[] = [];
  const runtimeRoots: string[] = [];
  const devRoots: string[] = [];
  let rootDependsOn: string[] | undefined;
  let project: LockfileResult['project'];
  for (const e of entries) {
    if (isRoot(e)) {
      rootDependsOn = unique([...(rootDependsOn ?? []), ...depsOf(e)]);
      appendAll(runtimeRoots, resolveAll([...tablesOf(e.dependencies), ...Object.values(objOf(e['optional-dependencies'])).flatMap(tablesOf)]));
      appendAll(devRoots, resolveAll(Object.values(objOf(e['dev-dependencies'])).flatMap(tablesOf)));
      project = { name: normalizePypiName(str(e.name)!), version: str(e.version) };
      continue;
    }
    if (!str(e.version)) continue;
    const pkg = makePackage({ type: 'pypi', name: normalizePypiName(str(e.name)!), version: str(e.version)!, purl: purlOf(e), path: input.path, foundBy: FOUND_BY });
    pkg.dependsOn = depsOf(e);
    made.push(pkg);
  }
  if (rootDependsOn) applyScopeFromRoots(made, runtimeRoots, devRoots);
  return { packages: dedupeByPurl(made), rootDependsOn: rootDependsOn ?? packagesWithoutParents(made), warnings: [], project };
}

function allDeps(e: Table): Table[] {
  const groups = [...Object.values(objOf(e['optional-dependencies'])), ...Object.values(objOf(e['dev-dependencies']))];
  return [...tablesOf(e.dependencies), ...groups.flatMap(tablesOf)];
}
