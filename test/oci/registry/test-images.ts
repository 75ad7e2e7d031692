/** Small images built in tests: config + 2 layers, and a two-platform index. Deterministic bytes. */
import { sha256Digest } from '../../../src/oci/digest.ts';
import type { Descriptor, RawManifest } from '../../../src/oci/manifest.ts';
import { MediaType } from '../../../src/oci/media-types.ts';
import type { Repository } from '../../../src/oci/repository.ts';

export interface TestBlob {
  descriptor: Descriptor;
  bytes: Uint8Array;
}

export interface TestImage {
  manifest: RawManifest;
  blobs: TestBlob[];
}

const enc = new TextEncoder();

export function blob(bytes: Uint8Array, mediaType: string): TestBlob {
  return { bytes, descriptor: { mediaType, digest: sha256Digest(bytes), size: bytes.byteLength } };
}

export function rawManifest(doc: unknown): RawManifest {
  const bytes = enc.encode(JSON.stringify(doc));
  const mediaType = (doc as { mediaType: string }).mediaType;
  return { bytes, mediaType, digest: sha256Digest(bytes) };
}

/** An image whose layers say `seed`, so different seeds give different digests. */
export function buildImage(seed: string, arch = 'amd64'): TestImage {
  const layers = [blob(enc.encode(`layer one of ${seed}\n`), MediaType.OciLayerTar), blob(enc.encode(`layer two of ${seed}\n`), MediaType.OciLayerTar)];
  const config = blob(enc.encode(JSON.stringify({
    architecture: arch,
    os: 'linux',
    rootfs: { type: 'layers', diff_ids: layers.map((l) => l.descriptor.digest) },
    config: {},
  })), MediaType.OciConfig);
  const manifest = rawManifest({
    schemaVersion: 2,
    mediaType: MediaType.OciManifest,
    config: config.descriptor,
    layers: layers.map((l) => l.descriptor),
  });
  return { manifest, blobs: [config, ...layers] };
}

export interface TestIndex {
  index: RawManifest;
  images: TestImage[];
}

export function buildIndex(seed: string): TestIndex {
  const images = [buildImage(`${seed}-amd64`, 'amd64'), buildImage(`${seed}-arm64`, 'arm64')];
  const index = rawManifest({
    schemaVersion: 2,
    mediaType: MediaType.OciIndex,
    manifests: images.map((img, i) => ({
      mediaType: img.manifest.mediaType,
      digest: img.manifest.digest,
      size: img.manifest.bytes.byteLength,
      platform: { architecture: i === 0 ? 'amd64' : 'arm64', os: 'linux' },
    })),
  });
  return { index, images };
}

/** Push blobs, then the manifest (by tag, or by digest when tag is undefined). */
export async function pushImage(repo: Repository, image: TestImage, tag?: string): Promise<Descriptor> {
  for (const b of image.blobs) await repo.putBlob(b.descriptor, b.bytes);
  return repo.putManifest(tag ?? image.manifest.digest, image.manifest);
}

export async function pushIndex(repo: Repository, index: TestIndex, tag: string): Promise<Descriptor> {
  for (const image of index.images) await pushImage(repo, image);
  return repo.putManifest(tag, index.index);
}
