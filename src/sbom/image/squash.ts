/**
 * The squashed view of an image, built layer by layer from tar entries: whiteouts (`.wh.<name>`) delete a path
 * and everything below it from LOWER layers, an opaque marker (`.wh..wh..opq`) hides everything lower in its
 * directory, later entries replace earlier ones, symlinks are resolved on lookup (with a hop limit), hard links
 * share their target's content. Only files a selector wants are kept (bounded), plus every symlink.
 */
import { PathTree } from './path-tree.ts';
import type { TarEntry } from './tar-stream.ts';

export interface FileInfo {
  /** Normalised path: no leading `/` or `./`, no `.`/`..` segments. */
  path: string;
  size: number;
  mode: number;
}

/** How a selected file is read. */
export interface FileWant {
  /** Carried to the kept file, e.g. the name of the cataloger that wants it. */
  tag?: string;
  /** Largest file held (bytes); a bigger file is skipped with a warning. Ignored when `inspect` is set. */
  maxBytes: number;
  /**
   * A line-oriented file: a line longer than this is found while streaming and the file is kept as an error
   * ("line N is longer than …") without holding the rest.
   */
  maxLineBytes?: number;
  /** Turn the held bytes into what is kept (e.g. only the needed fields). A throw keeps the error instead. */
  reduce?(data: Uint8Array, info: FileInfo): Promise<Uint8Array> | Uint8Array;
  /** Stream-inspect a file too big to hold; undefined means "nothing here" and keeps nothing. */
  inspect?(body: AsyncIterable<Uint8Array>, info: FileInfo): Promise<Uint8Array | undefined>;
}

export type FileSelector = (info: FileInfo) => FileWant | undefined;

export interface SquashedFile {
  path: string;
  /** The `tag` of the FileWant that selected it. */
  tag?: string;
  layerIndex: number;
  layerDigest: string;
  /** What was kept (the bytes, or what `reduce`/`inspect` made of them). */
  data?: Uint8Array;
  /** Why the file could not be read; it still shadows lower layers. */
  error?: string;
}

type Value = { kind: 'file'; file: SquashedFile } | { kind: 'symlink'; target: string; layerIndex: number };

export interface SquashHooks {
  warn(subject: string, reason: string): void;
  /** Called for each kept file as it is read (e.g. to record the first layer a package appears in). */
  onFile?(file: SquashedFile): void;
}

/** Symlink hops followed before a lookup gives up (as Linux's MAXSYMLINKS). */
export const MAX_SYMLINK_HOPS = 40;

const WHITEOUT = '.wh.';
const OPAQUE = '.wh..wh..opq';

/** Normalise a tar path; undefined when it escapes the root through `..`. */
export function normalizeTarPath(raw: string): string | undefined {
  const out: string[] = [];
  for (const seg of raw.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (out.length === 0) return undefined;
      out.pop();
    } else out.push(seg);
  }
  return out.join('/');
}

/** Join a symlink target onto its directory, clamping `..` at the root (as a chroot does). */
function joinLink(dir: string[], target: string): string[] {
  const out = target.startsWith('/') ? [] : [...dir];
  for (const seg of target.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') out.pop();
    else out.push(seg);
  }
  return out;
}

class LineTooLongError extends Error {}

/**
 * Hold a line-oriented file's body (undefined when over `maxBytes`, like TarEntry.read), refusing it as soon as
 * a line runs past `maxLineBytes`.
 */
async function readLines(body: AsyncIterable<Uint8Array>, size: number, maxBytes: number, maxLineBytes: number): Promise<Uint8Array | undefined> {
  if (size > maxBytes) return undefined;
  const data = new Uint8Array(size);
  let filled = 0;
  let run = 0;
  let line = 1;
  for await (const chunk of body) {
    for (let i = 0; i < chunk.length; ) {
      const nl = chunk.indexOf(10, i);
      run += (nl === -1 ? chunk.length : nl) - i;
      if (run > maxLineBytes) throw new LineTooLongError(`line ${line} is longer than ${maxLineBytes} bytes`);
      if (nl === -1) break;
      run = 0;
      line++;
      i = nl + 1;
    }
    if (filled + chunk.length > size) throw new Error(`file body longer than its ${size}-byte header size`);
    data.set(chunk, filled);
    filled += chunk.length;
  }
  return filled === size ? data : data.subarray(0, filled);
}

export class SquashedFilesystem {
  private readonly tree = new PathTree<Value>();
  private readonly select: FileSelector;
  private readonly hooks: SquashHooks;

  constructor(select: FileSelector, hooks: SquashHooks) {
    this.select = select;
    this.hooks = hooks;
  }

  /** Apply one layer's entries on top of the view. */
  async addLayer(entries: AsyncIterable<TarEntry>, layerIndex: number, layerDigest: string): Promise<void> {
    for await (const entry of entries) await this.addEntry(entry, layerIndex, layerDigest);
  }

