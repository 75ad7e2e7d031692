/**
 * Reading the files of a scanned directory. A missing file is absent; an unreadable one (permissions, a
 * directory where a file was expected) is a warning naming it; a file over its limit, or a line-oriented file
 * with a line over INPUT_LIMITS.maxLineBytes, is refused (BAD_INPUT, exit 3) naming the file and the limit:
 * a lockfile is the SBOM's main source, so it is never silently left out.
 */
import { join } from 'node:path';
import { OcisignError } from '../../core/errors.ts';
import { fsReason, readFileBounded } from '../../core/fs.ts';
import { INPUT_LIMITS, theLimit } from '../../core/input-limits.ts';
import type { SbomWarning } from '../model.ts';

export type WarningSink = (warning: SbomWarning) => void;

/** The text of `<root>/<rel>`, or undefined (absent, or unreadable: then `warn` is told). */
export async function readScannedFile(root: string, rel: string, warn: WarningSink, maxBytes = INPUT_LIMITS.maxLockfileBytes): Promise<string | undefined> {
  let bytes: Buffer;
  try {
    bytes = await readFileBounded(join(root, rel), maxBytes, 'file');
  } catch (err) {
    const cause = (err as { cause?: unknown }).cause;
    const code = (cause as { code?: unknown } | undefined)?.code;
    if (typeof code !== 'string') throw err; // over the limit
    if (code !== 'ENOENT' && code !== 'ENOTDIR') warn({ subject: rel, reason: `unreadable (${fsReason(cause)}); skipped` });
    return undefined;
  }
  return bytes.toString('utf8');
}

/** Refuse a line-oriented file with a line longer than `maxLineBytes` (counted in UTF-16 units, ≤ bytes). */
export function assertLineLengths(text: string, path: string, maxLineBytes = INPUT_LIMITS.maxLineBytes): void {
  for (let start = 0, line = 1; start < text.length; line++) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    if (end - start > maxLineBytes) throw new OcisignError('BAD_INPUT', `reading ${path}: line ${line} is longer than ${theLimit(maxLineBytes)}`);
    start = end + 1;
  }
}
