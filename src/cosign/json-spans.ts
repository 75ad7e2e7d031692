import { OcisignError } from '../core/errors.ts';

/**
 * Finds the exact source text of JSON values without re-serialising them, so descriptors read from a
 * manifest can be written back byte for byte. Input must already be valid JSON (JSON.parse succeeded).
 */

/** The raw text of each member value of a top-level JSON object, by key (later duplicates win, as JSON.parse). */
export function objectMemberSpans(text: string): Map<string, string> {
  const out = new Map<string, string>();
  let i = skipWs(text, 0);
  if (text[i] !== '{') throw new OcisignError('BAD_INPUT', 'json value is not an object');
  i = skipWs(text, i + 1);
  if (text[i] === '}') return out;
  for (;;) {
    const keyEnd = endOfValue(text, i);
    const key = JSON.parse(text.slice(i, keyEnd)) as string;
    i = skipWs(text, keyEnd);
    i = skipWs(text, i + 1); // ':'
    const valueEnd = endOfValue(text, i);
    out.set(key, text.slice(i, valueEnd));
    i = skipWs(text, valueEnd);
    if (text[i] === '}') return out;
    i = skipWs(text, i + 1); // ','
  }
}

/** The raw text of each element of a JSON array. */
export function arrayElementSpans(text: string): string[] {
  const out: string[] = [];
  let i = skipWs(text, 0);
  if (text[i] !== '[') throw new OcisignError('BAD_INPUT', 'json value is not an array');
  i = skipWs(text, i + 1);
  if (text[i] === ']') return out;
  for (;;) {
    const end = endOfValue(text, i);
    out.push(text.slice(i, end));
    i = skipWs(text, end);
    if (text[i] === ']') return out;
    i = skipWs(text, i + 1);
  }
}

function skipWs(text: string, i: number): number {
  while (i < text.length && (text[i] === ' ' || text[i] === '\n' || text[i] === '\r' || text[i] === '\t')) i++;
  return i;
}

/** Index just past the JSON value starting at `i`. */
function endOfValue(text: string, i: number): number {
  const c = text[i];
  if (c === '"') return endOfString(text, i);
  if (c === '{' || c === '[') return endOfContainer(text, i);
  let j = i;
  while (j < text.length && !',}] \n\r\t'.includes(text[j]!)) j++;
  return j;
}

function endOfString(text: string, i: number): number {
  let j = i + 1;
  while (j < text.length) {
    if (text[j] === '\\') j += 2;
    else if (text[j] === '"') return j + 1;
    else j++;
  }
  throw new OcisignError('BAD_INPUT', 'unterminated json string');
}

function endOfContainer(text: string, i: number): number {
  let depth = 0;
  let j = i;
  while (j < text.length) {
    const c = text[j];
    if (c === '"') {
      j = endOfString(text, j);
      continue;
    }
    if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') {
      depth--;
      if (depth === 0) return j + 1;
    }
    j++;
  }
  throw new OcisignError('BAD_INPUT', 'unterminated json container');
}
