import type { X509Certificate } from 'node:crypto';
import { ASN1Obj, X509Certificate as CoreCertificate } from '@sigstore/core';
import type { SubjectAlternativeNames } from './sans.ts';

export { allSans, type SubjectAlternativeNames } from './sans.ts';

const FULCIO = '1.3.6.1.4.1.57264.1';
const OID_SAN = '2.5.29.17';

/** Fulcio extensions (https://github.com/sigstore/fulcio/blob/main/docs/oid-info.md), by name. */
export const FULCIO_EXTENSIONS = {
  issuerV1: `${FULCIO}.1`,
  githubWorkflowTrigger: `${FULCIO}.2`,
  githubWorkflowSha: `${FULCIO}.3`,
  githubWorkflowName: `${FULCIO}.4`,
  githubWorkflowRepository: `${FULCIO}.5`,
  githubWorkflowRef: `${FULCIO}.6`,
  otherName: `${FULCIO}.7`,
  issuer: `${FULCIO}.8`,
  buildSignerUri: `${FULCIO}.9`,
  buildSignerDigest: `${FULCIO}.10`,
  runnerEnvironment: `${FULCIO}.11`,
  sourceRepositoryUri: `${FULCIO}.12`,
  sourceRepositoryDigest: `${FULCIO}.13`,
  sourceRepositoryRef: `${FULCIO}.14`,
  sourceRepositoryIdentifier: `${FULCIO}.15`,
  sourceRepositoryOwnerUri: `${FULCIO}.16`,
  sourceRepositoryOwnerIdentifier: `${FULCIO}.17`,
  buildConfigUri: `${FULCIO}.18`,
  buildConfigDigest: `${FULCIO}.19`,
  buildTrigger: `${FULCIO}.20`,
  runInvocationUri: `${FULCIO}.21`,
  sourceRepositoryVisibilityAtSigning: `${FULCIO}.22`,
} as const;

export type FulcioExtensionName = keyof typeof FULCIO_EXTENSIONS;

/** The .1.1–.1.6 extensions hold raw strings; .1.7 and later hold a DER-encoded UTF8String. */
const RAW_STRING_OIDS = new Set([1, 2, 3, 4, 5, 6].map((n) => `${FULCIO}.${n}`));

/** Who a certificate says signed: SANs, OIDC issuer, and every Fulcio extension present. */
export interface CertificateIdentity {
  sans: SubjectAlternativeNames;
  /** OIDC issuer: extension .1.8 when present, else the legacy .1.1. */
  issuer?: string;
  extensions: Partial<Record<FulcioExtensionName, string>>;
}

/** Extract SANs and Fulcio claims. Malformed extensions are left out (they then cannot match a policy). */
export function extractCertificateIdentity(cert: X509Certificate): CertificateIdentity {
  const core = CoreCertificate.parse(Buffer.from(cert.raw));
  const extensions: Partial<Record<FulcioExtensionName, string>> = {};
  for (const [name, oid] of Object.entries(FULCIO_EXTENSIONS) as [FulcioExtensionName, string][]) {
    const value = readExtension(core, oid);
    if (value !== undefined) extensions[name] = value;
  }
  const issuer = extensions.issuer ?? extensions.issuerV1;
  return { sans: readSans(core), ...(issuer === undefined ? {} : { issuer }), extensions };
}

function readExtension(cert: CoreCertificate, oid: string): string | undefined {
  const ext = cert.extension(oid);
  if (!ext) return undefined;
  try {
    if (RAW_STRING_OIDS.has(oid)) return ext.value.toString('utf8');
    return ASN1Obj.parseBuffer(Buffer.from(ext.value)).value.toString('utf8');
  } catch {
    return undefined;
  }
}

function readSans(cert: CoreCertificate): SubjectAlternativeNames {
  const sans: SubjectAlternativeNames = { email: [], uri: [], dns: [], ip: [], otherName: [] };
  const ext = cert.extension(OID_SAN);
  if (!ext) return sans;
  let names: ASN1Obj[];
  try {
    names = ASN1Obj.parseBuffer(Buffer.from(ext.value)).subs;
  } catch {
    return sans;
  }
  for (const gn of names) addGeneralName(sans, gn);
  return sans;
}

function addGeneralName(sans: SubjectAlternativeNames, gn: ASN1Obj): void {
  if (!gn.tag.isContextSpecific()) return;
  switch (gn.tag.number) {
    case 0:
      pushOtherName(sans, gn);
      return;
    case 1:
      sans.email.push(gn.value.toString('utf8'));
      return;
    case 2:
      sans.dns.push(gn.value.toString('utf8'));
      return;
    case 6:
      sans.uri.push(gn.value.toString('utf8'));
      return;
    case 7:
      sans.ip.push(formatIp(gn.value));
      return;
  }
}

/** OtherName ::= SEQUENCE { type-id OID, value [0] EXPLICIT ANY } — Fulcio's value is a UTF8String. */
function pushOtherName(sans: SubjectAlternativeNames, gn: ASN1Obj): void {
  const inner = gn.subs[1]?.subs[0];
  if (inner) sans.otherName.push(inner.value.toString('utf8'));
}

function formatIp(bytes: Buffer): string {
  if (bytes.length === 4) return [...bytes].join('.');
  const groups: string[] = [];
  for (let i = 0; i + 1 < bytes.length; i += 2) groups.push(bytes.readUInt16BE(i).toString(16));
  return groups.join(':');
}
