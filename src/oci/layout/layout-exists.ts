import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { OcisignError } from '../../core/errors.ts';
import { fsReason, pathExists } from '../../core/fs.ts';

/**
 * An image read from a layout needs the layout: a missing directory (or one without index.json) is NOT_FOUND
 * (exit 11, as a missing image) naming the directory, not "image not found". Writers that create layouts
 * (copy's destination, a signature repository) do not call this.
 */
export async function assertLayoutExists(path: string): Promise<void> {
  const root = resolve(path);
  let info;
  try {
    info = await stat(root);
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new OcisignError('NOT_FOUND', `oci:${path}: no such layout directory ${root}`, { cause: err });
    throw new OcisignError('BAD_INPUT', `oci:${path}: reading layout directory ${root}: ${fsReason(err)}`, { cause: err });
  }
  if (!info.isDirectory()) throw new OcisignError('BAD_INPUT', `oci:${path}: ${root} is not a directory`);
  if (!(await pathExists(join(root, 'index.json')))) throw new OcisignError('NOT_FOUND', `oci:${path}: ${root} is not an OCI image layout (no index.json)`);
}
