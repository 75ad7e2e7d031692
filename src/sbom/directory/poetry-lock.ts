/**
 * poetry.lock: `[[package]]` name/version with `[package.dependencies]` names; the root's direct dependencies
 * come from the sibling pyproject.toml (`[tool.poetry.*dependencies]`, groups, `[project].dependencies`),
 * else every package without parents. `category = "dev"` (poetry < 1.5) → scope excluded.
 */
import { normalizePypiName, pypiPurl } from '../purl.ts';
import { appendAll, type SbomPackage } from '../model.ts';
import { applyScopeFromRoots, dedupeByPurl, makePackage, packagesWithoutParents, unique } from './package-builder.ts';
import { objOf, parseTomlFile, str, tablesOf } from './toml.ts';
import type { LockfileCataloger, LockfileInput, LockfileResult } from './types.ts';

const FOUND_BY = 'poetry-lock';

export const poetryLockCataloger: LockfileCataloger = {
  name: FOUND_BY,
  type: 'pypi',
  matches: (base) => base === 'poetry.lock',
  parse: parsePoetryLock,
};

export async function parsePoetryLock(input: LockfileInput): Promise<LockfileResult> {
  const doc = parseTomlFile(input.path, input.text);
  if ('warning' in doc) return { packages: [], rootDependsOn: [], warnings: [doc.warning] };
  const entries = tablesOf(doc.value.package).filter((p) => str(p.name) && str(p.version));
  const byName = new Map<string, string>();
  const made: SbomPackage[] = entries.map((e) => {
    const name = normalizePypiName(str(e.name)!);
    const pkg = makePackage({
      type: 'pypi', name, version: str(e.version)!, purl: pypiPurl(name, str(e.version)!), path: input.path, foundBy: FOUND_BY,
      description: str(e.description),
      scope: e.category === 'dev' ? 'excluded' : e.optional === true ? 'optional' : e.category === 'main' ? 'required' : undefined,
    });
    byName.set(name, pkg.purl);
    return pkg;
  });
  entries.forEach((e, i) => {
    made[i]!.dependsOn = unique(Object.keys(objOf(e.dependencies)).map((n) => byName.get(normalizePypiName(n))).filter((p): p is string => !!p));
  });
  const declared = await pyprojectDependencyNames(input);
  const purls = (names: string[]) => unique(names.map((n) => byName.get(n)).filter((p): p is string => !!p));
  if (declared) applyScopeFromRoots(made, purls(declared.runtime), purls(declared.dev));
  const rootDependsOn = declared ? purls([...declared.runtime, ...declared.dev]) : packagesWithoutParents(made);
  return { packages: dedupeByPurl(made), rootDependsOn, warnings: [] };
}

/**
 * Normalised dependency names declared by pyproject.toml, or undefined: runtime = `[project].dependencies`,
 * optional-dependencies and `[tool.poetry.dependencies]`; dev = `[dependency-groups]`, poetry groups and
 * `[tool.poetry.dev-dependencies]`.
 */
export async function pyprojectDependencyNames(input: LockfileInput): Promise<{ runtime: string[]; dev: string[] } | undefined> {
  const text = await input.readSibling('pyproject.toml');
  if (text === undefined) return undefined;
  const doc = parseTomlFile('pyproject.toml', text);
  if ('warning' in doc) return undefined;
  const project = objOf(doc.value.project);
  const poetry = objOf(objOf(doc.value.tool).poetry);
  const runtime: string[] = [];
  const dev: string[] = [];
  const pep508 = (list: unknown, into: string[]) => {
    if (Array.isArray(list)) for (const s of list) if (typeof s === 'string') into.push(s.split(/[\s\[<>=!~;@(]/)[0]!);
  };
  pep508(project.dependencies, runtime);
  for (const list of Object.values(objOf(project['optional-dependencies']))) pep508(list, runtime);
  for (const list of Object.values(objOf(doc.value['dependency-groups']))) pep508(list, dev);
  appendAll(runtime, Object.keys(objOf(poetry.dependencies)));
  appendAll(dev, Object.keys(objOf(poetry['dev-dependencies'])));
  for (const group of Object.values(objOf(poetry.group))) appendAll(dev, Object.keys(objOf(objOf(group).dependencies)));
  const clean = (names: string[]) => unique(names.filter((n) => n && n.toLowerCase() !== 'python').map(normalizePypiName));
  return { runtime: clean(runtime), dev: clean(dev) };
}
