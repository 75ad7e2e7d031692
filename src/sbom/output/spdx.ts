/**
 * SPDX 2.3 JSON of an Sbom (ocisign's own small writer): one package per component plus the subject, the OS
 * and each application; DESCRIBES from the document to the subject, DEPENDS_ON for every graph edge.
 * SPDXIDs are derived from the bom-ref (readable part + 8 hex of its SHA-256), so they are stable.
 * `validateSpdx` checks the fields SPDX 2.3 requires and that every relationship resolves.
 */
import { createHash } from 'node:crypto';
import { OcisignError } from '../../core/errors.ts';
import type { Sbom, SbomPackage } from '../model.ts';
import { compareStrings } from '../directory/package-builder.ts';
import { buildBomGraph } from './bom-graph.ts';
import { spdxIdOf } from './licenses.ts';
import { SERIAL_PLACEHOLDER, deterministicSerial, randomSerial } from './serial.ts';

export interface SpdxWriteOptions {
  toolVersion: string;
  /** creationInfo.created (required by SPDX); the Unix epoch when undefined. */
  timestamp?: Date;
  deterministic?: boolean;
}

type Json = Record<string, unknown>;

const SPDX_ALGS: Record<string, string> = { 'SHA-1': 'SHA1', 'SHA-256': 'SHA256', 'SHA-384': 'SHA384', 'SHA-512': 'SHA512', MD5: 'MD5' };

export function writeSpdx(sbom: Sbom, options: SpdxWriteOptions): string {
  const graph = buildBomGraph(sbom);
  const idOf = (ref: string) => spdxId(ref);
  const packages: Json[] = [subjectPackage(sbom, idOf(graph.rootRef))];
  if (sbom.os && graph.osRef) {
    packages.push(basePackage(idOf(graph.osRef), sbom.os.id, sbom.os.versionId, 'OPERATING-SYSTEM'));
  }
  for (const [name, ref] of graph.applicationRefs) packages.push(basePackage(idOf(ref), name, undefined, 'APPLICATION'));
  for (const p of graph.packages) packages.push(packageOf(p, idOf(p.purl)));
  packages.sort((a, b) => compareStrings(String(a.SPDXID), String(b.SPDXID)));
  const relationships: Json[] = [{ spdxElementId: 'SPDXRef-DOCUMENT', relationshipType: 'DESCRIBES', relatedSpdxElement: idOf(graph.rootRef) }];
  for (const node of graph.nodes) {
    for (const to of node.dependsOn) relationships.push({ spdxElementId: idOf(node.ref), relationshipType: 'DEPENDS_ON', relatedSpdxElement: idOf(to) });
  }
  const doc: Json = {
    spdxVersion: 'SPDX-2.3',
    dataLicense: 'CC0-1.0',
    SPDXID: 'SPDXRef-DOCUMENT',
    name: sbom.subject.name,
    documentNamespace: `https://spdx.org/spdxdocs/ocisign/${SERIAL_PLACEHOLDER.slice(9)}`,
    creationInfo: {
      created: (options.timestamp ?? new Date(0)).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      creators: [`Tool: ocisign-${options.toolVersion}`],
    },
    packages,
    relationships,
  };
  if (sbom.warnings.length > 0) doc.comment = `incomplete: ${sbom.warnings.length} warning(s) while cataloging`;
  const text = `${JSON.stringify(doc, null, 2)}\n`;
  const serial = (options.deterministic ? deterministicSerial(text) : randomSerial()).slice(9);
  const final = text.replace(SERIAL_PLACEHOLDER.slice(9), serial);
  validateSpdx(JSON.parse(final) as Json);
  return final;
}

function spdxId(ref: string): string {
  const readable = ref.replace(/^pkg:/, '').replace(/[^A-Za-z0-9.-]+/g, '-').slice(0, 80).replace(/-+$/, '');
  return `SPDXRef-${readable}-${createHash('sha256').update(ref).digest('hex').slice(0, 8)}`;
}

