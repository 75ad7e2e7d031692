/**
 * The size profile of a CEL input, for the cost bound: per JSON path (array elements as `[]`), the most
 * elements or keys and the longest string found there, plus the maxima over the whole input (used when an
 * expression reaches a value whose path is not known statically).
 */
export interface PathStats {
  /** Most elements (arrays) or keys (objects) seen at this path. */
  len: number;
  /** Longest string seen at this path. */
  str: number;
  /** Some value at this path is an array. */
  list: boolean;
}

export interface InputShape {
  paths: Map<string, PathStats>;
  maxLen: number;
  maxStr: number;
  /** More paths than tracked: an unlisted path may hold anything up to the maxima. */
  truncated: boolean;
}

/** Paths tracked at most; beyond this (maps with unbounded key sets) the global maxima apply. */
const MAX_PATHS = 50_000;

export function measureInput(value: unknown, root: string): InputShape {
  const shape: InputShape = { paths: new Map(), maxLen: 0, maxStr: 0, truncated: false };
  walk(shape, value, root);
  return shape;
}

function walk(shape: InputShape, v: unknown, path: string): void {
  if (typeof v === 'string') {
    note(shape, path, 0, v.length, false);
  } else if (Array.isArray(v)) {
    note(shape, path, v.length, 0, true);
    const child = `${path}[]`;
    for (const x of v) walk(shape, x, child);
  } else if (v !== null && typeof v === 'object') {
    const keys = Object.keys(v);
    note(shape, path, keys.length, 0, false);
    for (const k of keys) {
      shape.maxStr = Math.max(shape.maxStr, k.length);
      walk(shape, (v as Record<string, unknown>)[k], `${path}.${k}`);
    }
  }
}

function note(shape: InputShape, path: string, len: number, str: number, list: boolean): void {
  shape.maxLen = Math.max(shape.maxLen, len);
  shape.maxStr = Math.max(shape.maxStr, str);
  let s = shape.paths.get(path);
  if (!s) {
    if (shape.paths.size >= MAX_PATHS) {
      shape.truncated = true;
      return;
    }
    s = { len: 0, str: 0, list: false };
    shape.paths.set(path, s);
  }
  s.len = Math.max(s.len, len);
  s.str = Math.max(s.str, str);
  s.list ||= list;
}

/** Stats of a path; an unknown path (or one beyond the tracked set) gets the global maxima. */
export function statsOf(shape: InputShape, path: string | undefined): PathStats {
  const s = path === undefined ? undefined : shape.paths.get(path);
  if (s) return s;
  if (path === undefined || shape.truncated) return { len: shape.maxLen, str: shape.maxStr, list: true };
  return { len: 0, str: 0, list: false };
}
