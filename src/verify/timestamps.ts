/**
 * The timestamp step's inputs: which observations of the signing time count. @sigstore/verify checks every
 * timestamp the entity carries (RFC 3161 against the trusted TSAs; a log entry's integrated time under its
 * SET); this decides what it is handed.
 */
import type { SignedEntity } from '@sigstore/verify';

type Timestamp = SignedEntity['timestamps'][number];

/**
 * RFC 3161 timestamps that no TSA of the trusted root could check are set aside — neither counted nor a
 * failure — when the root has no TSA at all and the log's SET already gives the observed time. Ignoring
 * unauthenticated bytes removes no check the verdict rests on, and an unchecked time is never used. Peers:
 * sigstore-go skips timestamps no trusted authority verifies; cosign 3 without --use-signed-timestamps reads
 * only integrated times. When the root HAS TSAs every timestamp must verify, and without an integrated time
 * (Rekor v2) nothing is set aside, so the timestamp's own failure is reported.
 */
export function countableTimestamps(timestamps: readonly Timestamp[], timestampAuthorities: number): { timestamps: Timestamp[]; setAside: number } {
  if (timestampAuthorities > 0) return { timestamps: [...timestamps], setAside: 0 };
  const observedByLog = timestamps.some((t) => t.$case === 'transparency-log' && t.tlogEntry.inclusionPromise !== undefined);
  if (!observedByLog) return { timestamps: [...timestamps], setAside: 0 };
  const kept = timestamps.filter((t) => t.$case !== 'timestamp-authority');
  return { timestamps: kept, setAside: timestamps.length - kept.length };
}

/**
 * An observation at `at` (the clock): what cosign uses to check a certificate's validity when
 * --insecure-ignore-tlog leaves no logged or timestamped time. Only the timestamp step reads it.
 */
export function clockObservation(at: Date): Timestamp {
  return {
    $case: 'transparency-log',
    tlogEntry: {
      logIndex: '0',
      logId: { keyId: Buffer.from('ocisign-clock') },
      kindVersion: { kind: 'clock', version: '0' },
      integratedTime: String(Math.floor(at.getTime() / 1000)),
      inclusionPromise: { signedEntryTimestamp: Buffer.alloc(0) },
      inclusionProof: undefined,
      canonicalizedBody: Buffer.alloc(0),
    },
  };
}
