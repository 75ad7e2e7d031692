/**
 * Run by bin/ocisign before the CLI loads, for the commands that sign with `--key`: when the key is a file and the
 * password is in $COSIGN_PASSWORD, its scrypt (~0.4 s on the thread pool) starts now and overlaps with loading and
 * parsing the command line, instead of following them. Best effort and silent: the key is loaded as always later
 * (src/kms/load-key.ts), with every check and error; it only finds its scrypt already running when the inputs are
 * the same bytes (see startKeyDerivation).
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { INPUT_LIMITS } from '../core/input-limits.ts';
import { parseKeyRef } from '../kms/key-ref.ts';
import { startKeyDerivation } from '../sign/encrypted-key.ts';

export function startKeyPrefetch(args: readonly string[], env: Readonly<Record<string, string | undefined>>): void {
  const password = env.COSIGN_PASSWORD;
  const value = keyFlag(args);
  if (password === undefined || value === undefined) return;
  try {
    const ref = parseKeyRef(value);
    if (ref.kind !== 'file') return;
    const text = readSmallFile(ref.path, INPUT_LIMITS.maxKeyFileBytes);
    if (text !== undefined) startKeyDerivation(text, password);
  } catch {
    // the key is loaded later with its checks and errors
  }
}

/** The value of the one `--key` flag before `--`; undefined when there is none or more than one. */
export function keyFlag(args: readonly string[]): string | undefined {
  const values: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') break;
    if (a === '--key' && i + 1 < args.length) values.push(args[++i]!);
    else if (a.startsWith('--key=')) values.push(a.slice('--key='.length));
  }
  return values.length === 1 && values[0] !== '' && !values[0]!.startsWith('-') ? values[0] : undefined;
}

/** A regular file of at most maxBytes as UTF-8, else undefined. */
function readSmallFile(path: string, maxBytes: number): string | undefined {
  const fd = openSync(path, 'r');
  try {
    const info = fstatSync(fd);
    if (!info.isFile() || info.size > maxBytes) return undefined;
    const buf = Buffer.allocUnsafe(info.size);
    let filled = 0;
    while (filled < buf.byteLength) {
      const n = readSync(fd, buf, filled, buf.byteLength - filled, null);
      if (n === 0) break;
      filled += n;
    }
    return buf.subarray(0, filled).toString('utf8');
  } finally {
    closeSync(fd);
  }
}
