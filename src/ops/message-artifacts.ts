/**
 * A message-signature bundle among an image's referrers signs bytes, not a statement; for an image signature
 * those bytes are the image manifest. Fetched only when such a bundle names the image's digest, and used only
 * when they hash to it.
 */
import { withContext } from '../core/errors.ts';
import { sha256Digest } from '../oci/digest.ts';
import type { Repository } from '../oci/repository.ts';
import type { Candidate } from './evidence-of.ts';

export async function withManifestArtifacts(candidates: Candidate[], image: Repository, digest: string): Promise<Candidate[]> {
  const wanting = candidates.filter((c) => 'evidence' in c && c.evidence.content.kind === 'message' && c.evidence.content.digest === digest && !c.evidence.artifact);
  if (wanting.length === 0) return candidates;
  let raw;
  try {
    raw = await image.getManifest(digest);
  } catch (err) {
    throw withContext(`reading the manifest ${image.displayName}@${digest}`, err);
  }
  if (!raw || sha256Digest(raw.bytes) !== digest) return candidates;
  return candidates.map((c) => (wanting.includes(c) && 'evidence' in c ? { ...c, evidence: { ...c.evidence, artifact: raw.bytes } } : c));
}
