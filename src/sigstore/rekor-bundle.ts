import { createHash, verify as cryptoVerify } from 'node:crypto';
import { json } from '@sigstore/core';
import { fail, pass, type Check } from './check.ts';
import { decodeBase64 } from './pem.ts';
import { rekorEntryFromBody, type RekorEntry } from './rekor-entry.ts';
import { isValidAt, type TransparencyLog } from './trusted-root.ts';

export const BUNDLE_ANNOTATION = 'dev.sigstore.cosign/bundle';

/** cosign's legacy `dev.sigstore.cosign/bundle` annotation: a Rekor v1 SET and what it signs. */
export interface RekorBundle {
  signedEntryTimestamp: Buffer;
  payload: RekorBundlePayload;
}

/** Exactly the fields the SET signs (canonical JSON, RFC 8785). */
export interface RekorBundlePayload {
  /** base64 of the canonicalized Rekor entry body. */
  body: string;
  integratedTime: number;
  logIndex: number;
  /** Lower-case hex sha256 of the log's SPKI DER. */
  logID: string;
}

/** Parse the annotation value. A malformed value is a reason, not an exception. */
export function parseRekorBundle(text: string): Check<RekorBundle> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return fail('rekor bundle annotation is not JSON');
  }
  const o = raw as { SignedEntryTimestamp?: unknown; Payload?: Record<string, unknown> } | null;
  const set = typeof o?.SignedEntryTimestamp === 'string' ? decodeBase64(o.SignedEntryTimestamp) : undefined;
  if (!set || set.length === 0) return fail('rekor bundle has no SignedEntryTimestamp');
  const p = o?.Payload;
  if (!p || typeof p !== 'object') return fail('rekor bundle has no Payload');
  const { body, integratedTime, logIndex, logID } = p;
  if (typeof body !== 'string' || body === '') return fail('rekor bundle Payload.body is missing');
  if (!Number.isSafeInteger(integratedTime) || (integratedTime as number) < 0) return fail('rekor bundle Payload.integratedTime is not a non-negative integer');
  if (!Number.isSafeInteger(logIndex) || (logIndex as number) < 0) return fail('rekor bundle Payload.logIndex is not a non-negative integer');
  if (typeof logID !== 'string' || !/^[0-9a-f]{64}$/.test(logID)) return fail('rekor bundle Payload.logID is not a lower-case hex sha256');
  return pass({
    signedEntryTimestamp: set,
    payload: { body, integratedTime: integratedTime as number, logIndex: logIndex as number, logID },
  });
}

/** The time Rekor says it integrated the entry. */
export function integratedTimeOf(bundle: RekorBundle): Date {
  return new Date(bundle.payload.integratedTime * 1000);
}

/**
 * Verify the SET: ECDSA (or Ed25519) by the Rekor key chosen by `logID`, valid at integratedTime,
 * over the RFC 8785 canonical JSON of `{body, integratedTime, logIndex, logID}`.
 */
export function verifyRekorSet(bundle: RekorBundle, tlogs: TransparencyLog[]): Check<TransparencyLog> {
  const { logID } = bundle.payload;
  const logs = tlogs.filter((t) => t.logId.toString('hex') === logID);
  if (logs.length === 0) return fail(`unknown Rekor log ${logID}`);
  const at = integratedTimeOf(bundle);
  const current = logs.filter((t) => isValidAt(t.validFor, at));
  if (current.length === 0) return fail(`Rekor log ${logID} key is not valid at integratedTime ${at.toISOString()}`);
  const data = Buffer.from(json.canonicalize({ ...bundle.payload }), 'utf8');
  const log = current.find((t) => verifySignature(t, data, bundle.signedEntryTimestamp));
  if (!log) return fail(`SET does not verify with the Rekor key ${logID}`);
  return pass(log);
}

function verifySignature(log: TransparencyLog, data: Buffer, signature: Buffer): boolean {
  const alg = log.publicKey.asymmetricKeyType === 'ed25519' ? null : 'sha256';
  try {
    return cryptoVerify(alg, data, log.publicKey, signature);
  } catch {
    return false;
  }
}

/** What the Rekor entry must record to belong to this signature layer. */
export interface RekorEntryExpectation {
  /** The signed bytes: the simple-signing payload, or for an attestation the DSSE envelope bytes. */
  payload: Uint8Array;
  /** The raw signature bytes of the layer (for an attestation: the envelope's signature). */
  signature: Uint8Array;
  /** DER of the verifying certificate, or the SPKI DER of the verifying key. */
  verifierDer: Uint8Array;
  /** For attestations: the decoded DSSE payload, to match dsse/intoto payloadHash. */
  dssePayload?: Uint8Array;
}

/** Check that the Rekor entry body records this signature, payload and key (cosign `VerifyBundle`). */
export function checkRekorEntry(bundle: RekorBundle, expected: RekorEntryExpectation): Check<RekorEntry> {
  const parsed = rekorEntryFromBody(bundle.payload.body);
  if (!parsed.ok) return parsed;
  const entry = parsed.value;
  const sig = Buffer.from(expected.signature);
  if (entry.signatures.length > 0 && !entry.signatures.some((s) => s.equals(sig))) {
    return fail('rekor entry is for another signature');
  }
  const der = Buffer.from(expected.verifierDer);
  if (!entry.verifiers.some((v) => v.equals(der))) return fail('rekor entry is for another public key or certificate');
  return checkEntryHash(entry, expected);
}

function checkEntryHash(entry: RekorEntry, expected: RekorEntryExpectation): Check<RekorEntry> {
  const payloadHash = sha256Hex(expected.payload);
  if (entry.hash?.algorithm === 'sha256' && entry.hash.value === payloadHash) return pass(entry);
  const dsse = expected.dssePayload;
  if (dsse && entry.payloadHash?.algorithm === 'sha256' && entry.payloadHash.value === sha256Hex(dsse) && entry.signatures.length > 0) {
    return pass(entry);
  }
  const recorded = entry.hash ? `${entry.hash.algorithm}:${entry.hash.value}` : 'none';
  return fail(`rekor entry is for another payload (entry hash ${recorded}, payload sha256:${payloadHash})`);
}

function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** A verified log entry: where and when it was logged. */
export interface VerifiedRekorEntry {
  integratedTime: Date;
  logIndex: number;
  logId: string;
  entry: RekorEntry;
}

/** SET, then body: the whole check cosign does on a `dev.sigstore.cosign/bundle` annotation. */
export function verifyRekorBundle(
  bundle: RekorBundle,
  tlogs: TransparencyLog[],
  expected: RekorEntryExpectation,
): Check<VerifiedRekorEntry> {
  const set = verifyRekorSet(bundle, tlogs);
  if (!set.ok) return set;
  const entry = checkRekorEntry(bundle, expected);
  if (!entry.ok) return entry;
  return pass({
    integratedTime: integratedTimeOf(bundle),
    logIndex: bundle.payload.logIndex,
    logId: bundle.payload.logID,
    entry: entry.value,
  });
}
