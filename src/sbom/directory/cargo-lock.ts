/**
 * Cargo.lock: `[[package]]` name/version/source/checksum/dependencies. A dependency string is `name`,
 * `name version` or `name version (source)`. Packages without `source` are the workspace's own crates: they
 * are components, and the root depends on them. `checksum` is the SHA-256 of the .crate file → a real hash.
 */
import { cargoPurl } from '../purl.ts';
import type { SbomPackage } from '../model.ts';
import { hashFromHex } from './integrity.ts';
import { dedupeByPurl, makePackage, unique } from './package-builder.ts';
import { parseTomlFile, str, tablesOf } from './toml.ts';
import type { LockfileCataloger, LockfileInput, LockfileResult } from './types.ts';

export const cargoLockCataloger: LockfileCataloger = {
  name: 'cargo-lock',
  type: 'cargo',
  matches: (base) => base === 'Cargo.lock',
  parse: parseCargoLock,
};

export async function parseCargoLock(input: LockfileInput): Promise<LockfileResult> {
  const doc = parseTomlFile(input.path, input.text);
  if ('warning' in doc) return { packages: [], rootDependsOn: [], warnings: [doc.warning] };
  const entries = tablesOf(doc.value.package).filter((p) => str(p.name) && str(p.version));
  const byName = new Map<string, Record<string, unknown>[]>();
  for (const e of entries) byName.set(str(e.name)!, [...(byName.get(str(e.name)!) ?? []), e]);
  const purlOf = (e: Record<string, unknown>) => cargoPurl(str(e.name)!, str(e.version)!);
  const resolve = (dep: string) => {
    const [name, version] = dep.split(' ');
    const list = byName.get(name!) ?? [];
    const hit = list.find((e) => !version || e.version === version) ?? (list.length === 1 ? list[0] : undefined);
    return hit ? purlOf(hit) : undefined;
  };
  const made: SbomPackage[] = entries.map((e) => {
    const hash = hashFromHex('SHA-256', e.checksum);
    const pkg = makePackage({
      type: 'cargo', name: str(e.name)!, version: str(e.version)!, purl: purlOf(e), path: input.path, foundBy: 'cargo-lock',
      hashes: hash ? [hash] : [], properties: e.source ? {} : { 'ocisign:cargo:workspace-member': 'true' },
    });
    const deps = Array.isArray(e.dependencies) ? e.dependencies.filter((d): d is string => typeof d === 'string') : [];
    pkg.dependsOn = unique(deps.map(resolve).filter((p): p is string => !!p));
    return pkg;
  });
  const rootDependsOn = unique(entries.filter((e) => !e.source).map(purlOf));
  return { packages: dedupeByPurl(made), rootDependsOn, warnings: [] };
}
