// Test helper: attach a cosign-shaped .sig/.att/.sbom image (one layer per payload) to a digest.
import { attachmentTag, type AttachmentKind } from '../../src/cosign/tags.ts';
import { sha256Digest } from '../../src/oci/digest.ts';
import { MediaType } from '../../src/oci/media-types.ts';
import type { Repository } from '../../src/oci/repository.ts';

const LAYER_TYPES: Record<AttachmentKind, string> = {
  signature: 'application/vnd.dev.cosign.simplesigning.v1+json',
  attestation: 'application/vnd.dsse.envelope.v1+json',
  sbom: 'application/vnd.cyclonedx+json',
};

export async function attach(repo: Repository, subject: string, kind: AttachmentKind, payload = `${kind} of ${subject}`): Promise<string> {
  const bytes = new TextEncoder().encode(payload);
  const layer = { mediaType: LAYER_TYPES[kind], size: bytes.byteLength, digest: sha256Digest(bytes),
    annotations: kind === 'attestation' ? { 'dev.cosignproject.cosign/signature': '', predicateType: 'https://slsa.dev/provenance/v1' }
      : kind === 'signature' ? { 'dev.cosignproject.cosign/signature': 'c2ln' } : undefined };
  await repo.putBlob(layer, bytes);
  const config = new TextEncoder().encode(JSON.stringify({ architecture: '', os: '', rootfs: { type: 'layers', diff_ids: [layer.digest] }, config: {} }));
  const configDesc = { mediaType: MediaType.OciConfig, size: config.byteLength, digest: sha256Digest(config) };
  await repo.putBlob(configDesc, config);
  const manifest = new TextEncoder().encode(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.OciManifest, config: configDesc, layers: [layer] }));
  const digest = sha256Digest(manifest);
  await repo.putManifest(attachmentTag(subject, kind), { bytes: manifest, digest, mediaType: MediaType.OciManifest });
  return digest;
}
