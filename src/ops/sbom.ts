/**
 * `generateSbom`: one SBOM of a directory or an image, serialized and validated before it is returned.
 * Images: the manifest is resolved; an index picks `platform` (default the host's `linux/<arch>`);
 * `generateSboms` with platform `all` gives one SBOM per platform. The metadata component's version and purl
 * name the platform manifest's digest (not the index's).
 * Scope `squashed` (default) lists what the final filesystem holds. `all-layers` also lists packages deleted
 * by a later layer, in the same single pass over the layers (see scanImageLayers), each with its first layer and
 * `ocisign:image:visible` true or false.
 */
import { basename } from 'node:path';
import { parseBoundedJson } from '../core/bounded-json.ts';
import { OcisignError } from '../core/errors.ts';
import type { Descriptor, ImageManifest } from '../oci/manifest.ts';
import { fetchManifest, describeRef } from '../oci/image-walk.ts';
import { formatPurl, ociPurl } from '../sbom/purl.ts';
import type { Reference } from '../oci/reference.ts';
import type { Repository } from '../oci/repository.ts';
import type { Sbom, SbomSubject, SbomWarning } from '../sbom/model.ts';
import { scanDirectory } from '../sbom/directory/index.ts';
import { scanImageLayers, type ImageScanLayer, type ImageScanProgress } from '../sbom/image/scan-image.ts';
import { prewarmCdxValidator, writeSbom, type SbomFormat } from '../sbom/output/index.ts';
import { DEFAULT_LIMITS } from '../core/limits.ts';

export type SbomTarget =
  | { kind: 'directory'; path: string }
  | { kind: 'image'; repository: Repository; ref: Reference; platform?: string };

export interface GenerateSbomOptions {
  format?: SbomFormat;
  scope?: 'squashed' | 'all-layers';
  /** .gitignore-style excludes (directories only). */
  exclude?: readonly string[];
  /** Derive the serial number from the content (byte-identical output for the same input and time). */
  deterministic?: boolean;
  /** metadata.timestamp (e.g. from SOURCE_DATE_EPOCH); omitted when undefined. */
  timestamp?: Date;
  toolVersion: string;
  /** `os/arch[/variant]` when `target.platform` is not set; default `linux/<host arch>`. */
  hostPlatform?: string;
  onProgress?: (p: ImageScanProgress & { platform?: string }) => void;
}

export interface GeneratedSbom {
  bytes: Uint8Array;
  mediaType: string;
  warnings: SbomWarning[];
  /** Non-warning notes (e.g. XML schema validation skipped). */
  notes: string[];
  /** Images: the platform and manifest digest this SBOM describes. */
  platform?: string;
  digest?: string;
}

export async function generateSbom(target: SbomTarget, options: GenerateSbomOptions): Promise<GeneratedSbom> {
  if (target.kind === 'image' && target.platform === 'all') {
    throw new OcisignError('USAGE', 'platform "all" gives several SBOMs: use generateSboms');
  }
  const [one] = await generateSboms(target, options);
  return one!;
}

/** One SBOM per selected platform (exactly one unless the target is an index with platform `all`). */
export async function generateSboms(target: SbomTarget, options: GenerateSbomOptions): Promise<GeneratedSbom[]> {
  // every CycloneDX output is validated as JSON: compile the schema on another core while cataloging
  if ((options.format ?? 'cyclonedx-json') !== 'spdx-json') prewarmCdxValidator();
  if (target.kind === 'directory') {
    const sbom = await scanDirectory(target.path, { exclude: options.exclude });
    return [await serialize(sbom, options)];
  }
  const images = await selectImages(target.repository, target.ref, target.platform ?? options.hostPlatform ?? hostPlatform());
  const out: GeneratedSbom[] = [];
  for (const image of images) {
    const sbom = await scanImage(target.repository, target.ref, image, options);
    out.push({ ...(await serialize(sbom, options)), platform: image.platform, digest: image.digest });
  }
  return out;
}

async function serialize(sbom: Sbom, options: GenerateSbomOptions): Promise<GeneratedSbom> {
  const r = await writeSbom(sbom, {
    format: options.format ?? 'cyclonedx-json', toolVersion: options.toolVersion, timestamp: options.timestamp, deterministic: options.deterministic,
  });
  return { bytes: Buffer.from(r.text, 'utf8'), mediaType: r.mediaType, warnings: sbom.warnings, notes: r.notes };
}

