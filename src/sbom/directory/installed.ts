/**
 * Installed metadata inside a scanned directory, read with the image scanner's installed catalogers
 * (npm-installed, python-installed) so both modes agree on purls, licenses and edges:
 * - `node_modules` trees where no npm/yarn/pnpm lockfile sits beside them (a lockfile is the better source;
 *   npm's hidden `node_modules/.package-lock.json` counts as one and is parsed by the npm-lock cataloger);
 * - `*.dist-info` / `*.egg-info` directories found by the walk (virtualenvs, vendored site-packages).
 * Only package.json files at package roots are read (`[@scope/]name/package.json`, recursively into nested
 * node_modules); symlinks are not followed. A package.json or METADATA over DEFAULT_METADATA_MAX_BYTES is skipped
 * with a warning, as in an image.
 */
import { opendir } from 'node:fs/promises';
import { join } from 'node:path';
import { describeError } from '../../core/errors.ts';
import { fsReason, readFileBounded } from '../../core/fs.ts';
import { DEFAULT_METADATA_MAX_BYTES } from '../catalogers/installed/cataloger.ts';
import type { WarningSink } from './read-file.ts';
import type { InstalledCataloger, InstalledFile } from '../catalogers/installed/cataloger.ts';
import { npmCataloger } from '../catalogers/installed/npm.ts';
import { pythonCataloger } from '../catalogers/installed/python.ts';
import type { SbomPackage, SbomWarning } from '../model.ts';
import type { FileInfo } from '../image/squash.ts';

export interface InstalledResult {
  packages: SbomPackage[];
  warnings: SbomWarning[];
}

/**
 * package.json paths (relative to root) of every package installed under `<dir>/node_modules`. Depth first,
 * iteratively; a directory that cannot be read is a warning.
 */
export async function listNodeModules(root: string, dir: string, warn: WarningSink): Promise<string[]> {
  const out: string[] = [];
  const entriesOf = async (rel: string, missingIsFine: boolean) => {
    const names: { name: string; isDirectory: boolean }[] = [];
    try {
      for await (const e of await opendir(join(root, rel))) names.push({ name: e.name, isDirectory: e.isDirectory() });
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (!(missingIsFine && (code === 'ENOENT' || code === 'ENOTDIR'))) warn({ subject: `${rel}/`, reason: `unreadable directory (${fsReason(err)}); skipped` });
    }
    return names;
  };
  // A stack of directories to list and package.json paths to emit, so the order is the recursive one.
  const pending: ({ list: string } | { emit: string })[] = [{ list: dir === '' ? 'node_modules' : `${dir}/node_modules` }];
  while (pending.length > 0) {
    const item = pending.pop()!;
    if ('emit' in item) {
      out.push(item.emit);
      continue;
    }
    const nm = item.list;
    const dirs: string[] = [];
    for (const e of await entriesOf(nm, true)) {
      if (!e.isDirectory || e.name.startsWith('.')) continue;
      if (e.name.startsWith('@')) {
        for (const s of await entriesOf(`${nm}/${e.name}`, false)) if (s.isDirectory) dirs.push(`${nm}/${e.name}/${s.name}`);
      } else dirs.push(`${nm}/${e.name}`);
    }
    dirs.sort();
    for (let i = dirs.length - 1; i >= 0; i--) pending.push({ list: `${dirs[i]}/node_modules` }, { emit: `${dirs[i]}/package.json` });
  }
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
      data = await readFileBounded(join(root, path), DEFAULT_METADATA_MAX_BYTES, 'installed metadata');
    } catch (err) {
      const cause = (err as { cause?: { code?: unknown } }).cause;
      if (cause?.code !== 'ENOENT') warnings.push({ subject: path, reason: cause?.code === undefined ? `${(err as Error).message}; skipped` : `unreadable (${fsReason(cause)}); skipped` });
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
