import { createHash, X509Certificate } from 'node:crypto';
import { ByteStream, EXTENSION_OID_SCT, X509Certificate as CoreCertificate, X509SCTExtension } from '@sigstore/core';
import { fail, pass, type Check } from './check.ts';
import { splitPem } from './pem.ts';
import { isValidAt, type CertificateAuthority, type TransparencyLog } from './trusted-root.ts';

const EKU_CODE_SIGNING = '1.3.6.1.5.5.7.3.3';
const EKU_ANY = '2.5.29.37.0';
const MAX_CHAIN_DEPTH = 10;

/** Parse the certificates of a PEM annotation (`dev.sigstore.cosign/certificate` or `…/chain`). */
export function parseCertificates(pem: string, what: string): Check<X509Certificate[]> {
  const blocks = splitPem(pem).filter((b) => b.label === 'CERTIFICATE');
  if (blocks.length === 0) return fail(`${what}: no PEM certificate found`);
  try {
    return pass(blocks.map((b) => new X509Certificate(b.der)));
  } catch (err) {
    return fail(`${what}: unparseable certificate (${(err as Error).message})`);
  }
}

/** True when `cert` is within its notBefore..notAfter at `at` (both inclusive). */
export function certificateValidAt(cert: X509Certificate, at: Date): boolean {
  return cert.validFromDate.getTime() <= at.getTime() && at.getTime() <= cert.validToDate.getTime();
}

/**
 * Verify `leaf` up to a certificate of a trusted authority valid at `at`, using `untrusted`
 * (chain annotation) and the authorities' own certificates as intermediates. Every certificate on
 * the path must be valid at `at` (the observed time: integratedTime or TSA time, never "now" when
 * one exists). Returns the path, leaf first, trusted certificate last.
 */
export function verifyCertificateChain(
  leaf: X509Certificate,
  untrusted: X509Certificate[],
  authorities: CertificateAuthority[],
  at: Date,
): Check<X509Certificate[]> {
  const anchors = authorities.filter((ca) => isValidAt(ca.validFor, at)).flatMap((ca) => ca.certificates);
  if (anchors.length === 0) return fail(`no trusted certificate authority is valid at ${at.toISOString()}`);
  const path = buildPath(leaf, untrusted, new Set(anchors.map(fingerprint)), anchors, [leaf]);
  if (!path) return fail(`certificate chain of ${describeCert(leaf)} does not lead to a trusted root`);
  const expired = path.find((c) => !certificateValidAt(c, at));
  if (expired) {
    return fail(
      `certificate ${describeCert(expired)} is not valid at ${at.toISOString()} (valid ${expired.validFromDate.toISOString()} to ${expired.validToDate.toISOString()})`,
    );
  }
  return pass(path);
}

function buildPath(
  cur: X509Certificate,
  pool: X509Certificate[],
  anchorPrints: Set<string>,
  anchors: X509Certificate[],
  path: X509Certificate[],
): X509Certificate[] | undefined {
  if (path.length > 1 && anchorPrints.has(fingerprint(cur))) return path;
  if (path.length > MAX_CHAIN_DEPTH) return undefined;
  for (const cand of [...anchors, ...pool]) {
    if (path.some((p) => fingerprint(p) === fingerprint(cand))) continue;
    if (!cand.ca || !cur.checkIssued(cand) || !cur.verify(cand.publicKey)) continue;
    const found = buildPath(cand, pool, anchorPrints, anchors, [...path, cand]);
    if (found) return found;
  }
  return undefined;
}

function fingerprint(cert: X509Certificate): string {
  return cert.fingerprint256;
}

function describeCert(cert: X509Certificate): string {
  const subject = (cert.subject ?? '').replace(/\n/g, ', ');
  return subject ? `"${subject}"` : `serial ${cert.serialNumber.toLowerCase()}`;
}

/**
 * The leaf must allow code signing (cosign verifies the chain with ExtKeyUsageCodeSigning). As in
 * Go's x509, a certificate without the extension, or with anyExtendedKeyUsage, allows every usage.
 */
export function checkCodeSigning(leaf: X509Certificate): Check<true> {
  const eku = leaf.keyUsage;
  if (eku !== undefined && !eku.includes(EKU_CODE_SIGNING) && !eku.includes(EKU_ANY)) {
    return fail(`certificate ${describeCert(leaf)} is not valid for code signing (extended key usage)`);
  }
  return pass(true);
}

/**
 * Verify the SCTs embedded in `leaf` (OID 1.3.6.1.4.1.11129.2.4.2) against the CT logs, rebuilding
 * the RFC 6962 precertificate entry with @sigstore/core's DER codec. Passes with the number of
 * SCTs verified; at least one is required.
 */
export function verifyEmbeddedScts(leaf: X509Certificate, issuer: X509Certificate, ctlogs: TransparencyLog[]): Check<number> {
  let clone: CoreCertificate;
  try {
    clone = CoreCertificate.parse(Buffer.from(leaf.raw));
  } catch (err) {
    return fail(`certificate: cannot parse for SCT check (${(err as Error).message})`);
  }
  const index = clone.extensions.findIndex((ext) => ext.subs[0]?.toOID() === EXTENSION_OID_SCT);
  if (index < 0) return fail('certificate has no embedded SCT');
  let scts;
  try {
    scts = new X509SCTExtension(clone.extensions[index]!).signedCertificateTimestamps;
  } catch (err) {
    return fail(`certificate SCT extension is malformed (${(err as Error).message})`);
  }
  if (scts.length === 0) return fail('certificate has an empty SCT list');
  clone.extensions.splice(index, 1);
  const tbs = clone.tbsCertificate.toDER();
  const preCert = new ByteStream();
  preCert.appendView(createHash('sha256').update(issuer.publicKey.export({ format: 'der', type: 'spki' })).digest());
  preCert.appendUint24(tbs.length);
  preCert.appendView(tbs);
  let verified = 0;
  for (const sct of scts) {
    const logs = ctlogs.filter((log) => log.logId.equals(sct.logID) && isValidAt(log.validFor, sct.datetime));
    if (logs.some((log) => safeVerify(() => sct.verify(preCert.buffer, log.publicKey)))) verified++;
  }
  if (verified === 0) {
    const ids = scts.map((s) => s.logID.toString('hex')).join(', ');
    return fail(`no embedded SCT verifies with a trusted CT log (SCT log IDs ${ids})`);
  }
  return pass(verified);
}

function safeVerify(f: () => boolean): boolean {
  try {
    return f();
  } catch {
    return false;
  }
}
