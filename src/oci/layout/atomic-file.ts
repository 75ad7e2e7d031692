/** Atomic file writes: a temp file in the same directory, fsync, rename; the directory is fsynced after. */
import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
}

/** Write `chunks` to `path` atomically. `check` runs after the last byte is written and before the rename. */
export async function writeFileAtomic(
  path: string,
  chunks: Uint8Array | AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  check?: () => void,
): Promise<void> {
  const temp = tempPathFor(path);
  const handle = await open(temp, 'wx', 0o644);
  let renamed = false;
  try {
    if (chunks instanceof Uint8Array) await handle.write(chunks);
    else for await (const chunk of chunks) await writeAll(handle, chunk);
    check?.();
    await handle.sync();
    await handle.close();
    await rename(temp, path);
    renamed = true;
    await syncDir(dirname(path));
  } finally {
    if (!renamed) {
      await handle.close().catch(() => {});
      await rm(temp, { force: true });
    }
  }
}

async function writeAll(handle: import('node:fs/promises').FileHandle, chunk: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < chunk.byteLength) {
    const { bytesWritten } = await handle.write(chunk, offset, chunk.byteLength - offset);
    offset += bytesWritten;
  }
}

async function syncDir(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Not every platform can fsync a directory; the rename is still atomic.
  }
}
