import { createHash, randomInt } from 'node:crypto';
import type { Dispatcher } from 'undici';
import { OcisignError } from '../core/errors.ts';
import { callService } from './http.ts';

export interface TimestampRequest {
  /** The full endpoint, as cosign's `--timestamp-server-url` (e.g. https://timestamp.sigstore.dev/api/v1/timestamp). */
  tsaUrl: string;
  dispatcher: Dispatcher;
  /** The raw signature bytes; the message imprint is their sha256 (cosign). */
  signature: Uint8Array;
}

/**
 * An RFC 3161 timestamp over sha256(signature), asked with the JSON request of Sigstore's
 * timestamp-authority (`artifactHash`, `hashAlgorithm`, `certificates`, `nonce`); returns the DER
 * TimeStampResp. A plain RFC 3161 server that only takes `application/timestamp-query` is not supported.
 */
export async function requestTimestamp(req: TimestampRequest): Promise<Uint8Array> {
  const what = `requesting a timestamp from ${req.tsaUrl}`;
  const res = await callService({
    method: 'POST',
    url: req.tsaUrl,
    what,
    dispatcher: req.dispatcher,
    headers: { 'content-type': 'application/json', accept: 'application/timestamp-reply' },
    body: JSON.stringify({
      artifactHash: createHash('sha256').update(req.signature).digest('base64'),
      hashAlgorithm: 'sha256',
      certificates: true,
      nonce: randomInt(1, 2 ** 47),
    }),
  });
  // TimeStampResp ::= SEQUENCE { status PKIStatusInfo, timeStampToken … }; status 0 granted, 1 with mods.
  const der = res.bytes;
  if (der.length < 8 || der[0] !== 0x30) throw new OcisignError('IO', `${what}: the answer is not a DER TimeStampResp`);
  return der;
}

/** cosign's `dev.sigstore.cosign/rfc3161timestamp` value. */
export function formatTimestampAnnotation(der: Uint8Array): string {
  return JSON.stringify({ SignedRFC3161Timestamp: Buffer.from(der).toString('base64') });
}
