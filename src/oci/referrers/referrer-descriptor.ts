import { OcisignError } from '../../core/errors.ts';
import { parseManifest, type Descriptor, type RawManifest } from '../manifest.ts';

/** A referrer manifest, parsed: its subject and the descriptor a referrers list holds for it. */
export interface ReferrerManifest {
  subject: Descriptor | undefined;
  /** `{mediaType, digest, size, artifactType, annotations}` as the spec wants it listed. */
  descriptor: Descriptor;
}

/**
 * Read a manifest as a referrer. The listed descriptor carries the manifest's `artifactType` (else its
 * config's mediaType, for an image manifest) and a copy of ALL its annotations (distribution spec, "Pushing
 * Manifests with Subject": the fallback index MUST have them; readers filter on them).
 */
export function readReferrerManifest(raw: RawManifest, what: string): ReferrerManifest {
  const parsed = parseManifest(raw.bytes, raw.mediaType, what);
  const m = parsed.manifest;
  const artifactType = m.artifactType ?? (parsed.kind === 'image' ? parsed.manifest.config.mediaType : undefined);
  const descriptor: Descriptor = { mediaType: raw.mediaType, digest: raw.digest, size: raw.bytes.byteLength };
  if (artifactType !== undefined) descriptor.artifactType = artifactType;
  if (m.annotations && Object.keys(m.annotations).length > 0) descriptor.annotations = { ...m.annotations };
  return { subject: m.subject, descriptor };
}

/** The descriptor to list for a manifest that must name `subjectDigest` as its subject. */
export function referrerDescriptor(raw: RawManifest, subjectDigest: string, what: string): Descriptor {
  const { subject, descriptor } = readReferrerManifest(raw, what);
  if (subject?.digest !== subjectDigest) {
    throw new OcisignError('BAD_INPUT', `${what}: its subject is ${subject?.digest ?? 'absent'}, not ${subjectDigest}`);
  }
  return descriptor;
}
