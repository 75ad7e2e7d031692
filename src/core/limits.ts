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

/**
 * Network deadlines, in milliseconds; data like the limits above (SECURITY.md lists them and what happens at each).
 * A stalled request fails with IO (exit 4) naming the host and what was being read or written.
 */
export interface Timeouts {
  /** TCP connect plus TLS handshake. Set on the dispatcher (createDispatcher). */
  connectMs: number;
  /** From the request sent (or the last chunk of its body) to the response headers. */
  headersMs: number;
  /** Longest silence in the middle of a response body. */
  bodyIdleMs: number;
}

export const DEFAULT_TIMEOUTS: Readonly<Timeouts> = Object.freeze({
  connectMs: 10_000,
  headersMs: 30_000,
  bodyIdleMs: 30_000,
});

/** The whole-command deadline by default (cosign's `--timeout`, 3m). */
export const DEFAULT_COMMAND_TIMEOUT_MS = 3 * 60_000;