  private async addEntry(entry: TarEntry, layerIndex: number, layerDigest: string): Promise<void> {
    const path = normalizeTarPath(entry.path);
    if (path === undefined) {
      this.hooks.warn(`${entry.path} in layer ${layerDigest}`, 'path escapes the root; entry skipped');
      return;
    }
    if (path === '') return;
    const slash = path.lastIndexOf('/');
    const dir = slash === -1 ? '' : path.slice(0, slash);
    const base = path.slice(slash + 1);
    if (base.startsWith(WHITEOUT)) {
      const lower = (v: Value): boolean => layerOf(v) >= layerIndex;
      if (base === OPAQUE) this.tree.deleteBelow(dir, false, lower);
      else this.tree.deleteBelow(dir === '' ? base.slice(4) : `${dir}/${base.slice(4)}`, true, lower);
      return;
    }
    if (entry.type === 'directory') {
      this.tree.deleteValue(path);
      return;
    }
    // Anything else replaces whatever was at this path, including a lower directory's contents.
    this.tree.deleteBelow(path, true, () => false);
    if (entry.type === 'symlink') {
      this.tree.set(path, { kind: 'symlink', target: entry.linkName, layerIndex });
    } else if (entry.type === 'hardlink') {
      this.addHardlink(path, entry, layerIndex, layerDigest);
    } else if (entry.type === 'file') {
      await this.addFile(path, entry, layerIndex, layerDigest);
    }
  }

  private addHardlink(path: string, entry: TarEntry, layerIndex: number, layerDigest: string): void {
    const want = this.select({ path, size: 0, mode: entry.mode });
    if (!want) return;
    const target = normalizeTarPath(entry.linkName);
    const value = target === undefined ? undefined : this.tree.get(target);
    if (!value || value.kind !== 'file') {
      this.hooks.warn(`${path} in layer ${layerDigest}`, `hard link to missing file ${entry.linkName}; skipped`);
      return;
    }
    this.keep(path, { ...value.file, path, layerIndex, layerDigest, tag: want.tag });
  }

  private async addFile(path: string, entry: TarEntry, layerIndex: number, layerDigest: string): Promise<void> {
    const info: FileInfo = { path, size: entry.size, mode: entry.mode };
    const want = this.select(info);
    if (!want) return;
    const file: SquashedFile = { path, layerIndex, layerDigest, tag: want.tag };
    // Errors of the layer stream itself make the layer unreadable; only errors of the file's own
    // content (reduce/inspect) are kept as a per-file error.
    let streamError: unknown;
    const body = (async function* () {
      try {
        yield* entry.body();
      } catch (err) {
        streamError = err;
        throw err;
      }
    })();
    try {
      if (want.inspect) {
        const data = await want.inspect(body, info);
        if (data === undefined) return;
        file.data = data;
      } else {
        const data = await (want.maxLineBytes === undefined ? entry.read(want.maxBytes) : readLines(body, entry.size, want.maxBytes, want.maxLineBytes)).catch((err: unknown) => {
          if (!(err instanceof LineTooLongError)) streamError = err;
          throw err;
        });
        if (data === undefined) {
          const reason = `file of ${entry.size} bytes exceeds the ${want.maxBytes}-byte limit; skipped`;
          this.hooks.warn(`${path} in layer ${layerDigest}`, reason);
          return;
        }
        file.data = want.reduce ? await want.reduce(data, info) : data;
      }
    } catch (err) {
      if (streamError !== undefined) throw streamError;
      file.error = err instanceof Error ? err.message : String(err);
    }
    this.keep(path, file);
  }

  private keep(path: string, file: SquashedFile): void {
    this.tree.set(path, { kind: 'file', file });
    this.hooks.onFile?.(file);
  }

  /** Every kept file of the final view, in path order. */
  files(): SquashedFile[] {
    const out: SquashedFile[] = [];
    for (const v of this.tree.values()) if (v.kind === 'file') out.push(v.file);
    return out;
  }

  /**
   * Follow symlinks in every segment of `path`. Returns the resolved path, or an error after
   * MAX_SYMLINK_HOPS hops (a loop).
   */
  resolve(path: string): { path: string } | { error: string } {
    let segs = (normalizeTarPath(path) ?? '').split('/').filter((s) => s !== '');
    let hops = 0;
    for (let i = 0; i < segs.length; ) {
      const value = this.tree.get(segs.slice(0, i + 1).join('/'));
      if (value?.kind === 'symlink') {
        if (++hops > MAX_SYMLINK_HOPS) return { error: `too many levels of symbolic links resolving ${path}` };
        segs = [...joinLink(segs.slice(0, i), value.target), ...segs.slice(i + 1)];
        i = 0;
        continue;
      }
      i++;
    }
    return { path: segs.join('/') };
  }

  /** The kept file at `path` after symlink resolution; undefined when absent or not kept. */
  lookup(path: string): SquashedFile | { symlinkError: string } | undefined {
    const resolved = this.resolve(path);
    if ('error' in resolved) return { symlinkError: resolved.error };
    const value = this.tree.get(resolved.path);
    return value?.kind === 'file' ? value.file : undefined;
  }
}

function layerOf(v: Value): number {
  return v.kind === 'file' ? v.file.layerIndex : v.layerIndex;
}
