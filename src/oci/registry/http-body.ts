import { OcisignError } from '../../core/errors.ts';

/** undici response headers: header name (lower-case) → value(s). */
export type Headers = Record<string, string | string[] | undefined>;

export function header(headers: Headers, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export function contentLength(headers: Headers): number | undefined {
  const value = header(headers, 'content-length');
  return value !== undefined && /^\d+$/.test(value) ? Number(value) : undefined;
}

/** The media type of a Content-Type header, without parameters. */
export function mediaTypeOf(headers: Headers): string | undefined {
  const value = header(headers, 'content-type');
  return value?.split(';')[0]!.trim().toLowerCase() || undefined;
}

export interface Body extends AsyncIterable<Uint8Array> {
  destroy(err?: Error): unknown;
  on?(event: 'error', listener: (err: Error) => void): unknown;
}

/** Abort a response body we no longer want, without an unhandled 'error' event. */
export function abandon(body: Body): void {
  body.on?.('error', () => {});
  body.destroy();
}

/**
 * Read a body into memory, refusing more than `max` bytes: by Content-Length before reading, and while
 * reading (a server may lie or send none). `what` names the body in the error.
 */
export async function readLimited(body: Body, headers: Headers, max: number, what: string): Promise<Uint8Array> {
  const declared = contentLength(headers);
  if (declared !== undefined && declared > max) {
    abandon(body);
    throw new OcisignError('IO', `${what}: ${declared} bytes is larger than the limit of ${max} bytes`);
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of body) {
    total += chunk.byteLength;
    if (total > max) {
      abandon(body);
      throw new OcisignError('IO', `${what}: more than the limit of ${max} bytes`);
    }
    chunks.push(chunk);
  }
  return concat(chunks, total);
}

/** Read at most `max` bytes of a body (for error bodies) and discard the rest. */
export async function readPrefix(body: Body, max: number): Promise<string> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for await (const chunk of body) {
      const room = max - total;
      chunks.push(chunk.byteLength > room ? chunk.subarray(0, room) : chunk);
      total += Math.min(room, chunk.byteLength);
      if (total >= max) break;
    }
  } catch {
    // an error body we could not read fully is still worth its prefix
  } finally {
    abandon(body);
  }
  return new TextDecoder().decode(concat(chunks, total));
}

/** Throw away a body so its connection can be reused (or closed). */
export async function discard(body: Body): Promise<void> {
  try {
    for await (const _ of body) {
      // drain
    }
  } catch {
    abandon(body);
  }
}

export function concat(chunks: Uint8Array[], total = chunks.reduce((n, c) => n + c.byteLength, 0)): Uint8Array {
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}
