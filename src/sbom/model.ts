/**
 * The SBOM model shared by catalogers and writers. Not the wire format: writers turn it into
 * CycloneDX (via @cyclonedx/cyclonedx-library) or SPDX, sorted and deterministic.
 */
import { OcisignError } from '../core/errors.ts';
import { INPUT_LIMITS } from '../core/input-limits.ts';

/** Where a package was found. */
export interface Location {
  /** Path inside the image filesystem or the scanned directory, without a leading slash. */
  path: string;
  /** For images: the digest of the (compressed) layer blob in which the package first appears. */
  layerDigest?: string;
}

export interface SbomPackage {
  /** Ecosystem: deb, apk, rpm, npm, pypi, golang, maven, cargo, composer, gem, … (purl type). */
  type: string;
  /** purl namespace (npm scope with '@', maven groupId, distro vendor for OS packages). */
  namespace?: string;
  name: string;
  version: string;
  /** The exact purl, per purl-spec. Unique key of the package within an SBOM. */
  purl: string;
  /** SPDX license ids or license names/expressions as found in the metadata. */
  licenses: string[];
  /** Real hashes only (e.g. lockfile integrity), algorithm in CycloneDX naming (SHA-512, SHA-256, …). */
  hashes: { alg: string; content: string }[];
  locations: Location[];
  /** purls of the packages this one depends on (resolved within the same SBOM only). */
  dependsOn: string[];
  /** The cataloger that found it, e.g. "dpkg", "npm-lock". */
  foundBy: string;
  description?: string;
  /** Extra name/value properties (CycloneDX properties). */
  properties?: Record<string, string>;
  /** CycloneDX scope: `excluded` for dev-only, `optional` for optional dependencies; absent = required/unknown. */
  scope?: 'required' | 'optional' | 'excluded';
}

/**
 * One declared application inside the subject: a lockfile (directories) or a group of installed packages.
 * The dependency graph runs subject → application → its direct dependencies.
 */
export interface SbomApplication {
  /** e.g. "package-lock.json" or "web/yarn.lock" (the path relative to the scanned root). */
  name: string;
  /** purl type of its packages, e.g. "npm". */
  type: string;
  /** The cataloger that produced it. */
  foundBy: string;
  /** purls of its direct dependencies. */
  dependsOn: string[];
}

export interface OperatingSystem {
  /** os-release ID, e.g. "debian". */
  id: string;
  /** os-release VERSION_ID, e.g. "12". */
  versionId?: string;
  prettyName?: string;
  versionCodename?: string;
  location?: Location;
}

export interface SbomSubject {
  kind: 'container' | 'directory';
  /** Image name (repository) or directory name. */
  name: string;
  version?: string;
  /** For images: the manifest digest. */
  digest?: string;
  purl?: string;
  /** For images: the platform architecture (purl `arch`), e.g. "amd64". */
  arch?: string;
  /** For images: the platform, e.g. "linux/amd64". */
  platform?: string;
  /** For images: the compressed layer digests, in order. */
  layers?: string[];
}

export interface SbomWarning {
  /** What could not be read, e.g. "usr/lib/node_modules/x/package.json in layer sha256:…". */
  subject: string;
  reason: string;
}

export interface Sbom {
  subject: SbomSubject;
  os?: OperatingSystem;
  packages: SbomPackage[];
  /** Non-fatal problems; any warning makes the BOM's composition `incomplete`. */
  warnings: SbomWarning[];
  /** Declared applications (lockfiles); absent for image scans that list installed packages only. */
  applications?: SbomApplication[];
}

/** `target.push(...items)` without the spread, which overflows the stack past ~100,000 items. */
export function appendAll<T>(target: T[], items: readonly T[]): void {
  for (const item of items) target.push(item);
}

/** Refuse an SBOM of more than INPUT_LIMITS.maxSbomPackages packages (exit 3), naming where they came from. */
export function assertPackageCount(count: number, where: string, max = INPUT_LIMITS.maxSbomPackages): void {
  if (count > max) throw new OcisignError('BAD_INPUT', `${where}: more than ${max} packages, the limit of one SBOM`);
}
