// Sigstore-side helpers over the shared interop vectors; loading and the case → suite mapping live in
// test/helpers/interop-cases.ts.
import { decodeBase64 } from '../../src/sigstore/pem.ts';
import { compileIdentityPolicy, type CompiledIdentityPolicy } from '../../src/verify/identity.ts';
import { buildTrustedRoot, parseTrustedRoot, type TrustedRoot } from '../../src/sigstore/trusted-root.ts';
import { interopBytes, interopText, type CaseTrust } from '../helpers/interop-cases.ts';

export { ABSENT_REASON, INTEROP_DIR, INTEROP_PRESENT, type CaseTrust, type InteropCase } from '../helpers/interop-cases.ts';
export const fixture = interopBytes;
export const fixtureText = interopText;

/** One `.sig` layer as the tests handle it: media type, exact payload, decoded signature, annotations. */
export interface SignatureLayer {
  mediaType: string;
  payload: Buffer;
  signature: Buffer;
  annotations: Record<string, string>;
}

/** A containers/image "dir" signature blob (`\0sigstore-json\n` + JSON) as a cosign .sig layer. */
export function readDirSignature(path: string): SignatureLayer {
  const bytes = fixture(path);
  const prefix = '\x00sigstore-json\n';
  if (bytes.subarray(0, prefix.length).toString('latin1') !== prefix) throw new Error(`${path}: not a sigstore-json blob`);
  const blob = JSON.parse(bytes.subarray(prefix.length).toString('utf8')) as {
    mimeType: string;
    payload: string;
    annotations: Record<string, string>;
  };
  const signature = decodeBase64(blob.annotations['dev.cosignproject.cosign/signature'] ?? '') ?? Buffer.alloc(0);
  return { payload: Buffer.from(blob.payload, 'base64'), signature, annotations: { ...blob.annotations }, mediaType: blob.mimeType };
}

/** The case's trust as one TrustedRoot: a trusted_root.json, plus loose roots/intermediates/Rekor keys. */
export function trustFor(trust: CaseTrust): TrustedRoot {
  const loose = buildTrustedRoot({
    caRoots: [...(trust.fulcioRoots ?? []), ...(trust.caRoots ?? [])].map(fixtureText),
    caIntermediates: (trust.caIntermediates ?? []).map(fixtureText),
    rekorKeys: (trust.rekorPublicKeys ?? []).map(fixtureText),
  });
  if (!trust.trustedRoot) return loose;
  const root = parseTrustedRoot(fixture(trust.trustedRoot), trust.trustedRoot);
  return {
    ...root,
    tlogs: [...root.tlogs, ...loose.tlogs],
    certificateAuthorities: [...root.certificateAuthorities, ...loose.certificateAuthorities],
  };
}

/** The case's identity as cosign flags: one policy per SAN kind given (any may match). */
export function identitiesFor(trust: CaseTrust): CompiledIdentityPolicy[] {
  if (trust.certificateIdentityRegexp !== undefined) {
    return [
      compileIdentityPolicy({
        subjectRegExp: trust.certificateIdentityRegexp,
        ...(trust.oidcIssuerRegexp !== undefined ? { issuerRegExp: trust.oidcIssuerRegexp } : {}),
      }),
    ];
  }
  const id = trust.certificateIdentity;
  if (!id) return [];
  const subjects = [id.email, id.uri, id.hostname].filter((s): s is string => s !== undefined);
  return subjects.map((subject) => compileIdentityPolicy({ subject, ...(id.oidcIssuer ? { issuer: id.oidcIssuer } : {}) }));
}
