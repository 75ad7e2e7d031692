/**
 * The log entry must name the signer: a Rekor v1 body records the public key or certificate that verified
 * the signature it logs, and cosign's VerifyBundle refuses an entry recorded for another key (a SET copied
 * from a signature by someone else over the same bytes). @sigstore/verify compares signature and digest
 * only, so this step adds the key. Rekor v2 entries are left to @sigstore/verify.
 */
import type { TransparencyLogEntry } from '@sigstore/bundle';
import { fail, pass, type Check } from '../sigstore/check.ts';
import { rekorEntryFromBody } from '../sigstore/rekor-entry.ts';

const V1_KINDS = new Set(['hashedrekord 0.0.1', 'rekord 0.0.1', 'dsse 0.0.1', 'intoto 0.0.1', 'intoto 0.0.2']);

/** `verifierDers`: SPKI DER of the verifying key, and the certificate DER when a certificate holds it. */
export function checkEntryNamesSigner(entries: readonly TransparencyLogEntry[], verifierDers: readonly Uint8Array[]): Check<true> {
  for (const entry of entries) {
    if (!V1_KINDS.has(`${entry.kindVersion.kind} ${entry.kindVersion.version}`)) continue;
    const parsed = rekorEntryFromBody(Buffer.from(entry.canonicalizedBody).toString('base64'));
    if (!parsed.ok) return parsed;
    const recorded = parsed.value.verifiers;
    if (recorded.length === 0) continue;
    const named = recorded.some((r) => verifierDers.some((d) => Buffer.from(d).equals(r)));
    if (!named) return fail(`transparency log entry ${entry.logIndex} is for another public key or certificate`);
  }
  return pass(true);
}
