/**
 * JSON from untrusted sources, parsed within limits: a size cap checked before anything is decoded, and a
 * nesting-depth cap checked by one linear scan before JSON.parse (so no input can exhaust the stack of
 * JSON.parse or of the code that walks the result). Failures are reasons, never exceptions.
 */
export interface JsonLimits {
  /** Largest input accepted, in bytes (UTF-8). */
  maxBytes: number;
  /** Deepest nesting of arrays/objects accepted. Go's encoding/json stops at 10000; cosign inherits that. */
  maxDepth?: number;
}

export const DEFAULT_MAX_JSON_DEPTH = 1000;

export type JsonResult = { ok: true; value: unknown } | { ok: false; reason: string };

export function parseJsonBounded(input: string | Uint8Array, limits: JsonLimits): JsonResult {
  const size = typeof input === 'string' ? Buffer.byteLength(input, 'utf8') : input.byteLength;
  if (size > limits.maxBytes) return { ok: false, reason: `JSON of ${size} bytes is larger than the limit of ${limits.maxBytes} bytes` };
  let text: string;
  try {
    text = typeof input === 'string' ? input : new TextDecoder('utf-8', { fatal: true }).decode(input);
  } catch {
    return { ok: false, reason: 'not UTF-8 text' };
  }
  const maxDepth = limits.maxDepth ?? DEFAULT_MAX_JSON_DEPTH;
  if (nestingDepthExceeds(text, maxDepth)) return { ok: false, reason: `JSON nests deeper than ${maxDepth} levels` };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (err) {
    return { ok: false, reason: `not JSON (${(err as Error).message})` };
  }
}

/** True when arrays/objects nest deeper than `max` (brackets inside strings are skipped). */
export function nestingDepthExceeds(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}
