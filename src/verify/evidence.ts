/**
 * The one internal form every signature takes before it is checked: a Sigstore bundle (the protobuf shape of
 * `@sigstore/bundle`) plus what the bundle alone does not say — where it was found, what its signed content
 * claims, and (for legacy `.sig`/`.att` layers) the extra certificates and log entries cosign 2 stores beside
 * it. Legacy layers are converted at the edge (evidence/from-*.ts); everything after that is one pipeline
 * (verify-evidence.ts).
 */
import type { X509Certificate } from 'node:crypto';
import type { Bundle } from '@sigstore/bundle';

/** Where a signature was found, as `--output json` reports it. */
export type Origin =
  /** A layer of a cosign 2 attachment image (`sha256-<hex>.sig` / `.att`). */
  | { kind: 'tag'; repository: string; tag: string; layer: number; layerDigest: string }
  /** An OCI 1.1 referrer manifest holding a Sigstore bundle. */
  | { kind: 'referrer'; repository: string; manifestDigest: string; via: 'referrers-api' | 'fallback-tag' | 'layout' }
  /** A bundle or signature given directly (library callers, tests). */
  | { kind: 'input'; name: string };

/** What the signature covers, as the claims step reads it. */
export type SignedContent =
  /** cosign's simple-signing payload (legacy `.sig`), the exact bytes signed. */
  | { kind: 'simple-signing'; payload: Uint8Array }
  /** A DSSE envelope's payload (an in-toto statement, when payloadType says so). */
  | { kind: 'dsse'; payloadType: string; payload: Uint8Array }
  /** A message signature over some artifact, known by its digest (`sha256:<hex>`). */
  | { kind: 'message'; digest: string };

export interface Evidence {
  origin: Origin;
  /** The signature in bundle form; for legacy layers a v0.1-shaped bundle built from the annotations. */
  bundle: Bundle;
  /** For a message signature whose bytes are known (a legacy `.sig` payload): the signed bytes. */
  artifact?: Uint8Array;
  content: SignedContent;
  /** Legacy `dev.sigstore.cosign/chain` certificates: untrusted intermediates to build a path through. */
  untrustedIntermediates: X509Certificate[];
  /** The bundle's own media type (legacy layers: the v0.1 type), for messages. */
  mediaType: string;
  /**
   * The bytes an RFC 3161 timestamp covers when it is not the signature: cosign 2 timestamps a legacy
   * attestation's whole envelope (cosign VerifyRFC3161Timestamp uses the payload when a layer has no
   * signature annotation); everywhere else the timestamp covers the signature bytes.
   */
  timestamped?: Uint8Array;
}

/** One line naming an origin in messages: `sha256-….sig layer 0 (sha256:…)`, `referrer sha256:… (referrers API)`. */
export function describeOrigin(origin: Origin): string {
  switch (origin.kind) {
    case 'tag':
      return `${origin.tag} layer ${origin.layer} (${origin.layerDigest})`;
    case 'referrer':
      return `referrer ${origin.manifestDigest} (${origin.via === 'referrers-api' ? 'referrers API' : origin.via === 'fallback-tag' ? 'referrers tag' : 'layout index'})`;
    case 'input':
      return origin.name;
  }
}
