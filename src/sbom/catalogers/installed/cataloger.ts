/**
 * Installed-package catalogers for image filesystems, in syft's shape: a name, a path predicate, a parser.
 * `want` says how the scanner reads a matching file (held bytes with a cap, reduced at read time, or
 * stream-inspected); `parse` turns the final squashed view's matching files into packages.
 */
import type { OperatingSystem, SbomPackage } from '../../model.ts';
import type { FileInfo, FileWant } from '../../image/squash.ts';

export interface InstalledFile {
  path: string;
  layerDigest: string;
  layerIndex: number;
  /** The kept bytes (possibly reduced by the cataloger's `want.reduce`/`inspect`). */
  data: Uint8Array;
}

export interface CatalogContext {
  os?: OperatingSystem;
  /** `<ID>-<VERSION_ID>` (e.g. "debian-12", "alpine-3.20.1"); see distroQualifier. */
  distro?: string;
  /** A kept file of the final view by path, following symlinks. */
  lookup(path: string): InstalledFile | undefined;
  /** Report a package that could not be read (subject names the file and layer). */
  warn(subject: string, reason: string): void;
}

export interface InstalledCataloger {
  name: string;
  matches(path: string, info?: { size: number; mode: number }): boolean;
  /** How to read a matching file; default: hold up to DEFAULT_METADATA_MAX_BYTES. */
  want?(info: FileInfo): FileWant;
  parse(files: InstalledFile[], ctx: CatalogContext): SbomPackage[];
}

/** Largest metadata file held by default (package.json, METADATA, copyright…). */
export const DEFAULT_METADATA_MAX_BYTES = 8 * 1024 * 1024;

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** Decode UTF-8, throwing `invalid UTF-8` on bad bytes; strips a BOM. */
export function decodeUtf8(data: Uint8Array): string {
  let text: string;
  try {
    text = strictUtf8.decode(data);
  } catch {
    throw new Error('invalid UTF-8');
  }
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

export const encodeUtf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

/** Subject line for warnings: "<path> in layer <digest>". */
export const fileSubject = (f: { path: string; layerDigest: string }): string => `${f.path} in layer ${f.layerDigest}`;

/** Build the common fields of a package. */
export function makePackage(
  p: Pick<SbomPackage, 'type' | 'name' | 'version' | 'purl' | 'foundBy'> &
    Partial<Pick<SbomPackage, 'namespace' | 'licenses' | 'dependsOn' | 'description' | 'properties'>>,
  file: { path: string; layerDigest: string },
): SbomPackage {
  const pkg: SbomPackage = {
    type: p.type,
    name: p.name,
    version: p.version,
    purl: p.purl,
    licenses: p.licenses ?? [],
    hashes: [],
    locations: [{ path: file.path, layerDigest: file.layerDigest }],
    dependsOn: p.dependsOn ?? [],
    foundBy: p.foundBy,
  };
  if (p.namespace) pkg.namespace = p.namespace;
  if (p.description) pkg.description = p.description;
  if (p.properties && Object.keys(p.properties).length > 0) pkg.properties = p.properties;
  return pkg;
}
