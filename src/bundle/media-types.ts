/** Sigstore bundles as cosign 3 stores them in OCI referrers (reference §1.3). */
export const BUNDLE_V03_MEDIA_TYPE = 'application/vnd.dev.sigstore.bundle.v0.3+json';
/** predicateType of the statement `cosign sign` 3 signs. */
export const COSIGN_SIGN_PREDICATE_TYPE = 'https://sigstore.dev/cosign/sign/v1';

export const BundleAnnotation = {
  Content: 'dev.sigstore.bundle.content',
  PredicateType: 'dev.sigstore.bundle.predicateType',
  Created: 'org.opencontainers.image.created',
} as const;
