/**
 * The signature step: does the signature verify over what it signs (the payload, the artifact, or a DSSE
 * envelope's PAE) with the signer's key? Key-based checks go through ocisign's `Verifier` (every key kind:
 * files, KMS, PKCS#11; ECDSA with SHA-256 or the curve's own hash; Ed25519 and Ed25519ph); certificate keys
 * through the same rules. It plugs into `@sigstore/verify` as the entity's signature content, so the log body
 * checks there compare against the same signature bytes.
 */
import type { KeyObject } from 'node:crypto';
import type { SignedEntity } from '@sigstore/verify';
import { preAuthEncoding } from '../attest/envelope.ts';
import type { Evidence } from './evidence.ts';
import { KeyVerifier } from '../sign/key-signer.ts';
import type { Verifier } from '../sign/signer.ts';
import { verifyOverSha256Digest } from './signature-over-digest.ts';

type SignatureContent = SignedEntity['signature'];

/**
 * `content` with its verifySignature replaced: `verifier` when given, else a verifier over the key it is handed.
 * Without the signed bytes, a message signature is checked over its SHA-256 `digest` (signature-over-digest.ts).
 */
export function withSignatureCheck(
  content: SignatureContent,
  signed: () => Uint8Array | undefined,
  verifier?: Verifier,
  digest?: Uint8Array,
  timestamped?: Uint8Array,
): SignatureContent {
  return {
    // @sigstore/verify reads `signature` only as the bytes an RFC 3161 timestamp covers (see Evidence.timestamped)
    signature: timestamped ? Buffer.from(timestamped) : content.signature,
    compareSignature: (s) => content.compareSignature(s),
    compareDigest: (d) => content.compareDigest(d),
    compareSignedDigest: (d) => content.compareSignedDigest(d),
    verifySignature: (key: KeyObject) => {
      const data = signed();
      if (content.signature.length === 0) return false;
      if (data === undefined) return digest !== undefined && verifyOverSha256Digest(verifier?.publicKey ?? key, digest, content.signature);
      try {
        return (verifier ?? new KeyVerifier(key)).verify(data, content.signature);
      } catch {
        return false;
      }
    },
  };
}

/** The signature bytes of the evidence (a DSSE envelope's first signature: evidence carries one each). */
export function signatureBytes(e: Evidence): Buffer {
  const c = e.bundle.content;
  return c.$case === 'dsseEnvelope' ? (c.dsseEnvelope.signatures[0]?.sig ?? Buffer.alloc(0)) : c.messageSignature.signature;
}

/** The bytes the signature covers: the artifact (message signature) or the DSSE PAE. */
export function signedBytes(e: Evidence): Uint8Array | undefined {
  if (e.bundle.content.$case === 'dsseEnvelope') {
    const env = e.bundle.content.dsseEnvelope;
    return preAuthEncoding(env.payloadType, env.payload);
  }
  return e.artifact;
}

/** The signature step on its own: does the evidence's signature verify with `key` (through `verifier` when given)? */
export function verifySignature(e: Evidence, key: KeyObject, verifier?: Verifier): boolean {
  const signature = signatureBytes(e);
  if (signature.length === 0) return false;
  const data = signedBytes(e);
  if (data === undefined) {
    const c = e.bundle.content;
    return c.$case === 'messageSignature' && c.messageSignature.messageDigest.algorithm === 1 && verifyOverSha256Digest(key, c.messageSignature.messageDigest.digest, signature);
  }
  try {
    return (verifier ?? new KeyVerifier(key)).verify(data, signature);
  } catch {
    return false;
  }
}
