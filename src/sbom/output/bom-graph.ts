/**
 * The component graph of an SBOM, independent of the wire format: every node with a stable bom-ref, and
 * edges root → OS → OS packages, root → application → its direct dependencies, root → loose packages.
 */
import { appendAll, type Sbom, type SbomPackage } from '../model.ts';
import { compareStrings } from '../directory/package-builder.ts';

export const OS_PACKAGE_TYPES = new Set(['deb', 'apk', 'rpm', 'alpm']);

export interface GraphNode {
  ref: string;
  dependsOn: string[];
}

export interface BomGraph {
  rootRef: string;
  osRef?: string;
  /** Packages, deduped, sorted by purl; a package whose purl equals the root's is folded into the root. */
  packages: SbomPackage[];
  applicationRefs: Map<string, string>;
  /** One entry per node (root, OS, applications, packages), sorted by ref; dependsOn sorted and unique. */
  nodes: GraphNode[];
}

export function buildBomGraph(sbom: Sbom): BomGraph {
  const rootRef = sbom.subject.purl ?? `ocisign:subject:${sbom.subject.name}`;
  const folded = sbom.packages.filter((p) => p.purl === rootRef);
  const packages = sbom.packages.filter((p) => p.purl !== rootRef).sort((a, b) => compareStrings(a.purl, b.purl));
  const known = new Set(packages.map((p) => p.purl));
  const keep = (refs: string[], self: string) => [...new Set(refs.filter((r) => r !== self && known.has(r)))].sort(compareStrings);
  const nodes: GraphNode[] = [];
  const rootDeps: string[] = folded.flatMap((p) => p.dependsOn);
  let osRef: string | undefined;
  const osPackages = packages.filter((p) => OS_PACKAGE_TYPES.has(p.type));
  if (sbom.os) {
    osRef = `ocisign:os:${sbom.os.id}${sbom.os.versionId ? `@${sbom.os.versionId}` : ''}`;
    nodes.push({ ref: osRef, dependsOn: keep(osPackages.map((p) => p.purl), osRef) });
    rootDeps.push(osRef);
  }
  const applicationRefs = new Map<string, string>();
  for (const app of sbom.applications ?? []) {
    const ref = `ocisign:application:${app.name}`;
    applicationRefs.set(app.name, ref);
    nodes.push({ ref, dependsOn: keep(app.dependsOn, ref) });
    rootDeps.push(ref);
  }
  if (!sbom.applications) appendAll(rootDeps, looseTops(packages, sbom.os !== undefined));
  for (const p of packages) nodes.push({ ref: p.purl, dependsOn: keep(p.dependsOn, p.purl) });
  const extra = new Set([rootRef, ...(osRef ? [osRef] : []), ...applicationRefs.values()]);
  nodes.push({ ref: rootRef, dependsOn: [...new Set(rootDeps.filter((r) => r !== rootRef && (known.has(r) || extra.has(r))))].sort(compareStrings) });
  nodes.sort((a, b) => compareStrings(a.ref, b.ref));
  return { rootRef, osRef, packages, applicationRefs, nodes };
}

/** Image scans: non-OS packages no other package depends on hang off the root (OS packages hang off the OS). */
function looseTops(packages: SbomPackage[], hasOs: boolean): string[] {
  const depended = new Set(packages.flatMap((p) => p.dependsOn));
  return packages.filter((p) => !depended.has(p.purl) && !(hasOs && OS_PACKAGE_TYPES.has(p.type))).map((p) => p.purl);
}
