/**
 * poetry.lock: `[[package]]` name/version with `[package.dependencies]` names; the root's direct dependencies
 * come from the sibling pyproject.toml (`[tool.poetry.*dependencies]`, groups, `[project].dependencies`),
 * else every package without parents. `category = "dev"` (poetry < 1.5) → scope excluded.
 */
import { normalizePypiName, pypiPurl } from '../purl.ts';
import type { SbomPackage } from '../model.ts';
import { dedupeByPurl, makePackage, packagesWithoutParents, unique } from './package-builder.ts';
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
      scope: e.category === 'dev' ? 'excluded' : e.optional === true ? 'optional' : 'required',
    });
    byName.set(name, pkg.purl);
    return pkg;
  });
  entries.forEach((e, i) => {
    made[i]!.dependsOn = unique(Object.keys(objOf(e.dependencies)).map((n) => byName.get(normalizePypiName(n))).filter((p): p is string => !!p));
  });
  const declared = await pyprojectDependencyNames(input);
  const rootDependsOn = declared
    ? unique(declared.map((n) => byName.get(n)).filter((p): p is string => !!p))
    : packagesWithoutParents(made);
  return { packages: dedupeByPurl(made), rootDependsOn, warnings: [] };
}

/** Normalised dependency names declared by pyproject.toml (PEP 621 and poetry tables), or undefined. */
export async function pyprojectDependencyNames(input: LockfileInput): Promise<string[] | undefined> {
  const text = await input.readSibling('pyproject.toml');
  if (text === undefined) return undefined;
  const doc = parseTomlFile('pyproject.toml', text);
  if ('warning' in doc) return undefined;
  const project = objOf(doc.value.project);
  const poetry = objOf(objOf(doc.value.tool).poetry);
  const names: string[] = [];
  const pep508 = (list: unknown) => {
    if (Array.isArray(list)) for (const s of list) if (typeof s === 'string') names.push(s.split(/[\s\[<>=!~;@(]/)[0]!);
  };
  pep508(project.dependencies);
  for (const list of Object.values(objOf(project['optional-dependencies']))) pep508(list);
  for (const list of Object.values(objOf(doc.value['dependency-groups']))) pep508(list);
  names.push(...Object.keys(objOf(poetry.dependencies)), ...Object.keys(objOf(poetry['dev-dependencies'])));
  for (const group of Object.values(objOf(poetry.group))) names.push(...Object.keys(objOf(objOf(group).dependencies)));
  return unique(names.filter((n) => n && n.toLowerCase() !== 'python').map(normalizePypiName));
}
