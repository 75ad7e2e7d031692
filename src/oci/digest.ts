import { createHash, type Hash } from 'node:crypto';
import { OcisignError } from '../core/errors.ts';

const DIGEST_RE = /^sha256:[a-f0-9]{64}$|^sha512:[a-f0-9]{128}$/;

export function isDigest(value: string): boolean {
  return DIGEST_RE.test(value);
}

/** Throws BAD_INPUT unless `value` is a sha256/sha512 digest in canonical lower-case hex. */
export function assertDigest(value: string, what = 'digest'): string {
  if (!isDigest(value)) throw new OcisignError('BAD_INPUT', `invalid ${what} ${JSON.stringify(value)}`);
  return value;
}

export function sha256Digest(bytes: Uint8Array | string): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

export function digestAlgorithm(digest: string): 'sha256' | 'sha512' {
  return digest.startsWith('sha512:') ? 'sha512' : 'sha256';
}

export function digestHex(digest: string): string {
  return digest.slice(digest.indexOf(':') + 1);
}

/** Computes a digest incrementally, for checking a blob while it streams. */
export class DigestVerifier {
  readonly expected: string;
  private readonly hash: Hash;
  private bytes = 0;

  constructor(expected: string) {
    assertDigest(expected);
    this.expected = expected;
    this.hash = createHash(digestAlgorithm(expected));
  }

  update(chunk: Uint8Array): void {
    this.hash.update(chunk);
    this.bytes += chunk.byteLength;
  }

  get size(): number {
    return this.bytes;
  }

  /** The digest of everything seen so far, as `alg:hex`. Call once. */
  digest(): string {
    return `${digestAlgorithm(this.expected)}:${this.hash.digest('hex')}`;
  }
}
