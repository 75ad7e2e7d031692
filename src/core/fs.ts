import { open, stat } from 'node:fs/promises';
import { OcisignError, describeError } from './errors.ts';
import { overLimit, theLimit } from './input-limits.ts';

/** Whether anything exists at `path` (an unreadable path counts as absent). */
export async function pathExists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/**
 * Read a whole file of at most `maxBytes`, refusing a bigger one before reading it. The size is checked on the
 * open handle and again while reading, so a file that grows, a FIFO or a device (`/dev/zero`) stops at the
 * limit. Throws OcisignError BAD_INPUT "reading <what> <path>: <why>"; a file-system error is its `cause`
 * (its `code`, e.g. ENOENT, EACCES or EISDIR, tells a caller that wants a warning instead); an input over the
 * limit has no cause.
 */
export async function readFileBounded(path: string, maxBytes: number, what: string): Promise<Buffer> {
  const fail = (why: string, cause?: unknown) => new OcisignError('BAD_INPUT', `reading ${what} ${path}: ${why}`, cause === undefined ? {} : { cause });
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    throw fail(fsReason(err), err);
  }
  try {
    const info = await handle.stat();
    if (info.isDirectory()) throw fail('is a directory', Object.assign(new Error('is a directory'), { code: 'EISDIR' }));
    if (info.size > maxBytes) throw fail(overLimit(info.size, maxBytes));
    const chunks: Buffer[] = [];
    let total = 0;
    // A regular file is read in one buffer of its size (+1 to notice growth); anything else in 1 MiB steps.
    let step = info.isFile() ? info.size + 1 : 1024 * 1024;
    for (;;) {
      const buf = Buffer.allocUnsafe(Math.min(step, maxBytes + 1 - total));
      const { bytesRead } = await handle.read(buf, 0, buf.byteLength, null);
      if (bytesRead === 0) break;
      total += bytesRead;
      if (total > maxBytes) throw fail(`more than ${theLimit(maxBytes)}`);
      chunks.push(bytesRead === buf.byteLength ? buf : buf.subarray(0, bytesRead));
      step = 1024 * 1024;
    }
    return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total);
  } catch (err) {
    if (err instanceof OcisignError) throw err;
    throw fail(fsReason(err), err);
  } finally {
    await handle.close();
  }
}

/** "no such file", "permission denied", … for a file-system error; describeError otherwise. */
export function fsReason(err: unknown): string {
  switch ((err as { code?: unknown }).code) {
    case 'ENOENT':
      return 'no such file or directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory';
    case 'ENOTDIR':
      return 'not a directory';
    default:
      return describeError(err);
  }
}
