/**
 * Sigstore bundle media types, without loading `@sigstore/bundle` (and its protobuf types): discovery and the
 * legacy `.sig`/`.att` conversions need only these strings, and a key-based verify of a `.sig` never parses a
 * bundle. test/verify/bundle-media-types.test.ts checks them against `@sigstore/bundle`.
 */

/** The v0.1 bundle media type: what legacy layers become (`@sigstore/bundle`'s BUNDLE_V01_MEDIA_TYPE). */
export const BUNDLE_V01_MEDIA_TYPE = 'application/vnd.dev.sigstore.bundle+json;version=0.1';

const VERSIONED = /^application\/vnd\.dev\.sigstore\.bundle\+json;version=(\d+\.\d+)$/;
const DOTTED = /^application\/vnd\.dev\.sigstore\.bundle\.v(\d+\.\d+)\+json$/;

/** The bundle version a media type names (`0.3` for both v0.3 spellings), or undefined. */
export function bundleVersion(mediaType: string): string | undefined {
  return VERSIONED.exec(mediaType)?.[1] ?? DOTTED.exec(mediaType)?.[1];
}

/** Whether a layer media type is a Sigstore bundle of any version (how referrers are recognised). */
export function isBundleMediaType(mediaType: string): boolean {
  return mediaType.startsWith('application/vnd.dev.sigstore.bundle');
}
