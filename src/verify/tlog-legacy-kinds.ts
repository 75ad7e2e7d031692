/**
 * Rekor v1 `rekord` entries — what cosign wrote before `hashedrekord` (2021–2022 keyless signatures still in
 * registries). @sigstore/verify does not read them, so this step checks them: the SET with the log key chosen
 * by logID (valid at the integrated time), and a body that records this signature over this payload. A
 * checked entry leaves the entity's log entries (its integrated time stays as a timestamp).
 */
import type { TransparencyLogEntry } from '@sigstore/bundle';
import { fail, pass, type Check } from '../sigstore/check.ts';
import { checkRekorEntry, verifyRekorSet, type RekorBundle } from '../sigstore/rekor-bundle.ts';
import type { TrustedRoot } from '../sigstore/trusted-root.ts';

const LEGACY_KINDS = new Set(['rekord']);

export function isLegacyKind(entry: TransparencyLogEntry): boolean {
  return LEGACY_KINDS.has(entry.kindVersion.kind);
}

export interface LegacyEntryExpectation {
  /** The signed bytes (the payload of a message signature). */
  payload: Uint8Array;
  signature: Uint8Array;
  /** DER of the verifying certificate, or SPKI DER of the verifying key. */
  verifierDer: Uint8Array;
}

export function checkLegacyKindEntry(entry: TransparencyLogEntry, root: TrustedRoot, expected: LegacyEntryExpectation): Check<true> {
  if (!entry.inclusionPromise) return fail(`${entry.kindVersion.kind} log entry has no SET`);
  const bundle: RekorBundle = {
    signedEntryTimestamp: Buffer.from(entry.inclusionPromise.signedEntryTimestamp),
    payload: {
      body: Buffer.from(entry.canonicalizedBody).toString('base64'),
      integratedTime: Number(entry.integratedTime),
      logIndex: Number(entry.logIndex),
      logID: Buffer.from(entry.logId.keyId).toString('hex'),
    },
  };
  const set = verifyRekorSet(bundle, root.tlogs);
  if (!set.ok) return set;
  const body = checkRekorEntry(bundle, expected);
  return body.ok ? pass(true) : body;
}
