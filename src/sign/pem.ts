import { OcisignError } from '../core/errors.ts';

/** One PEM block: its label (e.g. `PUBLIC KEY`) and the DER bytes it carries. */
export interface PemBlock {
  label: string;
  der: Buffer;
}

const BEGIN_RE = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n/;
const BASE64_RE = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Decode the first PEM block of `text`, as Go's `pem.Decode` does: text before it is ignored, RFC 1421
 * headers (`Key: value` lines) are skipped, the body must be strict standard base64. `source` names the
 * file in error messages.
 */
export function decodePem(text: string, source: string): PemBlock {
  const begin = BEGIN_RE.exec(text);
  if (!begin) throw new OcisignError('BAD_INPUT', `reading ${source}: no PEM block found`);
  const label = begin[1]!;
  const bodyStart = begin.index + begin[0].length;
  const endMarker = `-----END ${label}-----`;
  const end = text.indexOf(endMarker, bodyStart);
  if (end < 0) throw new OcisignError('BAD_INPUT', `reading ${source}: truncated PEM block (no "${endMarker}" line)`);
  const body = stripHeaders(text.slice(bodyStart, end)).replace(/\s+/g, '');
  return { label, der: decodeBase64Strict(body, `PEM block ${label} in ${source}`) };
}

function stripHeaders(body: string): string {
  const lines = body.split(/\r?\n/);
  if (!lines[0]?.includes(':')) return body;
  const blank = lines.findIndex((l) => l.trim() === '');
  return blank < 0 ? body : lines.slice(blank + 1).join('\n');
}

/** Standard base64 with padding; anything else (URL alphabet, stray characters, bad length) is refused. */
export function decodeBase64Strict(text: string, what: string): Buffer {
  if (text.length % 4 !== 0 || !BASE64_RE.test(text)) {
    throw new OcisignError('BAD_INPUT', `decoding ${what}: invalid base64`);
  }
  return Buffer.from(text, 'base64');
}

/** Encode DER as a PEM block with 64-column base64 lines and a trailing newline (Go's `pem.Encode`). */
export function encodePem(label: string, der: Uint8Array): string {
  const b64 = Buffer.from(der).toString('base64');
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.map((l) => `${l}\n`).join('')}-----END ${label}-----\n`;
}
