import { assertDigest } from '../digest.ts';

/**
 * The referrers tag schema of the distribution spec: `<alg>-<ref>`, the algorithm truncated to 32 characters
 * and the encoded part to 64, characters a tag cannot hold replaced by `-` (`sha256:ab…` → `sha256-ab…`).
 */
export function referrersTag(digest: string): string {
  assertDigest(digest);
  const [alg, encoded] = digest.split(':') as [string, string];
  const clean = (s: string) => s.replace(/[^a-zA-Z0-9_.-]/g, '-');
  return `${clean(alg.slice(0, 32))}-${clean(encoded.slice(0, 64))}`;
}
