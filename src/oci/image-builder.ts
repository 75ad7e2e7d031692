/**
 * Builds small deterministic images into a Repository (the demo's sample image, test fixtures):
 * tar layers (optionally gzip), a config with diff_ids and history, an OCI manifest, and optionally an index
 * over several platforms. Same inputs → same bytes and digests.
 */
import { gzipSync } from 'node:zlib';
import { sha256Digest } from './digest.ts';
import type { Descriptor, ImageIndex, ImageManifest, Platform } from './manifest.ts';
import { MediaType } from './media-types.ts';
import type { Repository } from './repository.ts';
import { writeTar, type TarEntry } from './tar-writer.ts';

export interface LayerSpec {
  files: TarEntry[];
  /** Default 'gzip'. */
  compression?: 'gzip' | 'none';
  /** `created_by` of this layer's history entry. */
  createdBy?: string;
}

export interface ImageSpec {
  layers: LayerSpec[];
  /** Default linux/amd64. */
  platform?: Platform;
  /** RFC 3339 time written in the config and history; default `1970-01-01T00:00:00Z`. */
  created?: string;
  /** Default mtime of tar entries, in seconds (default 0). */
  mtime?: number;
  /** Container config (`Env`, `Cmd`, `Labels`, …). */
  config?: Record<string, unknown>;
  annotations?: Record<string, string>;
}

export interface BuiltLayer {
  descriptor: Descriptor;
  diffId: string;
}

export interface BuiltImage {
  /** The manifest's descriptor (with `platform` when the spec had one). */
  descriptor: Descriptor;
  digest: string;
  manifestBytes: Uint8Array;
  config: Descriptor;
  layers: BuiltLayer[];
}

export interface BuiltIndex {
  descriptor: Descriptor;
  digest: string;
  indexBytes: Uint8Array;
  images: BuiltImage[];
}

const encoder = new TextEncoder();

/** Writes the image's blobs then its manifest (under `tag`, or by digest) into `repo`. */
export async function buildImage(repo: Repository, spec: ImageSpec, tag?: string): Promise<BuiltImage> {
  const platform = spec.platform ?? { os: 'linux', architecture: 'amd64' };
  const created = spec.created ?? '1970-01-01T00:00:00Z';
  const layers: BuiltLayer[] = [];
  for (const layer of spec.layers) {
    const tar = writeTar(layer.files, { mtime: spec.mtime ?? 0 });
    const gzip = (layer.compression ?? 'gzip') === 'gzip';
    const blob = gzip ? new Uint8Array(gzipSync(tar, { level: 9 })) : tar;
    const descriptor = { mediaType: gzip ? MediaType.OciLayerGzip : MediaType.OciLayerTar, digest: sha256Digest(blob), size: blob.byteLength };
    await repo.putBlob(descriptor, blob);
    layers.push({ descriptor, diffId: sha256Digest(tar) });
  }
  const configDoc = {
    created,
    architecture: platform.architecture,
    ...(platform.variant ? { variant: platform.variant } : {}),
    os: platform.os,
    config: spec.config ?? {},
    rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
    history: spec.layers.map((l, i) => ({ created, created_by: l.createdBy ?? `ocisign sample layer ${i + 1}` })),
  };
  const configBytes = encoder.encode(JSON.stringify(configDoc));
  const config: Descriptor = { mediaType: MediaType.OciConfig, digest: sha256Digest(configBytes), size: configBytes.byteLength };
  await repo.putBlob(config, configBytes);
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: MediaType.OciManifest,
    config,
    layers: layers.map((l) => l.descriptor),
    ...(spec.annotations ? { annotations: spec.annotations } : {}),
  };
  const manifestBytes = encoder.encode(JSON.stringify(manifest));
  const digest = sha256Digest(manifestBytes);
  await repo.putManifest(tag ?? digest, { bytes: manifestBytes, digest, mediaType: MediaType.OciManifest });
  const descriptor: Descriptor = { mediaType: MediaType.OciManifest, digest, size: manifestBytes.byteLength, platform };
  return { descriptor, digest, manifestBytes, config, layers };
}

/** Builds every image (by digest) then an OCI index over them, put under `tag` (or by digest). */
export async function buildIndex(repo: Repository, specs: ImageSpec[], tag?: string): Promise<BuiltIndex> {
  const images: BuiltImage[] = [];
  for (const spec of specs) images.push(await buildImage(repo, spec));
  const index: ImageIndex = { schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: images.map((i) => i.descriptor) };
  const indexBytes = encoder.encode(JSON.stringify(index));
  const digest = sha256Digest(indexBytes);
  await repo.putManifest(tag ?? digest, { bytes: indexBytes, digest, mediaType: MediaType.OciIndex });
  return { descriptor: { mediaType: MediaType.OciIndex, digest, size: indexBytes.byteLength }, digest, indexBytes, images };
}

/** A small sample image's layers: a base OS-ish layer and an app layer that deletes and links files. */
export function sampleLayers(arch = 'amd64'): LayerSpec[] {
  return [
    {
      createdBy: 'base',
      files: [
        { path: 'etc', dir: true },
        { path: 'etc/os-release', content: 'ID=ocisign-sample\nVERSION_ID=1\nPRETTY_NAME="ocisign sample"\n' },
        { path: 'etc/motd', content: 'welcome\n' },
        { path: 'usr', dir: true },
        { path: 'usr/bin', dir: true },
        { path: 'usr/bin/hello', content: `#!/bin/sh\necho hello from ${arch}\n`, mode: 0o755 },
      ],
    },
    {
      createdBy: 'app',
      files: [
        { path: 'app', dir: true },
        { path: 'app/package.json', content: '{"name":"sample-app","version":"1.0.0","dependencies":{"left-pad":"1.3.0"}}\n' },
        { path: 'app/hello', symlink: '/usr/bin/hello' },
        { path: 'etc/motd', whiteout: true },
      ],
    },
  ];
}
