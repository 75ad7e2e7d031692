/**
 * `attach sbom`: the `.sbom` image exactly as cosign writes it (static.NewFile): one raw, unsigned layer with
 * the SBOM bytes, the media type of cosign's table, no annotations, the 233-byte empty-image config. The tag
 * is REPLACED, not appended to (cosign writes the file image over the tag).
 */
import { buildAttachmentManifest, buildSignatureConfig } from '../cosign/signature-image.ts';
import { attachmentTag } from '../cosign/tags.ts';
import { OcisignError, withContext } from '../core/errors.ts';
import { sha256Digest } from '../oci/digest.ts';
import { MediaType } from '../oci/media-types.ts';
import type { Repository } from '../oci/repository.ts';
import { resolveTarget, type ImageTarget } from './attest.ts';

export type SbomType = 'cyclonedx' | 'spdx' | 'syft';
export type SbomInputFormat = 'json' | 'xml' | 'text';

/** What attaching an SBOM does not do, as cosign warns, naming the signed way. */
export const UNSIGNED_SBOM_NOTE =
  "WARNING: Attaching SBOMs this way does not sign them. To sign them, use 'ocisign attest --type cyclonedx --predicate <sbom> --key <key path>' (or --type spdxjson).";

/**
 * cosign's layer media type for `--type` and `--input-format` (sbom.go): spdx → text/spdx (text/spdx+json for
 * JSON); cyclonedx → application/vnd.cyclonedx+json or +xml; syft → application/vnd.syft+json. Without
 * `--input-format`, a `.json`/`.xml` file name decides, else the first non-blank byte (`{` JSON, `<` XML).
 */
export function sbomMediaType(type: SbomType, bytes: Uint8Array, inputFormat?: SbomInputFormat, fileName?: string): string {
  const format = inputFormat ?? sniffFormat(bytes, fileName);
  switch (type) {
    case 'spdx':
      return format === 'json' ? 'text/spdx+json' : 'text/spdx';
    case 'cyclonedx':
      if (format === 'text') throw new OcisignError('USAGE', 'a CycloneDX SBOM is JSON or XML, not text');
      return format === 'json' ? 'application/vnd.cyclonedx+json' : 'application/vnd.cyclonedx+xml';
    case 'syft':
      return 'application/vnd.syft+json';
  }
}

function sniffFormat(bytes: Uint8Array, fileName?: string): SbomInputFormat {
  if (fileName?.endsWith('.json')) return 'json';
  if (fileName?.endsWith('.xml')) return 'xml';
  for (const b of bytes.subarray(0, 4096)) {
    if (b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d || b === 0xef || b === 0xbb || b === 0xbf) continue;
    return b === 0x7b ? 'json' : b === 0x3c ? 'xml' : 'text';
  }
  return 'text';
}

export interface AttachedSbom {
  digest: string;
  /** `<repo>:sha256-<hex>.sbom` */
  tag: string;
  mediaType: string;
  layerDigest: string;
  size: number;
}

/** Write the `.sbom` image for the image `target` names (replacing any previous one). */
export async function attachSbom(target: ImageTarget, sbom: Uint8Array, mediaType: string): Promise<AttachedSbom> {
  const { digest } = await resolveTarget(target);
  const repo = target.attachments ?? target.image;
  const tag = attachmentTag(digest, 'sbom');
  try {
    await writeSbomImage(repo, tag, sbom, mediaType);
  } catch (err) {
    throw withContext(`attaching the SBOM to ${repo.displayName}:${tag}`, err);
  }
  return { digest, tag: `${repo.displayName}:${tag}`, mediaType, layerDigest: sha256Digest(sbom), size: sbom.byteLength };
}

async function writeSbomImage(repo: Repository, tag: string, sbom: Uint8Array, mediaType: string): Promise<void> {
  const layer = { mediaType, size: sbom.byteLength, digest: sha256Digest(sbom) };
  const config = buildSignatureConfig([layer.digest]);
  const manifest = buildAttachmentManifest([{ descriptor: layer }], config);
  await repo.putBlob(layer, sbom);
  await repo.putBlob({ digest: sha256Digest(config), size: config.byteLength }, config);
  await repo.putManifest(tag, { bytes: manifest, digest: sha256Digest(manifest), mediaType: MediaType.OciManifest });
}
