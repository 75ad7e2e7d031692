import { goJsonString } from '../cosign/go-json.ts';
import type { Signer } from '../sign/signer.ts';

/** DSSE payloadType of an in-toto statement; cosign refuses any other on verify. */
export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';

/**
 * The bytes DSSE signs: PAE(payloadType, payload) = "DSSEv1" SP LEN(type) SP type SP LEN(payload) SP payload, lengths
 * in ASCII decimal bytes (DSSE protocol spec). Written here rather than taken from @sigstore/core, which a key-based
 * verify would otherwise load for this one line.
 */
export function preAuthEncoding(payloadType: string, payload: Uint8Array): Uint8Array {
  const head = Buffer.from(`DSSEv1 ${Buffer.byteLength(payloadType, 'utf8')} ${payloadType} ${payload.byteLength} `, 'utf8');
  return Buffer.concat([head, payload]);
}

/**
 * cosign 2's envelope JSON (go-securesystemslib's struct):
 * `{"payloadType":"…","payload":"<b64>","signatures":[{"keyid":"","sig":"<b64>"}]}`.
 */
export function formatEnvelope(payloadType: string, payload: Uint8Array, signature: Uint8Array, keyid = ''): Uint8Array {
  const b64 = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('base64');
  const sig = Buffer.from(signature).toString('base64');
  return new TextEncoder().encode(
    `{"payloadType":${goJsonString(payloadType)},"payload":"${b64}","signatures":[{"keyid":${goJsonString(keyid)},"sig":"${sig}"}]}`,
  );
}

/** Sign an in-toto statement's exact bytes over PAE and wrap it in an envelope. */
export async function signStatement(signer: Signer, statement: Uint8Array): Promise<Uint8Array> {
  return (await signStatementWith(signer, statement)).envelope;
}

/** signStatement, also returning the raw signature (what Rekor and a TSA are given). */
export async function signStatementWith(signer: Signer, statement: Uint8Array): Promise<{ envelope: Uint8Array; signature: Uint8Array }> {
  const signature = await signer.sign(preAuthEncoding(IN_TOTO_PAYLOAD_TYPE, statement));
  return { envelope: formatEnvelope(IN_TOTO_PAYLOAD_TYPE, statement, signature), signature };
}
