// Test artifacts shaped like cosign 3's bundle referrers (the layer is not a real bundle).
import type { Descriptor } from '../../src/oci/manifest.ts';
import type { ArtifactSpec } from '../../src/oci/referrers/artifact-manifest.ts';

export const BUNDLE = 'application/vnd.dev.sigstore.bundle.v0.3+json';

export function bundleArtifact(subject: Descriptor, n: number | string, predicateType = 'https://sigstore.dev/cosign/sign/v1'): ArtifactSpec {
  return {
    artifactType: BUNDLE,
    layers: [{ mediaType: BUNDLE, bytes: new TextEncoder().encode(JSON.stringify({ n })) }],
    subject,
    annotations: { 'dev.sigstore.bundle.content': 'dsse-envelope', 'dev.sigstore.bundle.predicateType': predicateType, 'org.opencontainers.image.created': '2026-01-01T00:00:00Z' },
  };
}
