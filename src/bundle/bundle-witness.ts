/**
 * The witness of a bundle: a Rekor v1 `dsse` entry (with its inclusion promise and inclusion proof, as a
 * `TransparencyLogEntry`) and an RFC 3161 timestamp over the signature bytes, through the project's undici
 * clients (src/keyless/rekor-client.ts, tsa-client.ts).
 */
import type { Dispatcher } from 'undici';
import { OcisignError } from '../core/errors.ts';
import { bundleFromEntries, dsseProposal, postRekorEntry } from '../keyless/rekor-client.ts';
import { requestTimestamp } from '../keyless/tsa-client.ts';
import { checkRekorEntry } from '../sigstore/rekor-bundle.ts';
import type { BundleWitness, TlogEntryJson } from './dsse-bundle.ts';

export interface BundleWitnessOptions {
  dispatcher: Dispatcher;
  rekorUrl?: string;
  /** The full TSA endpoint (`…/api/v1/timestamp`). */
  tsaUrl?: string;
  /** The signature's verifier as Rekor records it: the certificate (keyless) or the SPKI public key. */
  verifier: { pem: string; der: Uint8Array };
}

export function createBundleWitness(options: BundleWitnessOptions): BundleWitness | undefined {
  if (!options.rekorUrl && !options.tsaUrl) return undefined;
  return async ({ envelope, signature }) => {
    const [timestamp, entry] = await Promise.all([
      options.tsaUrl ? requestTimestamp({ tsaUrl: options.tsaUrl, dispatcher: options.dispatcher, signature }) : undefined,
      options.rekorUrl ? logDsse(options.rekorUrl, options, envelope, signature) : undefined,
    ]);
    return {
      tlogEntries: entry ? [entry] : [],
      rfc3161Timestamps: timestamp ? [Buffer.from(timestamp).toString('base64')] : [],
    };
  };
}

async function logDsse(rekorUrl: string, options: BundleWitnessOptions, envelope: Uint8Array, signature: Uint8Array): Promise<TlogEntryJson> {
  const what = `uploading to the transparency log ${rekorUrl}`;
  const answer = await postRekorEntry({ rekorUrl, dispatcher: options.dispatcher }, dsseProposal(envelope, options.verifier.pem));
  const recorded = checkRekorEntry(bundleFromEntries(answer, what), { payload: envelope, signature, verifierDer: options.verifier.der });
  if (!recorded.ok) throw new OcisignError('IO', `${what}: the returned entry does not match: ${recorded.reason}`);
  return tlogEntryJson(Object.values(answer as Record<string, RekorV1Entry>)[0]!, what);
}

interface RekorV1Entry {
  body: string;
  integratedTime: number;
  logID: string;
  logIndex: number;
  verification?: {
    signedEntryTimestamp?: string;
    inclusionProof?: { logIndex: number; rootHash: string; treeSize: number; hashes: string[]; checkpoint: string };
  };
}

/** A Rekor v1 answer as the bundle's TransparencyLogEntry (hex → base64, numbers → strings). */
export function tlogEntryJson(entry: RekorV1Entry, what: string): TlogEntryJson {
  const body = JSON.parse(Buffer.from(entry.body, 'base64').toString('utf8')) as { kind?: unknown; apiVersion?: unknown };
  if (typeof body.kind !== 'string' || typeof body.apiVersion !== 'string') throw new OcisignError('IO', `${what}: the entry body has no kind/apiVersion`);
  const hex64 = (hex: string) => Buffer.from(hex, 'hex').toString('base64');
  const out: TlogEntryJson = {
    logIndex: String(entry.logIndex),
    logId: { keyId: hex64(entry.logID) },
    kindVersion: { kind: body.kind, version: body.apiVersion },
    integratedTime: String(entry.integratedTime),
    canonicalizedBody: entry.body,
  };
  const v = entry.verification;
  if (v?.signedEntryTimestamp) out.inclusionPromise = { signedEntryTimestamp: v.signedEntryTimestamp };
  const p = v?.inclusionProof;
  if (p) {
    out.inclusionProof = {
      logIndex: String(p.logIndex),
      rootHash: hex64(p.rootHash),
      treeSize: String(p.treeSize),
      hashes: p.hashes.map(hex64),
      checkpoint: { envelope: p.checkpoint },
    };
  }
  if (!out.inclusionProof) throw new OcisignError('IO', `${what}: the log answered without an inclusion proof (a v0.3 bundle needs one)`);
  return out;
}
