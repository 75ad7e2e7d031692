/**
 * Scan an image's layers for installed software: stream each layer once, in order (gzip, zstd or plain tar,
 * by media type and magic bytes), build the squashed view, run the installed-package catalogers on it.
 *
 * Layer attribution: a package records the FIRST layer whose copy of its metadata (dpkg status/status.d,
 * apk db, package.json, METADATA, …) lists the same package: same cataloger, name, version and arch (and
 * npm scope / maven group). A dpkg status rewritten by every later layer therefore does not move a package
 * that was installed earlier; an upgraded package (new version) is attributed to the layer that upgraded it.
 *
 * Scope `all-layers` (syft's semantics) lists the packages present in ANY layer, even if a later layer deleted
 * them, in the same single pass: every kept metadata file is also remembered as it is read (its bytes as that
 * layer wrote them), and after the last layer each layer's remembered files are cataloged too. Every package
 * then carries `ocisign:image:visible` (`true` when the squashed image still has it).
 */
import { OcisignError, describeError, isOcisignError, withContext } from '../../core/errors.ts';
import { appendAll, assertPackageCount, type OperatingSystem, type SbomPackage, type SbomWarning } from '../model.ts';
import type { CatalogContext, InstalledCataloger, InstalledFile } from '../catalogers/installed/cataloger.ts';
import { DEFAULT_METADATA_MAX_BYTES, fileSubject } from '../catalogers/installed/cataloger.ts';
import { INSTALLED_CATALOGERS } from '../catalogers/installed/index.ts';
import { OS_RELEASE_PATHS, distroQualifier, isOsReleasePath, parseOsRelease, toOperatingSystem } from '../catalogers/installed/os-release.ts';
import { decompressLayer, layerCompression } from './decompress.ts';
import { type FileSelector, type SquashedFile, SquashedFilesystem } from './squash.ts';
import { readTar } from './tar-stream.ts';

export interface ImageScanLayer {
  digest: string;
  mediaType: string;
  size: number;
  /** Open the (compressed) blob stream. */
  open(): Promise<AsyncIterable<Uint8Array>>;
}

export interface ImageScanProgress {
  layersDone: number;
  layersTotal: number;
  /** Compressed bytes read so far, over all layers. */
  bytesRead: number;
}

export interface ImageScanInput {
  /** layers in order: digest, mediaType, size, and a function opening the (compressed) blob stream */
  layers: ImageScanLayer[];
  onProgress?: (p: ImageScanProgress) => void;
  /** Catalogers to run (default: all installed-package catalogers). */
  catalogers?: readonly InstalledCataloger[];
  /** `squashed` (default): the final filesystem; `all-layers`: also what any layer had (see above). */
  scope?: 'squashed' | 'all-layers';
}

export interface ImageScanResult {
  os?: OperatingSystem;
  packages: SbomPackage[];
  warnings: SbomWarning[];
}

const OS_RELEASE_TAG = 'os-release';
const PROGRESS_EVERY_BYTES = 8 * 1024 * 1024;
const OS_TYPES = new Set(['deb', 'apk', 'rpm']);

