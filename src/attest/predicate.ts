import { parseBoundedJson } from '../core/bounded-json.ts';
import { OcisignError } from '../core/errors.ts';
import type { PredicateTypeInfo } from './predicate-types.ts';

export interface PredicateInput {
  /** The `--predicate` file's bytes. */
  bytes: Uint8Array;
  /** Where they came from, for messages. */
  source: string;
  type: PredicateTypeInfo;
  /** `Timestamp` of a custom predicate (RFC 3339, second precision, UTC). */
  now: Date;
}

/**
 * The predicate's JSON text as cosign builds it: custom → `{"Data":"<file>","Timestamp":"…"}`; spdx (tag-value)
 * → a JSON string of the file; every other type → the file, which must be one JSON object. A JSON file is
 * embedded as written (trimmed), not re-serialised: the signed statement carries the exact document.
 */
export function buildPredicateJson(input: PredicateInput): string {
  const text = decodeUtf8(input.bytes, input.source);
  switch (input.type.body) {
    case 'custom':
      return `{"Data":${JSON.stringify(text)},"Timestamp":${JSON.stringify(rfc3339(input.now))}}`;
    case 'string':
      return JSON.stringify(text);
    case 'json-object':
      return jsonObjectText(text, input);
  }
}

function jsonObjectText(text: string, input: PredicateInput): string {
  const r = parseBoundedJson(text);
  if (!r.ok && r.reason.startsWith('not JSON')) {
    throw new OcisignError('BAD_INPUT', `reading predicate ${input.source}: not JSON, but predicate type ${input.type.uri} needs a JSON object (${r.reason.slice('not JSON ('.length, -1)})`);
  }
  if (!r.ok) throw new OcisignError('BAD_INPUT', `reading predicate ${input.source}: ${r.reason}`);
  const parsed = r.value;
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new OcisignError('BAD_INPUT', `reading predicate ${input.source}: predicate type ${input.type.uri} needs a JSON object`);
  }
  return text.trim();
}

function decodeUtf8(bytes: Uint8Array, source: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new OcisignError('BAD_INPUT', `reading predicate ${source}: not UTF-8 text`);
  }
}

/** Go's time.RFC3339 of a UTC time: `2006-01-02T15:04:05Z`. */
export function rfc3339(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
