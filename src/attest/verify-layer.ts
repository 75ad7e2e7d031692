import { CosignMediaType } from '../cosign/media-types.ts';
import { parseDsseEnvelope } from '../sigstore/dsse.ts';
import type { Verifier } from '../sign/signer.ts';
import type { TlogCheck } from '../verify/tlog-check.ts';
import { IN_TOTO_PAYLOAD_TYPE, preAuthEncoding } from './envelope.ts';
import { parseStatement, subjectNamesDigest, type Statement } from './statement.ts';

/** One `.att` layer as stored: media type, the envelope bytes, the descriptor's annotations. */
export interface AttestationLayerInput {
  mediaType: string;
  envelope: Uint8Array;
  annotations: Readonly<Record<string, string>>;
}

export interface AttestationCheck {
  /** The image digest the statement's subject must name. */
  digest: string;
  /** Trusted keys; any one verifying the envelope is enough. */
  verifiers: readonly Verifier[];
  tlog: TlogCheck;
}

export type AttestationVerdict =
  | { ok: true; statement: Statement; payload: Uint8Array }
  | { ok: false; reason: string; predicateType?: string };

/**
 * Check one attestation: DSSE media type, payloadType, a signature over PAE of the exact payload bytes, an
 * in-toto statement whose subject names the image digest, then the tlog rule. A failure is a verdict.
 */
export function verifyAttestationLayer(layer: AttestationLayerInput, check: AttestationCheck): AttestationVerdict {
  if (layer.mediaType !== CosignMediaType.DsseEnvelope) return { ok: false, reason: `unknown layer media type ${layer.mediaType} (want ${CosignMediaType.DsseEnvelope})` };
  const parsed = parseDsseEnvelope(layer.envelope);
  if (!parsed.ok) return { ok: false, reason: parsed.reason };
  const env = parsed.value;
  if (env.payloadType !== IN_TOTO_PAYLOAD_TYPE) return { ok: false, reason: `DSSE payloadType ${JSON.stringify(env.payloadType)} is not ${IN_TOTO_PAYLOAD_TYPE}` };
  const pae = preAuthEncoding(env.payloadType, env.payload);
  const signature = env.signatures.find((s) => check.verifiers.some((v) => safeVerify(v, pae, s.sig)));
  if (!signature) {
    return { ok: false, reason: check.verifiers.length === 1 ? 'DSSE signature does not verify with the public key' : `DSSE signature does not verify with any of the ${check.verifiers.length} public keys` };
  }
  const payload = new Uint8Array(env.payload.buffer, env.payload.byteOffset, env.payload.byteLength);
  const statement = parseStatement(payload);
  if (typeof statement === 'string') return { ok: false, reason: statement };
  if (!subjectNamesDigest(statement, check.digest)) {
    const named = statement.subject.map((s) => Object.entries(s.digest).map(([k, v]) => `${k}:${v}`).join(',') || '(no digest)').join('; ');
    return { ok: false, reason: `statement subject names ${named}, not the image digest ${check.digest}`, predicateType: statement.predicateType };
  }
  const tlogFailure = check.tlog({ payload, signature: signature.sig, annotations: layer.annotations });
  if (tlogFailure) return { ok: false, reason: tlogFailure, predicateType: statement.predicateType };
  return { ok: true, statement, payload };
}

function safeVerify(v: Verifier, data: Uint8Array, sig: Uint8Array): boolean {
  try {
    return v.verify(data, sig);
  } catch {
    return false;
  }
}
