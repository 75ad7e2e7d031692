/**
 * What `manifest verify PATH…` reads: files as named, directories recursively (`*.yaml`, `*.yml`, `*.json`, in
 * name order, as `kubectl apply -R -f DIR`), `-` for standard input, or text handed over by a library caller.
 * Every read is bounded: a file or stdin larger than `maxInputBytes` is refused naming it (exit 3).
 */
import { open, readdir, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { OcisignError, describeError } from '../core/errors.ts';

/** A path (file, directory, or `-` for stdin), or text already in memory with the name to report it by. */
export type ManifestInput = string | { name: string; text: string };

export interface ManifestLimits {
  /** Largest file (or stdin) read, in bytes. */
  maxInputBytes: number;
  /** Most files read from all inputs together. */
  maxFiles: number;
}

export const DEFAULT_MANIFEST_LIMITS: Readonly<ManifestLimits> = Object.freeze({
  maxInputBytes: 16 * 1024 * 1024,
  maxFiles: 10_000,
});

/** One input to read: its name in reports and a bounded reader. */
export interface ManifestSource {
  name: string;
  read(): Promise<string>;
}

export const STDIN_NAME = '<stdin>';
const MANIFEST_FILE = /\.(ya?ml|json)$/i;

/** The inputs as sources, directories expanded; a file reached twice (named and inside a directory) is read once. */
export async function expandInputs(
  inputs: readonly ManifestInput[],
  options: { stdin?: AsyncIterable<Uint8Array>; limits: ManifestLimits },
): Promise<ManifestSource[]> {
  const out: ManifestSource[] = [];
  const seen = new Set<string>();
  const add = (source: ManifestSource, key: string): void => {
    if (seen.has(key)) return;
    seen.add(key);
    if (out.length >= options.limits.maxFiles) throw new OcisignError('BAD_INPUT', `reading manifests: more than ${options.limits.maxFiles} files`);
    out.push(source);
  };
  for (const input of inputs) {
    if (typeof input !== 'string') {
      add({ name: input.name, read: async () => checkTextSize(input.name, input.text, options.limits.maxInputBytes) }, `text:${out.length}:${input.name}`);
    } else if (input === '-') {
      const stdin = options.stdin;
      if (!stdin) throw new OcisignError('USAGE', 'reading manifests: "-" given but there is no standard input');
      if (seen.has('-')) throw new OcisignError('USAGE', 'reading manifests: "-" (standard input) given twice');
      add({ name: STDIN_NAME, read: () => readStream(STDIN_NAME, stdin, options.limits.maxInputBytes) }, '-');
    } else {
      for (const file of await filesOf(input)) add({ name: file.name, read: () => readFileBounded(file.name, options.limits.maxInputBytes) }, file.real);
    }
  }
  return out;
}

/** A named file, or every manifest file below a directory (symbolic links followed, each directory once). */
async function filesOf(path: string): Promise<{ name: string; real: string }[]> {
  const info = await stat(path).catch((err: unknown) => {
    throw new OcisignError('BAD_INPUT', `reading manifests ${path}: ${describeError(err)}`, { cause: err });
  });
  if (!info.isDirectory()) return [{ name: path, real: await realpath(path) }];
  const found: { name: string; real: string }[] = [];
  await walk(path, new Set(), found);
  if (found.length === 0) throw new OcisignError('BAD_INPUT', `reading manifests ${path}: no *.yaml, *.yml or *.json files in this directory`);
  return found;
}

async function walk(dir: string, visited: Set<string>, found: { name: string; real: string }[]): Promise<void> {
  const real = await realpath(dir);
  if (visited.has(real)) return;
  visited.add(real);
  const entries = await readdir(dir, { withFileTypes: true }).catch((err: unknown) => {
    throw new OcisignError('BAD_INPUT', `reading manifests ${dir}: ${describeError(err)}`, { cause: err });
  });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const path = join(dir, entry.name);
    const isDir = entry.isDirectory() || (entry.isSymbolicLink() && (await stat(path).then((s) => s.isDirectory(), () => false)));
    if (isDir) await walk(path, visited, found);
    else if (MANIFEST_FILE.test(entry.name)) found.push({ name: path, real: await realpath(path).catch(() => path) });
  }
}

async function readFileBounded(name: string, maxBytes: number): Promise<string> {
  let handle;
  try {
    handle = await open(name, 'r');
    const size = (await handle.stat()).size;
    if (size > maxBytes) throw tooLarge(name, maxBytes, `${size} bytes`);
    // read one byte more than allowed, in case the file grew since stat
    const buffer = Buffer.alloc(Math.min(size, maxBytes) + 1);
    let length = 0;
    while (length < buffer.length) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    if (length > maxBytes) throw tooLarge(name, maxBytes, 'the file grew while read');
    return decode(name, buffer.subarray(0, length));
  } catch (err) {
    if (err instanceof OcisignError) throw err;
    throw new OcisignError('BAD_INPUT', `reading manifests ${name}: ${describeError(err)}`, { cause: err });
  } finally {
    await handle?.close();
  }
}

async function readStream(name: string, stream: AsyncIterable<Uint8Array>, maxBytes: number): Promise<string> {
  const chunks: Uint8Array[] = [];
  let length = 0;
  try {
    for await (const chunk of stream) {
      length += chunk.byteLength;
      if (length > maxBytes) throw tooLarge(name, maxBytes, `more than ${maxBytes} bytes`);
      chunks.push(chunk);
    }
  } catch (err) {
    if (err instanceof OcisignError) throw err;
    throw new OcisignError('BAD_INPUT', `reading manifests ${name}: ${describeError(err)}`, { cause: err });
  }
  return decode(name, Buffer.concat(chunks, length));
}

function checkTextSize(name: string, text: string, maxBytes: number): string {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > maxBytes) throw tooLarge(name, maxBytes, `${bytes} bytes`);
  return text;
}

function decode(name: string, bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new OcisignError('BAD_INPUT', `reading manifests ${name}: not UTF-8 text`);
  }
}

function tooLarge(name: string, maxBytes: number, what: string): OcisignError {
  return new OcisignError('BAD_INPUT', `reading manifests ${name}: ${what}, more than the limit of ${maxBytes} bytes (--max-input-bytes)`);
}
