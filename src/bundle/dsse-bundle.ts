/**
 * A Sigstore bundle v0.3 with a DSSE envelope, serialised as protobuf JSON (lowerCamel names, int64 as
 * strings, bytes as standard base64) — what cosign 3 and actions/attest write. Built here (not through
 * @sigstore/bundle's protobuf classes) to keep `sign --key` light; tests parse every bundle back with
 * @sigstore/bundle and verify it with @sigstore/verify.
 */
import { createHash, type KeyObject } from 'node:crypto';
import { IN_TOTO_PAYLOAD_TYPE, formatEnvelope, preAuthEncoding } from '../attest/envelope.ts';
import type { Signer } from '../sign/signer.ts';
import { BUNDLE_V03_MEDIA_TYPE } from './media-types.ts';

/** A transparency-log entry as protobuf JSON (`TransparencyLogEntry`). */
export interface TlogEntryJson {
  logIndex: string;
  logId: { keyId: string };
  kindVersion: { kind: string; version: string };
  integratedTime: string;
  inclusionPromise?: { signedEntryTimestamp: string };
  inclusionProof?: { logIndex: string; rootHash: string; treeSize: string; hashes: string[]; checkpoint: { envelope: string } };
  canonicalizedBody: string;
}

/** What the services gave for one signature: log entries and RFC 3161 timestamps (base64 DER). */
export interface Witnessed {
  tlogEntries: TlogEntryJson[];
  rfc3161Timestamps: string[];
}

/**
 * Records a signed envelope (Rekor dsse entry, TSA timestamp over the signature bytes). `envelope` is the DSSE
 * JSON proposed to Rekor. Throws when a service that was asked for fails: nothing is stored without its claims.
 */
export type BundleWitness = (signed: { envelope: Uint8Array; signature: Uint8Array }) => Promise<Witnessed>;

/** Who verifies the signature: a key (found by its hint) or a Fulcio certificate (DER). */
export type VerificationMaterial = { publicKey: KeyObject } | { certificate: Uint8Array };

export interface DsseBundleInput {
  statement: Uint8Array;
  signer: Signer;
  material: VerificationMaterial;
  witness?: BundleWitness;
}

/** cosign's key hint: base64 (standard) of the SHA-256 of the public key's SPKI DER. */
export function publicKeyHint(key: KeyObject): string {
  return createHash('sha256').update(key.export({ format: 'der', type: 'spki' })).digest('base64');
}

/** Sign the statement over DSSE PAE, have it witnessed, and return the bundle JSON bytes. */
export async function signDsseBundle(input: DsseBundleInput): Promise<{ bundle: Uint8Array; signature: Uint8Array }> {
  const signature = await input.signer.sign(preAuthEncoding(IN_TOTO_PAYLOAD_TYPE, input.statement));
  const witnessed = input.witness ? await input.witness({ envelope: formatEnvelope(IN_TOTO_PAYLOAD_TYPE, input.statement, signature), signature }) : undefined;
  const b64 = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
  const verificationMaterial: Record<string, unknown> = 'certificate' in input.material
    ? { certificate: { rawBytes: b64(input.material.certificate) } }
    : { publicKey: { hint: publicKeyHint(input.material.publicKey) } };
  if (witnessed && witnessed.tlogEntries.length > 0) verificationMaterial.tlogEntries = witnessed.tlogEntries;
  if (witnessed && witnessed.rfc3161Timestamps.length > 0) {
    verificationMaterial.timestampVerificationData = { rfc3161Timestamps: witnessed.rfc3161Timestamps.map((t) => ({ signedTimestamp: t })) };
  }
  const bundle = {
    mediaType: BUNDLE_V03_MEDIA_TYPE,
    verificationMaterial,
    dsseEnvelope: { payload: b64(input.statement), payloadType: IN_TOTO_PAYLOAD_TYPE, signatures: [{ sig: b64(signature) }] },
  };
  return { bundle: new TextEncoder().encode(JSON.stringify(bundle)), signature };
}
