/**
 * An exclusive lock file (`index.json.lock`, created with O_EXCL) serialising read-modify-write of a layout's
 * index.json across processes. A lock older than `staleMs` (its holder died) is broken; waiting retries with
 * jittered backoff until `timeoutMs`.
 */
import { randomBytes } from 'node:crypto';
import { link, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { OcisignError, describeError } from '../../core/errors.ts';

export interface LockOptions {
  staleMs: number;
  timeoutMs: number;
}

export const DEFAULT_LOCK_OPTIONS: Readonly<LockOptions> = Object.freeze({ staleMs: 30_000, timeoutMs: 120_000 });

export async function withFileLock<T>(lockPath: string, options: LockOptions, fn: () => Promise<T>): Promise<T> {
  const token = await acquire(lockPath, options);
  try {
    return await fn();
  } finally {
    await release(lockPath, token);
  }
}

async function acquire(lockPath: string, options: LockOptions): Promise<string> {
  const token = `${process.pid} ${randomBytes(8).toString('hex')}`;
  const deadline = Date.now() + options.timeoutMs;
  for (let attempt = 0; ; attempt++) {
    try {
      const handle = await open(lockPath, 'wx', 0o644);
      try {
        await handle.writeFile(token);
      } finally {
        await handle.close();
      }
      return token;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new OcisignError('IO', `creating lock ${lockPath}: ${describeError(err)}`, { cause: err });
      }
    }
    await breakIfStale(lockPath, options.staleMs);
    if (Date.now() > deadline) {
      throw new OcisignError('IO', `timed out waiting for lock ${lockPath} (remove it if no ocisign process is running)`);
    }
    const base = Math.min(200, 2 * 2 ** Math.min(attempt, 7));
    await sleep(base / 2 + Math.random() * base);
  }
}

/** Breaks a stale lock by renaming it away first, so two breakers never remove a fresh lock. */
async function breakIfStale(lockPath: string, staleMs: number): Promise<void> {
  try {
    const info = await stat(lockPath);
    if (Date.now() - info.mtimeMs < staleMs) return;
    const aside = `${lockPath}.stale.${randomBytes(6).toString('hex')}`;
    await rename(lockPath, aside);
    const moved = await stat(aside);
    if (moved.ino !== info.ino || Date.now() - moved.mtimeMs < staleMs) {
      // We moved a fresh lock taken meanwhile: put it back unless someone took the name again.
      await link(aside, lockPath).catch(() => {});
      await rm(aside, { force: true });
      return;
    }
    await rm(aside, { force: true });
  } catch {
    // Gone already, or another process is breaking it: retry.
  }
}

async function release(lockPath: string, token: string): Promise<void> {
  try {
    if ((await readFile(lockPath, 'utf8')) === token) await rm(lockPath, { force: true });
  } catch {
    // Already broken as stale by another process; nothing to release.
  }
}
