import { CosignAnnotation, CosignMediaType } from '../cosign/media-types.ts';
import { parseDsseEnvelope, type DsseEnvelope } from '../sigstore/dsse.ts';
import type { Verifier } from '../sign/signer.ts';
import type { TlogInput } from '../verify/tlog-check.ts';
import { IN_TOTO_PAYLOAD_TYPE, preAuthEncoding } from './envelope.ts';
import type { AttestationSigner, KeylessAttestationVerdict } from './keyless-verify.ts';
import { parseStatement, subjectNamesDigest, type Statement } from './statement.ts';

/** One `.att` layer as stored: media type, the envelope bytes, the descriptor's annotations. */
export interface AttestationLayerInput {
  mediaType: string;
  envelope: Uint8Array;
  annotations: Readonly<Record<string, string>>;
}

/**
 * What the transparency-log rule sees of a key-signed attestation: `payload` is the envelope (the layer
 * bytes, what a dsse entry hashes), `signature` the envelope signature that verified, `pae` what it signs,
 * `dssePayload` the statement bytes (what an intoto entry's payloadHash covers).
 */
export interface AttestationTlogInput extends TlogInput {
  pae: Uint8Array;
  dssePayload: Uint8Array;
}

/** Returns a reason when the attestation fails the rule; `ignoreTlog`/`requireTlogUnsupported` fit too. */
export type AttestationTlogCheck = (input: AttestationTlogInput) => string | undefined;

export interface AttestationCheck {
  /** The image digest the statement's subject must name. */
  digest: string;
  /** Trusted keys; any one verifying the envelope (and passing `tlog`) is enough. */
  verifiers: readonly Verifier[];
  tlog: AttestationTlogCheck;
  /**
   * Keyless: the certificate check against trusted identities (keyless-verify.ts, bound to the trusted root;
   * loaded lazily by the caller), tried when no key verified the attestation.
   */
  keyless?: (layer: AttestationLayerInput) => KeylessAttestationVerdict;
}

export type AttestationVerdict =
  | { ok: true; statement: Statement; payload: Uint8Array; signer?: AttestationSigner }
  | { ok: false; reason: string; predicateType?: string; noCertificate?: boolean };

type Authenticated = { ok: true; signer?: AttestationSigner } | { ok: false; reason: string; noCertificate: boolean };

/**
 * Check one attestation: DSSE media type, payloadType, then who signed it (a trusted key over PAE of the exact
 * payload bytes plus the tlog rule, else a certificate matching a trusted identity), then an in-toto statement
 * whose subject names the image digest. A failure is a verdict.
 */
export function verifyAttestationLayer(layer: AttestationLayerInput, check: AttestationCheck): AttestationVerdict {
  if (layer.mediaType !== CosignMediaType.DsseEnvelope) return { ok: false, reason: `unknown layer media type ${layer.mediaType} (want ${CosignMediaType.DsseEnvelope})` };
  const parsed = parseDsseEnvelope(layer.envelope);
  if (!parsed.ok) return { ok: false, reason: parsed.reason };
  const env = parsed.value;
  if (env.payloadType !== IN_TOTO_PAYLOAD_TYPE) return { ok: false, reason: `DSSE payloadType ${JSON.stringify(env.payloadType)} is not ${IN_TOTO_PAYLOAD_TYPE}` };
  const payload = new Uint8Array(env.payload.buffer, env.payload.byteOffset, env.payload.byteLength);
  const statement = parseStatement(payload);
  const predicateType = typeof statement === 'string' ? undefined : statement.predicateType;
  const who = authenticate(layer, env, payload, check);
  if (!who.ok) return { ok: false, reason: who.reason, ...(predicateType ? { predicateType } : {}), ...(who.noCertificate ? { noCertificate: true } : {}) };
  if (typeof statement === 'string') return { ok: false, reason: statement };
  if (!subjectNamesDigest(statement, check.digest)) {
    const named = statement.subject.map((s) => Object.entries(s.digest).map(([k, v]) => `${k}:${v}`).join(',') || '(no digest)').join('; ');
    return { ok: false, reason: `statement subject names ${named}, not the image digest ${check.digest}`, predicateType: statement.predicateType };
  }
  return { ok: true, statement, payload, ...(who.signer ? { signer: who.signer } : {}) };
}

/** A trusted key first (signature, then tlog rule), then the keyless identities; reasons of both on failure. */
function authenticate(layer: AttestationLayerInput, env: DsseEnvelope, payload: Uint8Array, check: AttestationCheck): Authenticated {
  const reasons: string[] = [];
  if (check.verifiers.length > 0) {
    const byKey = verifyWithKeys(layer, env, payload, check);
    if (byKey === undefined) return { ok: true };
    reasons.push(byKey);
  }
  if (check.keyless) {
    const byCert = check.keyless(layer);
    if (byCert.ok) return byCert;
    if (check.verifiers.length === 0) return byCert;
    const hasCert = (layer.annotations[CosignAnnotation.Certificate] ?? '').trim() !== '';
    if (hasCert) reasons.push(`keyless: ${byCert.reason}`);
  }
  return { ok: false, reason: reasons.join('; '), noCertificate: false };
}

function verifyWithKeys(layer: AttestationLayerInput, env: DsseEnvelope, payload: Uint8Array, check: AttestationCheck): string | undefined {
  const pae = preAuthEncoding(env.payloadType, env.payload);
  const signature = env.signatures.find((s) => check.verifiers.some((v) => safeVerify(v, pae, s.sig)));
  if (!signature) {
    return check.verifiers.length === 1 ? 'DSSE signature does not verify with the public key' : `DSSE signature does not verify with any of the ${check.verifiers.length} public keys`;
  }
  return check.tlog({ payload: layer.envelope, signature: signature.sig, annotations: layer.annotations, pae, dssePayload: payload });
}

function safeVerify(v: Verifier, data: Uint8Array, sig: Uint8Array): boolean {
  try {
    return v.verify(data, sig);
  } catch {
    return false;
  }
}
