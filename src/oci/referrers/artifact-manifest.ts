/** OCI 1.1 artifact manifests: the empty config, layers, a subject; built and pushed as referrers. */
import { isOcisignError } from '../../core/errors.ts';
import { sha256Digest } from '../digest.ts';
import type { Descriptor, RawManifest } from '../manifest.ts';
import { MediaType } from '../media-types.ts';
import type { PushReferrerOptions, PushReferrerResult, Repository } from '../repository.ts';

/** The empty JSON blob `{}` the image spec names for artifacts without a config. */
export const EMPTY_CONFIG_BYTES = new TextEncoder().encode('{}');
export const EMPTY_CONFIG: Readonly<Descriptor> = Object.freeze({
  mediaType: MediaType.OciEmpty,
  digest: sha256Digest(EMPTY_CONFIG_BYTES),
  size: EMPTY_CONFIG_BYTES.byteLength,
});

export interface ArtifactLayer {
  mediaType: string;
  bytes: Uint8Array;
  /** Bytes made just now (a bundle with a new signature): uploaded without asking first whether they are there. */
  fresh?: boolean;
}

export interface ArtifactSpec {
  artifactType: string;
  layers: readonly ArtifactLayer[];
  /** The manifest it refers to, as a HEAD of it answered (`{mediaType, digest, size}`). */
  subject: Descriptor;
  annotations?: Readonly<Record<string, string>>;
}

export interface BuiltArtifact {
  manifest: RawManifest;
  layers: Descriptor[];
}

/**
 * The manifest, in the key order @sigstore/oci (actions/attest) writes: schemaVersion, mediaType,
 * artifactType, config, layers, subject, annotations.
 */
export function buildArtifactManifest(spec: ArtifactSpec): BuiltArtifact {
  const layers = spec.layers.map((l) => ({ mediaType: l.mediaType, digest: sha256Digest(l.bytes), size: l.bytes.byteLength }));
  const subject = { mediaType: spec.subject.mediaType, digest: spec.subject.digest, size: spec.subject.size };
  const doc = {
    schemaVersion: 2,
    mediaType: MediaType.OciManifest,
    artifactType: spec.artifactType,
    config: { ...EMPTY_CONFIG },
    layers,
    subject,
    ...(spec.annotations && Object.keys(spec.annotations).length > 0 ? { annotations: { ...spec.annotations } } : {}),
  };
  const bytes = new TextEncoder().encode(JSON.stringify(doc));
  return { manifest: { bytes, mediaType: MediaType.OciManifest, digest: sha256Digest(bytes) }, layers };
}

/**
 * Upload the empty config and the layers, then push the manifest as a referrer of its subject. Writers that push the
 * same blob at the same moment (every bundle has the same empty config) meet distribution 2.8's upload race: the
 * manifest PUT answers 400 MANIFEST_BLOB_UNKNOWN / DIGEST_INVALID while another upload of the blob is in flight.
 * Such an answer is retried, blobs first, a few times with backoff.
 */
export async function pushArtifact(repo: Repository, spec: ArtifactSpec, options?: PushReferrerOptions): Promise<PushReferrerResult & { digest: string; size: number }> {
  const built = buildArtifactManifest(spec);
  repo.prepareReferrer?.(spec.subject.digest);
  for (let attempt = 1; ; attempt++) {
    try {
      await Promise.all([
        repo.putBlob(EMPTY_CONFIG, EMPTY_CONFIG_BYTES),
        ...spec.layers.map((l, i) => repo.putBlob(built.layers[i]!, l.bytes, undefined, l.fresh === true ? { fresh: true } : undefined)),
      ]);
      const result = await repo.pushReferrer(built.manifest, spec.subject, options);
      return { ...result, digest: built.manifest.digest, size: built.manifest.bytes.byteLength };
    } catch (err) {
      if (attempt >= BLOB_RACE_ATTEMPTS || !isBlobRace(err)) throw err;
      await new Promise((resolve) => setTimeout(resolve, 100 * 2 ** (attempt - 1) * (0.5 + Math.random() / 2)));
    }
  }
}

const BLOB_RACE_ATTEMPTS = 5;

function isBlobRace(err: unknown): boolean {
  return isOcisignError(err, 'IO') && /\b(MANIFEST_BLOB_UNKNOWN|BLOB_UNKNOWN|DIGEST_INVALID)\b/.test(err.message);
}