/** Identity of a package for first-layer attribution (independent of the OS, which may be known later). */
export function identityKey(pkg: SbomPackage): string {
  const arch = /[?&]arch=([^&#]*)/.exec(pkg.purl)?.[1] ?? '';
  const ns = OS_TYPES.has(pkg.type) ? '' : (pkg.namespace ?? '');
  return `${pkg.foundBy}|${ns}|${pkg.name}|${pkg.version}|${arch}`;
}

function toInstalled(file: SquashedFile | { symlinkError: string } | undefined): InstalledFile | undefined {
  if (!file || 'symlinkError' in file || file.data === undefined) return undefined;
  return { path: file.path, layerDigest: file.layerDigest, layerIndex: file.layerIndex, data: file.data };
}

function makeSelector(catalogers: readonly InstalledCataloger[]): FileSelector {
  return (info) => {
    if (isOsReleasePath(info.path)) return { maxBytes: 64 * 1024, tag: OS_RELEASE_TAG };
    for (const c of catalogers) {
      if (c.matches(info.path, info)) return { maxBytes: DEFAULT_METADATA_MAX_BYTES, ...c.want?.(info), tag: c.name };
    }
    return undefined;
  };
}

export async function scanImageLayers(input: ImageScanInput): Promise<ImageScanResult> {
  const catalogers = input.catalogers ?? INSTALLED_CATALOGERS;
  const byName = new Map(catalogers.map((c) => [c.name, c]));
  const warnings: SbomWarning[] = [];
  const warn = (subject: string, reason: string): void => void warnings.push({ subject, reason });
  const firstSeen = new Map<string, number>();
  const history: SquashedFile[] | undefined = input.scope === 'all-layers' ? [] : undefined;
  const fs: SquashedFilesystem = new SquashedFilesystem(makeSelector(catalogers), {
    warn,
    onFile: (file) => {
      history?.push(file);
      recordFirstSeen(file, byName, readTimeContext(fs), firstSeen);
    },
  });
  await readLayers(input, fs);
  const os = detectOs(fs, warn);
  const ctx: CatalogContext = { os, distro: distroQualifier(os), lookup: (p) => toInstalled(fs.lookup(p)), warn };
  const found: SbomPackage[] = [];
  const files = fs.files();
  for (const c of catalogers) {
    const mine: InstalledFile[] = [];
    for (const f of files) {
      if (f.tag !== c.name) continue;
      if (f.error !== undefined) warn(fileSubject(f), `${f.error}; skipped`);
      else if (f.data !== undefined) mine.push(toInstalled(f)!);
    }
    if (mine.length > 0) appendAll(found, c.parse(mine, ctx));
    assertPackageCount(found.length, `scanning the image's ${c.name} packages`);
  }
  for (const pkg of found) attribute(pkg, firstSeen, input.layers);
  const packages = mergeByPurl(found);
  if (!history) return { os, packages, warnings };
  const hidden = catalogHistory(history, new Set(files), catalogers, ctx, new Set(packages.map((p) => p.purl)));
  for (const pkg of hidden) attribute(pkg, firstSeen, input.layers);
  const all = [...packages.map((p) => withVisibility(p, true)), ...mergeByPurl(hidden).map((p) => withVisibility(p, false))];
  assertPackageCount(all.length, 'scanning all layers of the image');
  return { os, packages: all.sort((a, b) => (a.purl < b.purl ? -1 : a.purl > b.purl ? 1 : 0)), warnings: uniqueWarnings(warnings) };
}

/**
 * Packages of the metadata files that earlier layers wrote and the final view no longer has (deleted, or
 * replaced by a later copy), cataloged layer by layer, minus those the final view lists.
 */
function catalogHistory(
  history: SquashedFile[],
  final: Set<SquashedFile>,
  catalogers: readonly InstalledCataloger[],
  ctx: CatalogContext,
  visible: Set<string>,
): SbomPackage[] {
  const byLayer = new Map<number, SquashedFile[]>();
  for (const f of history) {
    if (final.has(f)) continue;
    if (f.error !== undefined) ctx.warn(fileSubject(f), `${f.error}; skipped`);
    else if (f.data !== undefined) byLayer.set(f.layerIndex, [...(byLayer.get(f.layerIndex) ?? []), f]);
  }
  const out: SbomPackage[] = [];
  for (const files of byLayer.values()) {
    for (const c of catalogers) {
      const mine = files.filter((f) => f.tag === c.name).map((f) => toInstalled(f)!);
      if (mine.length === 0) continue;
      for (const pkg of c.parse(mine, ctx)) if (!visible.has(pkg.purl)) out.push(pkg);
    }
  }
  return out;
}

function withVisibility(pkg: SbomPackage, visible: boolean): SbomPackage {
  return { ...pkg, properties: { ...pkg.properties, 'ocisign:image:visible': String(visible) } };
}

function uniqueWarnings(warnings: SbomWarning[]): SbomWarning[] {
  const seen = new Set<string>();
  return warnings.filter((w) => {
    const key = `${w.subject}\n${w.reason}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function readTimeContext(fs: SquashedFilesystem): CatalogContext {
  return { lookup: (p) => toInstalled(fs.lookup(p)), warn: () => {} };
}

function recordFirstSeen(
  file: SquashedFile,
  byName: Map<string, InstalledCataloger>,
  ctx: CatalogContext,
  firstSeen: Map<string, number>,
): void {
  const c = file.tag ? byName.get(file.tag) : undefined;
  const installed = toInstalled(file);
  if (!c || !installed) return;
  let packages: SbomPackage[];
  try {
    packages = c.parse([installed], ctx);
  } catch {
    return; // reported when the final view is parsed
  }
  for (const pkg of packages) {
    const key = identityKey(pkg);
    if (!firstSeen.has(key)) firstSeen.set(key, file.layerIndex);
  }
}

async function readLayers(input: ImageScanInput, fs: SquashedFilesystem): Promise<void> {
  const total = input.layers.length;
  let bytesRead = 0;
  let nextReport = PROGRESS_EVERY_BYTES;
  for (const [index, layer] of input.layers.entries()) {
    const context = `reading layer ${layer.digest}`;
    if (layerCompression(layer.mediaType) === undefined) {
      throw new OcisignError('BAD_INPUT', `${context}: unsupported layer media type ${layer.mediaType}`);
    }
    let raw: AsyncIterable<Uint8Array>;
    try {
      raw = await layer.open();
    } catch (err) {
      throw isOcisignError(err) ? withContext(context, err) : new OcisignError('IO', `${context}: ${describeError(err)}`, { cause: err });
    }
    const onRaw = (n: number): void => {
      bytesRead += n;
      if (bytesRead >= nextReport) {
        nextReport = bytesRead + PROGRESS_EVERY_BYTES;
        input.onProgress?.({ layersDone: index, layersTotal: total, bytesRead });
      }
    };
    try {
      await fs.addLayer(readTar(decompressLayer(raw, onRaw)), index, layer.digest);
    } catch (err) {
      throw isOcisignError(err) ? withContext(context, err) : new OcisignError('BAD_INPUT', `${context}: ${describeError(err)}`, { cause: err });
    }
    input.onProgress?.({ layersDone: index + 1, layersTotal: total, bytesRead });
  }
}

function detectOs(fs: SquashedFilesystem, warn: (s: string, r: string) => void): OperatingSystem | undefined {
  for (const path of OS_RELEASE_PATHS) {
    const hit = fs.lookup(path);
    if (!hit) continue;
    if ('symlinkError' in hit) {
      warn(path, hit.symlinkError);
      continue;
    }
    const data = hit.data;
    if (hit.error !== undefined || data === undefined) {
      warn(fileSubject(hit), hit.error ?? 'unreadable');
      continue;
    }
    try {
      const os = toOperatingSystem(parseOsRelease(data), hit.path, hit.layerDigest);
      if (os) return os;
    } catch (err) {
      warn(fileSubject(hit), describeError(err));
    }
  }
  return undefined;
}

function attribute(pkg: SbomPackage, firstSeen: Map<string, number>, layers: ImageScanLayer[]): void {
  const first = firstSeen.get(identityKey(pkg));
  if (first === undefined) return;
  for (const loc of pkg.locations) loc.layerDigest = layers[first]!.digest;
}

/** One package per purl: locations, dependencies and licenses merged; sorted by purl. */
export function mergeByPurl(packages: SbomPackage[]): SbomPackage[] {
  const byPurl = new Map<string, SbomPackage>();
  for (const pkg of packages) {
    const seen = byPurl.get(pkg.purl);
    if (!seen) {
      byPurl.set(pkg.purl, { ...pkg, locations: [...pkg.locations], dependsOn: [...pkg.dependsOn], licenses: [...pkg.licenses] });
      continue;
    }
    for (const loc of pkg.locations) {
      if (!seen.locations.some((l) => l.path === loc.path)) seen.locations.push(loc);
    }
    seen.dependsOn = [...new Set([...seen.dependsOn, ...pkg.dependsOn])].sort();
    seen.licenses = [...new Set([...seen.licenses, ...pkg.licenses])];
  }
  const out = [...byPurl.values()];
  for (const p of out) p.locations.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return out.sort((a, b) => (a.purl < b.purl ? -1 : a.purl > b.purl ? 1 : 0));
}
