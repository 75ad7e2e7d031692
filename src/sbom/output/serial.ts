import { createHash, randomUUID } from 'node:crypto';

/** A placeholder serial that cannot occur elsewhere in a BOM; replaced after hashing. */
export const SERIAL_PLACEHOLDER = 'urn:uuid:00000000-0000-5000-8000-000000000000';

/** ocisign's UUIDv5 namespace for SBOM serial numbers (a fixed random UUID). */
const NAMESPACE = Buffer.from('5f0c7d0a9a2e4b7c8e1d3a6b2c4f9e10', 'hex');

/** RFC 4122 version-5 UUID of `content` in ocisign's namespace: same bytes → same serial. */
export function deterministicSerial(content: string): string {
  const hash = createHash('sha1').update(NAMESPACE).update(content).digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `urn:uuid:${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function randomSerial(): string {
  return `urn:uuid:${randomUUID()}`;
}
