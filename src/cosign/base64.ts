/**
 * Strict standard base64 (RFC 4648 §4, padding required) that ignores line breaks and spaces, as Go's
 * base64.StdEncoding does for `\r`/`\n` (signatures written by some tools wrap at 76 columns).
 * Returns undefined for anything else instead of silently decoding garbage like Buffer.from(…, 'base64').
 */
export function decodeBase64Strict(text: string): Uint8Array | undefined {
  const compact = text.replace(/[\r\n]/g, '');
  if (compact.length % 4 !== 0) return undefined;
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact)) return undefined;
  const bytes = Buffer.from(compact, 'base64');
  if (bytes.toString('base64') !== compact) return undefined; // non-canonical trailing bits
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
