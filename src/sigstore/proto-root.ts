import type { KeyObject } from 'node:crypto';
import { TrustedRoot as ProtoTrustedRoot } from '@sigstore/protobuf-specs';
import type { CertificateAuthority, TransparencyLog, TrustedRoot, ValidityWindow } from './trusted-root.ts';

/** The protobuf TrustedRoot of trust material built from loose files, for `@sigstore/verify`. */
export function buildProtoTrustedRoot(root: TrustedRoot): ProtoTrustedRoot {
  return ProtoTrustedRoot.fromJSON({
    mediaType: root.mediaType,
    tlogs: root.tlogs.map(logJson),
    ctlogs: root.ctlogs.map(logJson),
    certificateAuthorities: root.certificateAuthorities.map(authorityJson),
    timestampAuthorities: root.timestampAuthorities.map(authorityJson),
  });
}

function windowJson(w: ValidityWindow): Record<string, string> {
  return w.end ? { start: w.start.toISOString(), end: w.end.toISOString() } : { start: w.start.toISOString() };
}

function logJson(log: TransparencyLog): unknown {
  const { rawBytes, keyDetails } = keyJson(log.publicKey);
  return {
    baseUrl: log.baseUrl,
    hashAlgorithm: 'SHA2_256',
    publicKey: { rawBytes, keyDetails, validFor: windowJson(log.validFor) },
    logId: { keyId: log.logId.toString('base64') },
  };
}

/** @sigstore/verify reads PKIX_RSA_* keys as PKCS#1 and everything else as SPKI. */
function keyJson(key: KeyObject): { rawBytes: string; keyDetails: string } {
  if (key.asymmetricKeyType === 'rsa') {
    return { rawBytes: key.export({ format: 'der', type: 'pkcs1' }).toString('base64'), keyDetails: 'PKIX_RSA_PKCS1V5' };
  }
  const keyDetails = key.asymmetricKeyType === 'ed25519' ? 'PKIX_ED25519' : 'PKIX_ECDSA_P256_SHA_256';
  return { rawBytes: key.export({ format: 'der', type: 'spki' }).toString('base64'), keyDetails };
}

function authorityJson(ca: CertificateAuthority): unknown {
  return {
    uri: ca.uri,
    certChain: { certificates: ca.certificates.map((c) => ({ rawBytes: Buffer.from(c.raw).toString('base64') })) },
    validFor: windowJson(ca.validFor),
  };
}
