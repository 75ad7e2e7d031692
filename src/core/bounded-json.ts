/**
 * The one JSON parser for input from outside (payloads, statements, envelopes, bundles, manifests, policy files,
 * trusted roots, SBOMs, lockfiles): bounded in size and nesting depth before anything is built.
 *
 * Contract:
 * - `parseBoundedJson(input, bounds)` never throws. It returns `{ ok: true, value }` or `{ ok: false, reason }`,
 *   where `reason` is one lower-case phrase for a message ("nested deeper than 1000 levels", "not JSON (…)",
 *   "200000000 bytes, more than the limit of 134217728", "not UTF-8"). A verifier attaches the reason to the
 *   signature it rejects; an input reader throws it with `parseBoundedJsonOrThrow`.
 * - Bytes must be UTF-8 (RFC 8259); a string input is taken as already decoded.
 * - The depth is checked on the text before parsing, so a hostile document costs one linear scan; every value
 *   returned nests at most `maxDepth` levels, so code walking it recursively cannot overflow the stack.
 * - Semantics are otherwise `JSON.parse`'s (duplicate keys: the last wins; `__proto__` is an own key).
 */
import { OcisignError, type ErrorCode } from './errors.ts';
import { INPUT_LIMITS, overLimit } from './input-limits.ts';

export interface JsonBounds {
  /** Largest input in bytes (UTF-8). Default INPUT_LIMITS.maxJsonBytes. */
  maxBytes?: number;
  /** Deepest nesting of arrays and objects (`[]` is depth 1). Default INPUT_LIMITS.maxJsonDepth. */
  maxDepth?: number;
}

export type JsonResult = { ok: true; value: unknown } | { ok: false; reason: string };

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

export function parseBoundedJson(input: string | Uint8Array, bounds: JsonBounds = {}): JsonResult {
  const maxBytes = bounds.maxBytes ?? INPUT_LIMITS.maxJsonBytes;
  const maxDepth = bounds.maxDepth ?? INPUT_LIMITS.maxJsonDepth;
  let text: string;
  if (typeof input === 'string') {
    const bytes = input.length > maxBytes / 3 ? Buffer.byteLength(input, 'utf8') : input.length;
    if (bytes > maxBytes) return tooLarge(bytes, maxBytes);
    text = input;
  } else {
    if (input.byteLength > maxBytes) return tooLarge(input.byteLength, maxBytes);
    try {
      text = strictUtf8.decode(input);
    } catch {
      return { ok: false, reason: 'not UTF-8' };
    }
  }
  if (nestingExceeds(text, maxDepth)) return { ok: false, reason: `nested deeper than ${maxDepth} levels` };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (err) {
    const why = err instanceof Error ? err.message.split('\n')[0] : String(err);
    return { ok: false, reason: `not JSON (${why})` };
  }
}

/** `parseBoundedJson`, throwing `OcisignError(code, "<context>: <reason>")` (default BAD_INPUT, exit 3). */
export function parseBoundedJsonOrThrow(input: string | Uint8Array, context: string, bounds: JsonBounds = {}, code: ErrorCode = 'BAD_INPUT'): unknown {
  const r = parseBoundedJson(input, bounds);
  if (!r.ok) throw new OcisignError(code, `${context}: ${r.reason}`);
  return r.value;
}

/**
 * Whether the arrays/objects of JSON (or JSON-like) text nest deeper than `maxDepth`. Brackets inside strings
 * do not count. A linear scan that skips string bodies with indexOf; it does not validate the text.
 */
export function nestingExceeds(text: string, maxDepth: number): boolean {
  let depth = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      i = endOfString(text, i);
      if (i < 0) return false; // unterminated: JSON.parse reports it
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > maxDepth) return true;
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return false;
}

/** Index of the quote closing the string opened at `open`, or -1. */
function endOfString(text: string, open: number): number {
  let i = open;
  for (;;) {
    i = text.indexOf('"', i + 1);
    if (i < 0) return -1;
    let backslashes = 0;
    for (let j = i - 1; j > open && text.charCodeAt(j) === 0x5c; j--) backslashes++;
    if (backslashes % 2 === 0) return i;
  }
}

/**
 * Whether an already-built value (from YAML, TOML or a library) nests deeper than `maxDepth`; iterative, so it
 * is safe on any value. Shared references are walked each time they appear, up to `maxNodes` visits.
 */
export function valueNestingExceeds(value: unknown, maxDepth: number, maxNodes = 10_000_000): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  let visits = 0;
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth + 1 > maxDepth || ++visits > maxNodes) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) {
      if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
    }
  }
  return false;
}

function tooLarge(bytes: number, max: number): JsonResult {
  return { ok: false, reason: overLimit(bytes, max) };
}
