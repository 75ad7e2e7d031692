/** Resource limits. Explicit defaults, overridable by CLI flags, never read from the environment here. */
export interface Limits {
  /** Largest manifest or index accepted or written, in bytes. */
  maxManifestBytes: number;
  /** Largest error body read from a registry, in bytes. */
  maxErrorBodyBytes: number;
  /** Most layers read from a .sig/.att/.sbom image. */
  maxAttachmentLayers: number;
  /** Largest signature payload / attestation envelope / SBOM read, in bytes. */
  maxPayloadBytes: number;
}

export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({
  maxManifestBytes: 4 * 1024 * 1024,
  maxErrorBodyBytes: 64 * 1024,
  maxAttachmentLayers: 1000,
  maxPayloadBytes: 128 * 1024 * 1024,
});
