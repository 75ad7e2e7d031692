/**
 * Directory SBOM: walk (excludes applied), parse every lockfile with its cataloger, add installed metadata
 * where no lockfile covers it, describe the project. One application per lockfile (or installed tree);
 * packages with the same purl found twice are merged.
 */
import { stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { OcisignError, isOcisignError, withContext } from '../../core/errors.ts';
import type { Sbom, SbomApplication, SbomPackage, SbomWarning } from '../model.ts';
import { compileExcludes } from './exclude.ts';
import { LOCKFILE_CATALOGERS } from './catalogers.ts';
import { installedNpm, installedPython, listNodeModules, pythonMetadataPath, runInstalledCataloger } from './installed.ts';
import { npmLockCataloger } from './npm-lock.ts';
import { compareStrings, dedupeByPurl, packagesWithoutParents } from './package-builder.ts';
import { describeProject } from './project.ts';
import type { LockfileCataloger, LockfileResult } from './types.ts';
import { npmPurl, pypiPurl } from '../purl.ts';
import { walkDirectory } from './walk.ts';
import { fsReason, pathExists } from '../../core/fs.ts';
import { appendAll, assertPackageCount } from '../model.ts';
import { assertLineLengths, readScannedFile } from './read-file.ts';

export interface DirectoryScanOptions {
  /** .gitignore-style patterns, relative to the root. */
  exclude?: readonly string[];
  catalogers?: readonly LockfileCataloger[];
}

const NPM_LOCKS = ['package-lock.json', 'npm-shrinkwrap.json', 'yarn.lock', 'pnpm-lock.yaml'];

export async function scanDirectory(root: string, options: DirectoryScanOptions = {}): Promise<Sbom> {
  await assertDirectory(root);
  const catalogers = options.catalogers ?? LOCKFILE_CATALOGERS;
  const warnings: SbomWarning[] = [];
  const warn = (w: SbomWarning) => void warnings.push(w);
  const walk = await walkDirectory(root, (base) => catalogers.some((c) => c.matches(base)), compileExcludes(options.exclude ?? []), warn).catch((err: unknown) => {
    throw unreadableRoot(root, err);
  });
  const packages: SbomPackage[] = [];
  const applications: SbomApplication[] = [];
  let lockfileProject: LockfileResult['project'];
  const readRel = (rel: string) => readScannedFile(root, rel, warn);
  const runLockfile = async (cataloger: LockfileCataloger, path: string) => {
    const text = await readRel(path);
    if (text === undefined) return;
    if (cataloger.lineOriented) assertLineLengths(text, join(root, path));
    const dir = dirname(path) === '.' ? '' : dirname(path);
    const readSibling = (name: string) => readRel(dir ? `${dir}/${name}` : name);
    const result = await cataloger.parse({ path, text, readSibling }).catch((err: unknown) => {
      throw isOcisignError(err) ? withContext(`scanning directory ${root}`, err) : err;
    });
    appendAll(warnings, result.warnings);
    if (dir === '' && result.project && !lockfileProject) lockfileProject = projectWithPurl(result.project, cataloger.type);
    if (result.packages.length === 0 && result.rootDependsOn.length === 0) return;
    appendAll(packages, result.packages);
    assertPackageCount(packages.length, `scanning directory ${root}, after ${path}`);
    applications.push({ name: path, type: cataloger.type, foundBy: cataloger.name, dependsOn: result.rootDependsOn });
  };
  for (const file of walk.files) {
    const base = file.path.slice(file.path.lastIndexOf('/') + 1);
    for (const cataloger of catalogers.filter((c) => c.matches(base))) await runLockfile(cataloger, file.path);
  }
  await addInstalledNpm(root, walk.nodeModulesParents, runLockfile, packages, applications, warnings);
  if (walk.pythonInstalled.length > 0) {
    const r = await runInstalledCataloger(root, walk.pythonInstalled.map(pythonMetadataPath), installedPython);
    addInstalledGroup(r.packages, 'site-packages', 'pypi', installedPython.name, packages, applications);
    appendAll(warnings, r.warnings);
  }
  applications.sort((a, b) => compareStrings(a.name, b.name));
  const subject = await describeProject(root, lockfileProject, warn);
  return { subject, packages: dedupeByPurl(packages), warnings: uniqueWarnings(warnings), applications };
}

async function addInstalledNpm(
  root: string,
  parents: string[],
  runLockfile: (c: LockfileCataloger, path: string) => Promise<void>,
  packages: SbomPackage[],
  applications: SbomApplication[],
  warnings: SbomWarning[],
): Promise<void> {
  for (const dir of parents) {
    const prefix = dir ? `${dir}/` : '';
    const hasLock = await Promise.all(NPM_LOCKS.map((n) => pathExists(join(root, prefix + n))));
    if (hasLock.some(Boolean)) continue;
    const hidden = `${prefix}node_modules/.package-lock.json`;
    if (await pathExists(join(root, hidden))) {
      await runLockfile(npmLockCataloger, hidden);
      continue;
    }
    const r = await runInstalledCataloger(root, await listNodeModules(root, dir, (w) => void warnings.push(w)), installedNpm);
    appendAll(warnings, r.warnings);
    addInstalledGroup(r.packages, `${prefix}node_modules`, 'npm', installedNpm.name, packages, applications);
  }
}

function addInstalledGroup(found: SbomPackage[], name: string, type: string, foundBy: string, packages: SbomPackage[], applications: SbomApplication[]): void {
  if (found.length === 0) return;
  appendAll(packages, found);
  assertPackageCount(packages.length, `scanning directory, after ${name}`);
  applications.push({ name, type, foundBy, dependsOn: packagesWithoutParents(found) });
}

function projectWithPurl(p: NonNullable<LockfileResult['project']>, type: string): NonNullable<LockfileResult['project']> {
  if (p.purl || !p.version) return p;
  const purl = type === 'npm' ? npmPurl(p.name, p.version) : type === 'pypi' ? pypiPurl(p.name, p.version) : undefined;
  return purl ? { ...p, purl } : p;
}


/** A file read twice (a sibling and the project's own package.json) warns once. */
function uniqueWarnings(warnings: SbomWarning[]): SbomWarning[] {
  const seen = new Set<string>();
  return warnings.filter((w) => !seen.has(`${w.subject}\n${w.reason}`) && seen.add(`${w.subject}\n${w.reason}`) !== undefined);
}

async function assertDirectory(root: string): Promise<void> {
  let info;
  try {
    info = await stat(root);
  } catch (err) {
    throw unreadableRoot(root, err);
  }
  if (!info.isDirectory()) throw new OcisignError('BAD_INPUT', `scanning directory ${root}: not a directory`);
}

/** The scanned directory itself cannot be read: bad input when it is missing or forbidden, else I/O. */
function unreadableRoot(root: string, err: unknown): OcisignError {
  const code = (err as { code?: string }).code;
  const why = code === 'ENOENT' ? 'no such directory' : fsReason(err);
  return new OcisignError(code === 'ENOENT' || code === 'EACCES' || code === 'EPERM' ? 'BAD_INPUT' : 'IO', `scanning directory ${root}: ${why}`, { cause: err });
}