/** `linux/amd64`, `linux/arm64`, … from Node's process.arch. */
export function hostPlatform(arch: string = process.arch): string {
  const map: Record<string, string> = { x64: 'amd64', ia32: '386', arm64: 'arm64', arm: 'arm/v7', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };
  return `linux/${map[arch] ?? arch}`;
}

interface SelectedImage {
  digest: string;
  manifest: ImageManifest;
  platform?: string;
  arch?: string;
}

async function selectImages(repo: Repository, ref: Reference, platform: string): Promise<SelectedImage[]> {
  const key = ref.digest ?? ref.tag ?? 'latest';
  const top = await fetchManifest(repo, key);
  if (top.parsed.kind === 'image') {
    const cfg = await readPlatform(repo, top.parsed.manifest.config);
    return [{ digest: top.raw.digest, manifest: top.parsed.manifest, ...cfg }];
  }
  const candidates = top.parsed.manifest.manifests.filter((d) => d.platform && d.platform.os !== 'unknown');
  const chosen = platform === 'all' ? candidates : candidates.filter((d) => platformMatches(d, platform));
  if (chosen.length === 0) {
    const available = candidates.map((d) => platformString(d)).join(', ') || 'none';
    throw new OcisignError('NOT_FOUND', `image ${describeRef(repo, key)} has no manifest for platform ${platform} (available: ${available})`);
  }
  const out: SelectedImage[] = [];
  for (const d of platform === 'all' ? chosen : chosen.slice(0, 1)) {
    const m = await fetchManifest(repo, d.digest);
    if (m.parsed.kind !== 'image') throw new OcisignError('BAD_INPUT', `manifest ${describeRef(repo, d.digest)} is a nested index`);
    out.push({ digest: m.raw.digest, manifest: m.parsed.manifest, platform: platformString(d), arch: d.platform?.architecture });
  }
  return out;
}

function platformString(d: Descriptor): string {
  const p = d.platform!;
  return [p.os, p.architecture, p.variant].filter(Boolean).join('/');
}

function platformMatches(d: Descriptor, wanted: string): boolean {
  const [os, arch, variant] = wanted.split('/');
  const p = d.platform!;
  return p.os === os && p.architecture === arch && (!variant || p.variant === variant);
}

async function readPlatform(repo: Repository, config: Descriptor): Promise<{ platform?: string; arch?: string }> {
  try {
    const parsed = parseBoundedJson(await repo.readBlob(config.digest, DEFAULT_LIMITS.maxManifestBytes));
    if (!parsed.ok) return {};
    const cfg = parsed.value as { os?: string; architecture?: string; variant?: string };
    if (!cfg.architecture) return {};
    return { platform: [cfg.os, cfg.architecture, cfg.variant].filter(Boolean).join('/'), arch: cfg.architecture };
  } catch {
    return {};
  }
}

async function scanImage(repo: Repository, ref: Reference, image: SelectedImage, options: GenerateSbomOptions): Promise<Sbom> {
  const layers: ImageScanLayer[] = image.manifest.layers.map((l) => ({
    digest: l.digest, mediaType: l.mediaType, size: l.size, open: () => repo.openBlob(l.digest, l.size),
  }));
  const onProgress = options.onProgress ? (p: ImageScanProgress) => options.onProgress!({ ...p, platform: image.platform }) : undefined;
  const result = await scanImageLayers({ layers, onProgress, scope: options.scope });
  return {
    subject: imageSubject(ref, image),
    os: result.os,
    packages: result.packages,
    warnings: result.warnings,
  };
}

function imageSubject(ref: Reference, image: SelectedImage): SbomSubject {
  const subject: SbomSubject = {
    kind: 'container',
    name: ref.kind === 'registry' ? `${ref.registry}/${ref.repository}` : basename(ref.path),
    version: image.digest,
    digest: image.digest,
    layers: image.manifest.layers.map((l) => l.digest),
  };
  if (image.platform) subject.platform = image.platform;
  if (image.arch) subject.arch = image.arch;
  subject.purl = ref.kind === 'registry'
    ? ociPurl({ repository: `${ref.registry}/${ref.repository}`, digest: image.digest, tag: ref.tag, arch: image.arch })
    : formatPurl({ type: 'oci', name: basename(ref.path).toLowerCase(), version: image.digest, qualifiers: { arch: image.arch, tag: ref.tag } });
  return subject;
}
