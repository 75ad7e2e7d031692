/**
 * Find the files directory catalogers read. Never enters `.git`; never enters `node_modules` (installed npm
 * packages are read by `readInstalledNodeModules`, only where no lockfile describes them); honours the exclude
 * matcher for files and directories. Symlinks are not followed (no loops, nothing outside the root).
 * The directory's own `.gitignore` is NOT applied: ignored files (node_modules, virtualenvs, build output)
 * are often exactly what was installed. Results are sorted, so scans are deterministic. A directory that cannot
 * be read (below the root) is a warning naming it, and the walk goes on. Iterative: any depth is fine.
 */
import { opendir } from 'node:fs/promises';
import { join } from 'node:path';
import { fsReason } from '../../core/fs.ts';
import type { ExcludeMatcher } from './exclude.ts';
import type { WarningSink } from './read-file.ts';

export interface FoundFile {
  /** `/`-separated, relative to the root. */
  path: string;
  /** The absolute path on disk. */
  absolute: string;
}

export interface WalkResult {
  files: FoundFile[];
  /** Directories (relative, '' = root) that contain a `node_modules` directory. */
  nodeModulesParents: string[];
  /** `*.dist-info` / `*.egg-info` directories (relative). */
  pythonInstalled: string[];
}

const SKIP_ALWAYS = new Set(['.git', '.hg', '.svn']);

export async function walkDirectory(root: string, wanted: (basename: string) => boolean, exclude: ExcludeMatcher, warn: WarningSink): Promise<WalkResult> {
  const result: WalkResult = { files: [], nodeModulesParents: [], pythonInstalled: [] };
  const pending: string[] = [''];
  while (pending.length > 0) {
    const rel = pending.pop()!;
    let dir;
    try {
      dir = await opendir(rel === '' ? root : join(root, rel));
    } catch (err) {
      if (rel === '') throw err;
      warn({ subject: `${rel}/`, reason: `unreadable directory (${fsReason(err)}); skipped` });
      continue;
    }
    const subdirs: string[] = [];
    try {
      for await (const entry of dir) {
        const path = rel === '' ? entry.name : `${rel}/${entry.name}`;
        if (entry.isDirectory()) {
          if (SKIP_ALWAYS.has(entry.name) || exclude(path, true)) continue;
          if (entry.name === 'node_modules') { result.nodeModulesParents.push(rel); continue; }
          if (/\.(dist|egg)-info$/.test(entry.name)) { result.pythonInstalled.push(path); continue; }
          subdirs.push(path);
        } else if (entry.isFile() && wanted(entry.name) && !exclude(path, false)) {
          result.files.push({ path, absolute: join(root, path) });
        }
      }
    } catch (err) {
      if (rel === '') throw err;
      warn({ subject: `${rel}/`, reason: `unreadable directory (${fsReason(err)}); skipped` });
      continue;
    }
    for (let i = subdirs.length - 1; i >= 0; i--) pending.push(subdirs[i]!);
  }
  result.files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  result.nodeModulesParents.sort();
  result.pythonInstalled.sort();
  return result;
}
