/**
 * Installed metadata inside a scanned directory, read with the image scanner's installed catalogers
 * (npm-installed, python-installed) so both modes agree on purls, licenses and edges:
 * - `node_modules` trees where no npm/yarn/pnpm lockfile sits beside them (a lockfile is the better source;
 *   npm's hidden `node_modules/.package-lock.json` counts as one and is parsed by the npm-lock cataloger);
 * - `*.dist-info` / `*.egg-info` directories found by the walk (virtualenvs, vendored site-packages).
 * Only package.json files at package roots are read (`[@scope/]name/package.json`, recursively into nested
 * node_modules); symlinks are not followed.
 */
import { opendir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describeError } from '../../core/errors.ts';
import type { InstalledCataloger, InstalledFile } from '../catalogers/installed/cataloger.ts';
import { npmCataloger } from '../catalogers/installed/npm.ts';
import { pythonCataloger } from '../catalogers/installed/python.ts';
import type { SbomPackage, SbomWarning } from '../model.ts';
import type { FileInfo } from '../image/squash.ts';

export interface InstalledResult {
  packages: SbomPackage[];
  warnings: SbomWarning[];
}

/** package.json paths (relative to root) of every package installed under `<dir>/node_modules`. */
export async function listNodeModules(root: string, dir: string): Promise<string[]> {
  const out: string[] = [];
  const visit = async (nm: string): Promise<void> => {
    let entries;
    try {
      entries = await opendir(join(root, nm));
    } catch {
      return;
    }
    const dirs: string[] = [];
    for await (const e of entries) {
      if (!e.isDirectory() || e.name.startsWith('.')) continue;
      if (e.name.startsWith('@')) {
        const scoped = await opendir(join(root, nm, e.name));
        for await (const s of scoped) if (s.isDirectory()) dirs.push(`${nm}/${e.name}/${s.name}`);
      } else dirs.push(`${nm}/${e.name}`);
    }
    dirs.sort();
    for (const d of dirs) {
      out.push(`${d}/package.json`);
      await visit(`${d}/node_modules`);
    }
  };
  await visit(dir === '' ? 'node_modules' : `${dir}/node_modules`);
  return out;
}

/** The python metadata file of a `*.dist-info` / `*.egg-info` directory (relative path). */
export function pythonMetadataPath(infoDir: string): string {
  return infoDir.endsWith('.dist-info') ? `${infoDir}/METADATA` : `${infoDir}/PKG-INFO`;
}

/** Read `paths` and run one installed cataloger over them; unreadable files become warnings. */
export async function runInstalledCataloger(root: string, paths: string[], cataloger: InstalledCataloger): Promise<InstalledResult> {
  const files: InstalledFile[] = [];
  const warnings: SbomWarning[] = [];
  for (const path of paths) {
    let data: Uint8Array;
    try {
      data = await readFile(join(root, path));
    } catch (err) {
      if ((err as { code?: string }).code !== 'ENOENT') warnings.push({ subject: path, reason: describeError(err) });
      continue;
    }
    try {
      const info: FileInfo = { path, size: data.length, mode: 0o644 };
      const reduce = cataloger.want?.(info).reduce;
      files.push({ path, layerDigest: '', layerIndex: 0, data: reduce ? await reduce(data, info) : data });
    } catch (err) {
      warnings.push({ subject: path, reason: describeError(err) });
    }
  }
  const packages = cataloger.parse(files, {
    lookup: (p) => files.find((f) => f.path === p),
    warn: (subject, reason) => warnings.push({ subject: subject.replace(/ in layer $/, ''), reason }),
  });
  for (const p of packages) p.locations = p.locations.map((l) => ({ path: l.path }));
  return { packages, warnings };
}

export const installedNpm = npmCataloger;
export const installedPython = pythonCataloger;
