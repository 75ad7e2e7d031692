/**
 * Sbom → the CycloneDX library's model (`Models.Bom`). bom-refs: packages use their purl; the subject its
 * purl (or `ocisign:subject:<name>`); the OS `ocisign:os:<id>@<version>`; lockfiles `ocisign:application:<path>`.
 * Properties (ocisign namespace): `ocisign:package:foundBy`, `ocisign:location:path` (one per location),
 * `ocisign:layer:digest` (the first layer the package appears in), plus each package's own properties.
 */
import * as Enums from '@cyclonedx/cyclonedx-library/Enums';
import * as Models from '@cyclonedx/cyclonedx-library/Models';
import type { Sbom, SbomPackage } from '../model.ts';
import { compareStrings } from '../directory/package-builder.ts';
import { buildBomGraph, type BomGraph } from './bom-graph.ts';
import { toCdxLicenses } from './licenses.ts';

export interface CdxModelOptions {
  toolVersion: string;
  /** Written as metadata.timestamp; omitted when undefined. */
  timestamp?: Date;
}

const HASH_ALGS = new Set<string>(Object.values(Enums.HashAlgorithm));

export function buildCdxBom(sbom: Sbom, options: CdxModelOptions): { bom: Models.Bom; graph: BomGraph } {
  const graph = buildBomGraph(sbom);
  const bom = new Models.Bom();
  bom.metadata.timestamp = options.timestamp;
  bom.metadata.tools.components.add(toolComponent(options.toolVersion));
  bom.metadata.lifecycles.add(sbom.subject.kind === 'container' ? Enums.LifecyclePhase.PostBuild : Enums.LifecyclePhase.PreBuild);
  const root = rootComponent(sbom, graph.rootRef);
  bom.metadata.component = root;
  const byRef = new Map<string, Models.Component>([[graph.rootRef, root]]);
  if (sbom.os && graph.osRef) {
    const os = new Models.Component(Enums.ComponentType.OperatingSystem, sbom.os.id, {
      bomRef: graph.osRef, version: sbom.os.versionId, description: sbom.os.prettyName,
    });
    if (sbom.os.location) addLocation(os, sbom.os.location);
    bom.components.add(os);
    byRef.set(graph.osRef, os);
  }
  for (const app of sbom.applications ?? []) {
    const ref = graph.applicationRefs.get(app.name)!;
    const c = new Models.Component(Enums.ComponentType.Application, app.name, { bomRef: ref });
    c.properties.add(new Models.Property('ocisign:package:foundBy', app.foundBy));
    c.properties.add(new Models.Property('ocisign:application:type', app.type));
    bom.components.add(c);
    byRef.set(ref, c);
  }
  for (const p of graph.packages) {
    const c = packageComponent(p);
    bom.components.add(c);
    byRef.set(p.purl, c);
  }
  for (const node of graph.nodes) {
    const from = byRef.get(node.ref);
    for (const to of node.dependsOn) {
      const target = byRef.get(to);
      if (from && target) from.dependencies.add(target.bomRef);
    }
  }
  return { bom, graph };
}

function toolComponent(version: string): Models.Component {
  return new Models.Component(Enums.ComponentType.Application, 'ocisign', {
    version, bomRef: 'ocisign:tool', purl: `pkg:npm/ocisign@${version}`,
  });
}

function rootComponent(sbom: Sbom, ref: string): Models.Component {
  const s = sbom.subject;
  const type = s.kind === 'container' ? Enums.ComponentType.Container : Enums.ComponentType.Application;
  const c = new Models.Component(type, s.name, { bomRef: ref, version: s.version, purl: s.purl });
  const hex = s.digest?.startsWith('sha256:') ? s.digest.slice(7) : undefined;
  if (hex) c.hashes.set(Enums.HashAlgorithm['SHA-256'], hex);
  if (s.platform) c.properties.add(new Models.Property('ocisign:image:platform', s.platform));
  (s.layers ?? []).forEach((d, i) => c.properties.add(new Models.Property(`ocisign:image:layer:${String(i).padStart(3, '0')}`, d)));
  return c;
}

function packageComponent(p: SbomPackage): Models.Component {
  const c = new Models.Component(Enums.ComponentType.Library, p.name, {
    bomRef: p.purl, purl: p.purl, group: p.namespace, version: p.version || undefined, description: p.description,
  });
  if (p.scope) c.scope = p.scope as Enums.ComponentScope;
  for (const h of p.hashes) if (HASH_ALGS.has(h.alg)) c.hashes.set(h.alg as Enums.HashAlgorithm, h.content);
  for (const l of toCdxLicenses(p.licenses)) c.licenses.add(l);
  c.properties.add(new Models.Property('ocisign:package:foundBy', p.foundBy));
  for (const loc of p.locations) addLocation(c, loc);
  const first = p.locations.find((l) => l.layerDigest);
  if (first?.layerDigest) c.properties.add(new Models.Property('ocisign:layer:digest', first.layerDigest));
  for (const [name, value] of Object.entries(p.properties ?? {}).sort((a, b) => compareStrings(a[0], b[0]))) {
    c.properties.add(new Models.Property(name, value));
  }
  return c;
}

function addLocation(c: Models.Component, loc: { path: string }): void {
  c.properties.add(new Models.Property('ocisign:location:path', loc.path));
}
