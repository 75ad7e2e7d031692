import type { Descriptor } from '../oci/manifest.ts';
import type { ArtifactSpec } from '../oci/referrers/artifact-manifest.ts';
import { BUNDLE_V03_MEDIA_TYPE, BundleAnnotation } from './media-types.ts';

/**
 * The referrer manifest of one bundle, as cosign 3 writes it (reference §1.3): artifactType = the bundle type,
 * the empty config, the bundle as the one layer, the subject from a HEAD of the image, annotations content,
 * predicateType and created (RFC 3339 UTC, seconds).
 */
export function bundleReferrer(bundle: Uint8Array, subject: Descriptor, predicateType: string, created: Date): ArtifactSpec {
  return {
    artifactType: BUNDLE_V03_MEDIA_TYPE,
    // a bundle holds a signature made just now: almost never stored already, and storing it again is harmless
    layers: [{ mediaType: BUNDLE_V03_MEDIA_TYPE, bytes: bundle, fresh: true }],
    subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size },
    annotations: {
      [BundleAnnotation.Content]: 'dsse-envelope',
      [BundleAnnotation.PredicateType]: predicateType,
      [BundleAnnotation.Created]: created.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    },
  };
}
