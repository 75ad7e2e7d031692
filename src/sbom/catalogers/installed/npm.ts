/**
 * npm installed packages: `<…>/node_modules/<name>/package.json`, `<…>/node_modules/@scope/<name>/package.json`
 * and Debian's `usr/share/nodejs/[@scope/]<name>/package.json`. A package.json is reduced at read time to the
 * fields used here (so a huge node_modules tree costs little memory); name and version are required (files
 * without them, like nested `{"type":"module"}` markers, are not packages). Invalid JSON or UTF-8 → the
 * package is skipped with a warning. `dependencies` + `optionalDependencies` resolve like Node does: the
 * nearest `node_modules/<dep>` walking up from the package directory.
 */
import { parseBoundedJson } from '../../../core/bounded-json.ts';
import type { SbomPackage } from '../../model.ts';
import { npmPurl, splitNpmName } from '../../purl.ts';
import {
  type CatalogContext,
  DEFAULT_METADATA_MAX_BYTES,
  type InstalledCataloger,
  type InstalledFile,
  decodeUtf8,
  encodeUtf8,
  makePackage,
} from './cataloger.ts';

const NODE_MODULES = /(?:^|\/)node_modules\/(?:@[^/]+\/)?[^/@][^/]*\/package\.json$/;
const DEBIAN_NODEJS = /^usr\/share\/nodejs\/(?:@[^/]+\/)?[^/@][^/]*\/package\.json$/;

interface ReducedPackageJson {
  name?: string;
  version?: string;
  licenses: string[];
  description?: string;
  deps: string[];
}

function licensesOf(json: Record<string, unknown>): string[] {
  const one = (v: unknown): string | undefined =>
    typeof v === 'string' ? v : v && typeof v === 'object' && typeof (v as { type?: unknown }).type === 'string' ? (v as { type: string }).type : undefined;
  const list = Array.isArray(json.licenses) ? json.licenses.map(one) : [one(json.license)];
  return list.filter((l): l is string => !!l && l.trim() !== '');
}

/** Keep only what the cataloger needs; throws on invalid UTF-8 / JSON. */
export function reducePackageJson(data: Uint8Array): Uint8Array {
  const parsed = parseBoundedJson(decodeUtf8(data));
  if (!parsed.ok) throw new Error(`package.json is ${parsed.reason}`);
  const json = parsed.value;
  if (!json || typeof json !== 'object' || Array.isArray(json)) throw new Error('package.json is not a JSON object');
  const j = json as Record<string, unknown>;
  const deps = new Set<string>();
  for (const field of ['dependencies', 'optionalDependencies']) {
    const v = j[field];
    if (v && typeof v === 'object' && !Array.isArray(v)) for (const k of Object.keys(v)) deps.add(k);
  }
  const reduced: ReducedPackageJson = {
    name: typeof j.name === 'string' ? j.name : undefined,
    version: typeof j.version === 'string' ? j.version : undefined,
    licenses: licensesOf(j),
    description: typeof j.description === 'string' ? j.description : undefined,
    deps: [...deps],
  };
  return encodeUtf8(JSON.stringify(reduced));
}

/** Candidate package.json paths for `dep` required from package directory `dir`. */
export function resolutionCandidates(dir: string, dep: string): string[] {
  const out: string[] = [];
  const segs = dir.split('/');
  for (let i = segs.length; i >= 0; i--) {
    if (segs[i - 1] === 'node_modules') continue;
    const base = segs.slice(0, i).join('/');
    out.push(`${base ? `${base}/` : ''}node_modules/${dep}/package.json`);
  }
  if (dir.startsWith('usr/share/nodejs/')) out.push(`usr/share/nodejs/${dep}/package.json`);
  return out;
}

function parseNpm(files: InstalledFile[], _ctx: CatalogContext): SbomPackage[] {
  const byPath = new Map<string, SbomPackage>();
  const depsOf = new Map<SbomPackage, string[]>();
  for (const file of files) {
    const r = JSON.parse(new TextDecoder().decode(file.data)) as ReducedPackageJson;
    if (!r.name || !r.version) continue;
    const { namespace, name } = splitNpmName(r.name);
    const pkg = makePackage(
      { type: 'npm', namespace, name, version: r.version, purl: npmPurl(r.name, r.version), foundBy: 'npm-installed', licenses: r.licenses, description: r.description },
      file,
    );
    byPath.set(file.path, pkg);
    depsOf.set(pkg, r.deps);
  }
  for (const [path, pkg] of byPath) {
    const dir = path.slice(0, -'/package.json'.length);
    const edges = new Set<string>();
    for (const dep of depsOf.get(pkg)!) {
      const target = resolutionCandidates(dir, dep).map((c) => byPath.get(c)).find((p) => p !== undefined);
      if (target && target !== pkg) edges.add(target.purl);
    }
    pkg.dependsOn = [...edges].sort();
  }
  return [...byPath.values()];
}

export const npmCataloger: InstalledCataloger = {
  name: 'npm-installed',
  matches: (path) => NODE_MODULES.test(path) || DEBIAN_NODEJS.test(path),
  want: () => ({ maxBytes: DEFAULT_METADATA_MAX_BYTES, reduce: reducePackageJson }),
  parse: parseNpm,
};

