import { assertDigest, sha256Digest } from '../oci/digest.ts';
import type { Descriptor } from '../oci/manifest.ts';
import { MediaType } from '../oci/media-types.ts';
import { goJsonString, goJsonStringMap } from './go-json.ts';

const ZERO_TIME = '0001-01-01T00:00:00Z';

/**
 * The config blob cosign writes for a `.sig`/`.att`/`.sbom` image: ggcr's `empty.Image` config after
 * `mutate.Append`, re-marshalled (233 bytes for one layer, +109 per further layer).
 */
export function buildSignatureConfig(diffIds: readonly string[]): Uint8Array {
  diffIds.forEach((d) => assertDigest(d, 'diff_id'));
  const history = diffIds.map(() => `{"created":"${ZERO_TIME}"}`).join(',');
  const ids = diffIds.map((d) => goJsonString(d)).join(',');
  const historyField = diffIds.length === 0 ? '' : `"history":[${history}],`;
  const text =
    `{"architecture":"","created":"${ZERO_TIME}",${historyField}"os":"",` +
    `"rootfs":{"type":"layers","diff_ids":[${ids}]},"config":{}}`;
  return new TextEncoder().encode(text);
}

/** One layer of an attachment manifest: a parsed descriptor, plus its exact JSON text when it was read. */
export interface ManifestLayer {
  descriptor: Descriptor;
  /** The descriptor's JSON text exactly as it appeared in the manifest read; reused verbatim when set. */
  raw?: string;
}

export interface AttachmentManifestOptions {
  /** Manifest media type; cosign's default is OCI (Docker with COSIGN_DOCKER_MEDIA_TYPES=1). */
  mediaType?: string;
  /** Config media type; defaults to the one matching `mediaType`. */
  configMediaType?: string;
  /** Manifest-level annotations JSON text to carry over verbatim from the manifest read, if any. */
  rawAnnotations?: string;
}

/**
 * Compact manifest bytes in ggcr's field order: schemaVersion, mediaType, config, layers[, annotations].
 * Existing layers are emitted from their raw text; new ones as ggcr writes a descriptor
 * (mediaType, size, digest, annotations with sorted keys).
 */
export function buildAttachmentManifest(
  layers: readonly ManifestLayer[],
  configBytes: Uint8Array,
  options: AttachmentManifestOptions = {},
): Uint8Array {
  const mediaType = options.mediaType ?? MediaType.OciManifest;
  const configMediaType =
    options.configMediaType ?? (mediaType === MediaType.DockerManifest ? MediaType.DockerConfig : MediaType.OciConfig);
  const config = formatDescriptor({ mediaType: configMediaType, size: configBytes.byteLength, digest: sha256Digest(configBytes) });
  const layerText = layers.map((l) => l.raw ?? formatDescriptor(l.descriptor)).join(',');
  const annotations = options.rawAnnotations === undefined ? '' : `,"annotations":${options.rawAnnotations}`;
  const text =
    `{"schemaVersion":2,"mediaType":${goJsonString(mediaType)},"config":${config},"layers":[${layerText}]${annotations}}`;
  return new TextEncoder().encode(text);
}

/** A descriptor as ggcr's `v1.Descriptor` marshals the fields cosign uses. */
export function formatDescriptor(d: Descriptor): string {
  let text = `{"mediaType":${goJsonString(d.mediaType)},"size":${d.size},"digest":${goJsonString(d.digest)}`;
  if (d.urls && d.urls.length > 0) text += `,"urls":[${d.urls.map(goJsonString).join(',')}]`;
  if (d.annotations && Object.keys(d.annotations).length > 0) text += `,"annotations":${goJsonStringMap(d.annotations)}`;
  return `${text}}`;
}
