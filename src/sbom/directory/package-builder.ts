import { appendAll, type SbomPackage } from '../model.ts';

export interface PackageInit {
  type: string;
  namespace?: string;
  name: string;
  version: string;
  purl: string;
  path: string;
  foundBy: string;
  licenses?: string[];
  hashes?: { alg: string; content: string }[];
  scope?: SbomPackage['scope'];
  properties?: Record<string, string>;
  description?: string;
}

/** A package with empty edges, ready for a parser to fill `dependsOn`. */
export function makePackage(init: PackageInit): SbomPackage {
  const pkg: SbomPackage = {
    type: init.type,
    name: init.name,
    version: init.version,
    purl: init.purl,
    licenses: init.licenses ?? [],
    hashes: init.hashes ?? [],
    locations: [{ path: init.path }],
    dependsOn: [],
    foundBy: init.foundBy,
  };
  if (init.namespace) pkg.namespace = init.namespace;
  if (init.scope) pkg.scope = init.scope;
  if (init.properties && Object.keys(init.properties).length > 0) pkg.properties = init.properties;
  if (init.description) pkg.description = init.description;
  return pkg;
}

/**
 * Merge packages with the same purl (one package installed at several paths, or found by two lockfiles):
 * locations, edges, hashes and licenses are united; the first one's other fields win. Keeps first-seen order.
 */
export function dedupeByPurl(packages: SbomPackage[]): SbomPackage[] {
  const byPurl = new Map<string, SbomPackage>();
  for (const p of packages) {
    const seen = byPurl.get(p.purl);
    if (!seen) {
      byPurl.set(p.purl, { ...p, locations: [...p.locations], dependsOn: [...p.dependsOn], hashes: [...p.hashes], licenses: [...p.licenses] });
      continue;
    }
    mergeInto(seen, p);
  }
  return [...byPurl.values()];
}

function mergeInto(target: SbomPackage, other: SbomPackage): void {
  for (const l of other.locations) {
    if (!target.locations.some((t) => t.path === l.path && t.layerDigest === l.layerDigest)) target.locations.push(l);
  }
  target.dependsOn = unique([...target.dependsOn, ...other.dependsOn]);
  for (const h of other.hashes) if (!target.hashes.some((t) => t.alg === h.alg)) target.hashes.push(h);
  target.licenses = unique([...target.licenses, ...other.licenses]);
  target.scope = widerScope(target.scope, other.scope);
  if (other.properties) target.properties = { ...other.properties, ...target.properties };
}

/** A package needed at runtime anywhere is required; optional beats dev-only. */
function widerScope(a: SbomPackage['scope'], b: SbomPackage['scope']): SbomPackage['scope'] {
  const rank = (s: SbomPackage['scope']) => (s === undefined || s === 'required' ? 2 : s === 'optional' ? 1 : 0);
  return rank(a) >= rank(b) ? a : b;
}

export function unique<T>(values: T[]): T[] {
  return [...new Set(values)];
}

/** When a lockfile does not say what the root needs: every package nobody else depends on. */
export function packagesWithoutParents(packages: SbomPackage[]): string[] {
  const depended = new Set(packages.flatMap((p) => p.dependsOn));
  return unique(packages.map((p) => p.purl).filter((purl) => !depended.has(purl)));
}

/** Compare strings by UTF-16 code units: locale-independent, so output is the same on every machine. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Scope from the graph, for lockfiles without dev flags: reachable from a runtime root → required; reachable
 * only from development roots → excluded. Packages that already have a scope keep it; unreachable ones stay unset.
 */
export function applyScopeFromRoots(packages: SbomPackage[], runtimeRoots: string[], devRoots: string[]): void {
  const byPurl = new Map(packages.map((p) => [p.purl, p]));
  const reach = (roots: string[]) => {
    const seen = new Set<string>();
    const stack = [...roots];
    while (stack.length > 0) {
      const purl = stack.pop()!;
      if (seen.has(purl)) continue;
      seen.add(purl);
      appendAll(stack, byPurl.get(purl)?.dependsOn ?? []);
    }
    return seen;
  };
  const runtime = reach(runtimeRoots);
  const dev = reach(devRoots);
  for (const p of packages) {
    if (p.scope !== undefined) continue;
    if (runtime.has(p.purl)) p.scope = 'required';
    else if (dev.has(p.purl)) p.scope = 'excluded';
  }
}
