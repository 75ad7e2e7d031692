/**
 * JSON text exactly as Go's encoding/json writes it: compact, map keys sorted, and `<`, `>`, `&`,
 * U+2028, U+2029 escaped as `\u003c`, `\u003e`, `\u0026`, `\u2028`, `\u2029`.
 * Go (≥ 1.22) writes `\b` and `\f` short escapes and `\u00xx` lower-case for other control characters,
 * the same as JSON.stringify.
 */
export function goJsonString(value: string): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** A Go `map[string]string` marshalled: keys sorted by byte order (UTF-8 code units, as Go's sort.Strings). */
export function goJsonStringMap(map: Readonly<Record<string, string>>): string {
  const keys = Object.keys(map).sort(compareUtf8);
  return `{${keys.map((k) => `${goJsonString(k)}:${goJsonString(map[k]!)}`).join(',')}}`;
}

/** Byte-wise comparison of the UTF-8 encodings, which is how Go sorts map keys. */
export function compareUtf8(a: string, b: string): number {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return Buffer.compare(x, y);
}

/** Any JSON value as Go marshals it after unmarshalling into `interface{}`: object keys sorted, Go escaping. */
export function goJsonValue(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return goJsonString(value);
  if (typeof value === 'number' || typeof value === 'boolean') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(goJsonValue).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).sort(compareUtf8);
  return `{${keys.map((k) => `${goJsonString(k)}:${goJsonValue(obj[k])}`).join(',')}}`;
}