function basePackage(id: string, name: string, version: string | undefined, purpose: string): Json {
  const p: Json = {
    SPDXID: id, name, downloadLocation: 'NOASSERTION', filesAnalyzed: false,
    licenseConcluded: 'NOASSERTION', licenseDeclared: 'NOASSERTION', copyrightText: 'NOASSERTION', primaryPackagePurpose: purpose,
  };
  if (version) p.versionInfo = version;
  return p;
}

function subjectPackage(sbom: Sbom, id: string): Json {
  const s = sbom.subject;
  const p = basePackage(id, s.name, s.version, s.kind === 'container' ? 'CONTAINER' : 'APPLICATION');
  if (s.purl) p.externalRefs = [{ referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: s.purl }];
  if (s.digest?.startsWith('sha256:')) p.checksums = [{ algorithm: 'SHA256', checksumValue: s.digest.slice(7) }];
  return p;
}

function packageOf(pkg: SbomPackage, id: string): Json {
  const p = basePackage(id, pkg.namespace ? `${pkg.namespace}/${pkg.name}` : pkg.name, pkg.version || undefined, 'LIBRARY');
  p.externalRefs = [{ referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: pkg.purl }];
  const checksums = pkg.hashes.filter((h) => SPDX_ALGS[h.alg]).map((h) => ({ algorithm: SPDX_ALGS[h.alg], checksumValue: h.content }));
  if (checksums.length > 0) p.checksums = checksums;
  p.licenseDeclared = declaredLicense(pkg.licenses);
  if (pkg.description) p.description = pkg.description;
  return p;
}

/** SPDX ids joined with AND, or a single expression; anything that is not SPDX → NOASSERTION. */
function declaredLicense(values: string[]): string {
  const unique = [...new Set(values.map((v) => v.trim()).filter(Boolean))];
  if (unique.length === 0) return 'NOASSERTION';
  const ids = unique.map(spdxIdOf);
  if (ids.every((i) => i !== undefined)) return ids.join(' AND ');
  if (unique.length === 1 && /^[A-Za-z0-9.+\-() ]+$/.test(unique[0]!) && /\s(AND|OR)\s/.test(unique[0]!)) return unique[0]!;
  return 'NOASSERTION';
}

const REQUIRED_DOC = ['spdxVersion', 'dataLicense', 'SPDXID', 'name', 'documentNamespace', 'creationInfo'];
const REQUIRED_PKG = ['SPDXID', 'name', 'downloadLocation'];

/** Throws INTERNAL when a required SPDX 2.3 field is missing, an SPDXID is malformed/duplicated, or a relationship dangles. */
export function validateSpdx(doc: Json): void {
  const fail = (why: string) => { throw new OcisignError('INTERNAL', `validating the SPDX 2.3 document: ${why}`); };
  for (const f of REQUIRED_DOC) if (doc[f] === undefined) fail(`missing ${f}`);
  if (doc.spdxVersion !== 'SPDX-2.3' || doc.dataLicense !== 'CC0-1.0') fail('wrong spdxVersion or dataLicense');
  const info = doc.creationInfo as Json;
  if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(String(info.created)) || !Array.isArray(info.creators) || info.creators.length === 0) fail('bad creationInfo');
  const ids = new Set<string>(['SPDXRef-DOCUMENT']);
  for (const p of (doc.packages as Json[]) ?? []) {
    for (const f of REQUIRED_PKG) if (p[f] === undefined) fail(`package ${String(p.SPDXID)}: missing ${f}`);
    if (!/^SPDXRef-[A-Za-z0-9.-]+$/.test(String(p.SPDXID))) fail(`bad SPDXID ${String(p.SPDXID)}`);
    if (ids.has(String(p.SPDXID))) fail(`duplicate SPDXID ${String(p.SPDXID)}`);
    ids.add(String(p.SPDXID));
  }
  for (const r of (doc.relationships as Json[]) ?? []) {
    if (!ids.has(String(r.spdxElementId)) || !ids.has(String(r.relatedSpdxElement))) fail(`relationship to an unknown element ${String(r.relatedSpdxElement)}`);
  }
}
