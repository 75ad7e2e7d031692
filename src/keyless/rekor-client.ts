import { createHash } from 'node:crypto';
import type { Dispatcher } from 'undici';
import { OcisignError } from '../core/errors.ts';
import { header } from '../oci/registry/http-body.ts';
import { checkRekorEntry, parseRekorBundle, type RekorBundle } from '../sigstore/rekor-bundle.ts';
import { callService, joinUrl, parseJson } from './http.ts';

export const DEFAULT_REKOR_URL = 'https://rekor.sigstore.dev';
const ENTRIES_PATH = '/api/v1/log/entries';

export interface RekorTarget {
  rekorUrl: string;
  dispatcher: Dispatcher;
}

/** A hashedrekord v0.0.1 proposal: sha256 of the signed bytes, the signature, the verifier PEM. */
export function hashedRekordProposal(payload: Uint8Array, signature: Uint8Array, verifierPem: string): object {
  return {
    apiVersion: '0.0.1',
    kind: 'hashedrekord',
    spec: {
      data: { hash: { algorithm: 'sha256', value: createHash('sha256').update(payload).digest('hex') } },
      signature: {
        content: Buffer.from(signature).toString('base64'),
        publicKey: { content: Buffer.from(verifierPem, 'utf8').toString('base64') },
      },
    },
  };
}

/** A dsse v0.0.1 proposal (for attestations): the envelope JSON and the verifier PEM. */
export function dsseProposal(envelope: Uint8Array, verifierPem: string): object {
  return {
    apiVersion: '0.0.1',
    kind: 'dsse',
    spec: {
      proposedContent: {
        envelope: Buffer.from(envelope).toString('utf8'),
        verifiers: [Buffer.from(verifierPem, 'utf8').toString('base64')],
      },
    },
  };
}

/**
 * Create a Rekor v1 entry and return it as cosign's `dev.sigstore.cosign/bundle` (the SET and what it
 * signs). A 409 (the entry exists) fetches the existing entry from `Location`, as cosign does.
 */
export async function createRekorEntry(target: RekorTarget, proposal: object): Promise<RekorBundle> {
  const what = `uploading to the transparency log ${target.rekorUrl}`;
  return bundleFromEntries(await postRekorEntry(target, proposal), what);
}

/** createRekorEntry's answer as Rekor sent it: `{ "<uuid>": { body, integratedTime, logID, logIndex, verification } }`. */
export async function postRekorEntry(target: RekorTarget, proposal: object): Promise<unknown> {
  const what = `uploading to the transparency log ${target.rekorUrl}`;
  const res = await callService({
    method: 'POST',
    url: joinUrl(target.rekorUrl, ENTRIES_PATH),
    what,
    dispatcher: target.dispatcher,
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(proposal),
    accept: (s) => s === 201 || s === 200 || s === 409,
  });
  if (res.status !== 409) return parseJson(res.bytes, what);
  const location = header(res.headers, 'location');
  if (!location) throw new OcisignError('IO', `${what}: http 409 without a Location of the existing entry`);
  const existing = await callService({
    method: 'GET',
    url: new URL(location, joinUrl(target.rekorUrl, ENTRIES_PATH)).toString(),
    what: `${what}: reading the existing entry`,
    dispatcher: target.dispatcher,
    headers: { accept: 'application/json' },
  });
  return parseJson(existing.bytes, what);
}

/** `{ "<uuid>": { body, integratedTime, logID, logIndex, verification: { signedEntryTimestamp } } }` → bundle. */
export function bundleFromEntries(json: unknown, what: string): RekorBundle {
  const entries = json && typeof json === 'object' ? Object.values(json as Record<string, unknown>) : [];
  if (entries.length !== 1) throw new OcisignError('IO', `${what}: expected one log entry in the answer, got ${entries.length}`);
  const e = entries[0] as { body?: unknown; integratedTime?: unknown; logIndex?: unknown; logID?: unknown; verification?: { signedEntryTimestamp?: unknown } };
  const parsed = parseRekorBundle(
    JSON.stringify({
      SignedEntryTimestamp: e.verification?.signedEntryTimestamp,
      Payload: { body: e.body, integratedTime: e.integratedTime, logIndex: e.logIndex, logID: e.logID },
    }),
  );
  if (!parsed.ok) throw new OcisignError('IO', `${what}: ${parsed.reason}`);
  return parsed.value;
}

/** The annotation value, byte for byte as cosign (Go's encoding/json of cosign's RekorBundle) writes it. */
export function formatRekorBundle(bundle: RekorBundle): string {
  return JSON.stringify({
    SignedEntryTimestamp: bundle.signedEntryTimestamp.toString('base64'),
    Payload: {
      body: bundle.payload.body,
      integratedTime: bundle.payload.integratedTime,
      logIndex: bundle.payload.logIndex,
      logID: bundle.payload.logID,
    },
  });
}

/** Upload a hashedrekord for one signature and check the log recorded exactly it. */
export async function logSignature(
  target: RekorTarget,
  signed: { payload: Uint8Array; signature: Uint8Array; verifierPem: string; verifierDer: Uint8Array },
): Promise<RekorBundle> {
  const bundle = await createRekorEntry(target, hashedRekordProposal(signed.payload, signed.signature, signed.verifierPem));
  const recorded = checkRekorEntry(bundle, { payload: signed.payload, signature: signed.signature, verifierDer: signed.verifierDer });
  if (!recorded.ok) throw new OcisignError('IO', `uploading to the transparency log ${target.rekorUrl}: the returned entry does not match: ${recorded.reason}`);
  return bundle;
}

/**
 * Upload a dsse 0.0.1 entry for one attestation (the envelope bytes as stored in the `.att` layer, and the
 * verifier PEM) and check the log recorded exactly it: envelopeHash = sha256(envelope), the envelope's
 * signature and the verifier (either the canonical shape real Rekor logs, or the proposal as sent).
 */
export async function logEnvelope(
  target: RekorTarget,
  signed: { envelope: Uint8Array; signature: Uint8Array; verifierPem: string; verifierDer: Uint8Array },
): Promise<RekorBundle> {
  const bundle = await createRekorEntry(target, dsseProposal(signed.envelope, signed.verifierPem));
  const recorded = checkRekorEntry(bundle, { payload: signed.envelope, signature: signed.signature, verifierDer: signed.verifierDer });
  if (!recorded.ok) throw new OcisignError('IO', `uploading to the transparency log ${target.rekorUrl}: the returned entry does not match: ${recorded.reason}`);
  return bundle;
}
