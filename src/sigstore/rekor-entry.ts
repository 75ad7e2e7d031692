import { createHash } from 'node:crypto';
import { fail, pass, type Check } from './check.ts';
import { decodeBase64, splitPem } from './pem.ts';

/** A hash as Rekor records it. */
export interface RekorHash {
  algorithm: string;
  value: string;
}

/** The parts of a Rekor v1 entry body that tie it to one signature layer, whatever its kind. */
export interface RekorEntry {
  kind: string;
  apiVersion: string;
  /** hashedrekord/rekord: hash of the signed data; dsse/intoto: hash of the envelope. */
  hash?: RekorHash;
  /** dsse/intoto: hash of the DSSE payload. */
  payloadHash?: RekorHash;
  /** Raw signature bytes recorded (none for intoto 0.0.1). */
  signatures: Buffer[];
  /** DER of every certificate / public key recorded as a verifier. */
  verifiers: Buffer[];
}

type Spec = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Decode `Payload.body` (base64 JSON) into a RekorEntry; unknown kinds are a reason. */
export function rekorEntryFromBody(bodyB64: string): Check<RekorEntry> {
  const bytes = decodeBase64(bodyB64);
  if (!bytes) return fail('rekor entry body is not base64');
  let body: { kind?: unknown; apiVersion?: unknown; spec?: Spec };
  try {
    body = JSON.parse(bytes.toString('utf8'));
  } catch {
    return fail('rekor entry body is not JSON');
  }
  const kind = String(body?.kind);
  const apiVersion = String(body?.apiVersion);
  const spec = body?.spec;
  if (!spec || typeof spec !== 'object') return fail(`rekor entry ${kind} ${apiVersion} has no spec`);
  try {
    const entry = parseSpec(kind, apiVersion, spec);
    return entry ? pass(entry) : fail(`unsupported rekor entry kind ${kind} ${apiVersion}`);
  } catch (err) {
    return fail(`malformed rekor entry ${kind} ${apiVersion}: ${(err as Error).message}`);
  }
}

function parseSpec(kind: string, apiVersion: string, spec: Spec): RekorEntry | undefined {
  const base = { kind, apiVersion };
  if ((kind === 'hashedrekord' || kind === 'rekord') && apiVersion === '0.0.1') {
    return {
      ...base,
      hash: hashOf(spec.data?.hash),
      signatures: [b64(spec.signature?.content, 'signature.content')],
      verifiers: pemDers(spec.signature?.publicKey?.content, 'signature.publicKey.content'),
    };
  }
  if (kind === 'dsse' && apiVersion === '0.0.1' && spec.proposedContent !== undefined) return dsseProposalEntry(base, spec.proposedContent);
  if (kind === 'dsse' && apiVersion === '0.0.1') {
    const sigs: Spec[] = Array.isArray(spec.signatures) ? spec.signatures : [];
    return {
      ...base,
      hash: hashOf(spec.envelopeHash),
      payloadHash: hashOf(spec.payloadHash),
      signatures: sigs.map((s) => b64(s.signature, 'signatures[].signature')),
      verifiers: sigs.flatMap((s) => pemDers(s.verifier, 'signatures[].verifier')),
    };
  }
  if (kind === 'intoto' && apiVersion === '0.0.2') {
    const sigs: Spec[] = Array.isArray(spec.content?.envelope?.signatures) ? spec.content.envelope.signatures : [];
    return {
      ...base,
      hash: hashOf(spec.content?.hash),
      payloadHash: hashOf(spec.content?.payloadHash),
      // intoto 0.0.2 double-base64-encodes the signature
      signatures: sigs.map((s) => b64(b64(s.sig, 'envelope.signatures[].sig').toString('utf8'), 'envelope.signatures[].sig')),
      verifiers: sigs.flatMap((s) => pemDers(s.publicKey, 'envelope.signatures[].publicKey')),
    };
  }
  if (kind === 'intoto' && apiVersion === '0.0.1') {
    return {
      ...base,
      hash: hashOf(spec.content?.hash),
      payloadHash: hashOf(spec.content?.payloadHash),
      signatures: [],
      verifiers: pemDers(spec.publicKey, 'publicKey'),
    };
  }
  return undefined;
}

/**
 * A dsse 0.0.1 body still in proposal shape (`spec.proposedContent: {envelope, verifiers}`): what
 * @sigstore/mock's Rekor logs, since it signs the proposal as sent. The real Rekor never logs this shape:
 * it logs `{envelopeHash: sha256(envelope string as sent), payloadHash: sha256(decoded payload),
 * signatures: [{signature: the envelope's sig string, verifier: base64 PEM}]}`. Derive those same
 * fields here (cosign does the same through rekor's Unmarshal), so both shapes are compared alike.
 */
function dsseProposalEntry(base: { kind: string; apiVersion: string }, content: Spec): RekorEntry {
  if (typeof content?.envelope !== 'string') throw new Error('proposedContent.envelope is not a string');
  const envelope = JSON.parse(content.envelope) as { payload?: unknown; signatures?: { sig?: unknown }[] };
  const verifiers: unknown[] = Array.isArray(content.verifiers) ? content.verifiers : [];
  const sigs = Array.isArray(envelope.signatures) ? envelope.signatures : [];
  return {
    ...base,
    hash: { algorithm: 'sha256', value: sha256Hex(Buffer.from(content.envelope, 'utf8')) },
    payloadHash: { algorithm: 'sha256', value: sha256Hex(b64(envelope.payload, 'envelope.payload')) },
    signatures: sigs.map((s) => b64(s.sig, 'envelope.signatures[].sig')),
    verifiers: verifiers.flatMap((v) => pemDers(v, 'proposedContent.verifiers[]')),
  };
}

function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function hashOf(h: Spec | undefined): RekorHash | undefined {
  if (!h || typeof h.algorithm !== 'string' || typeof h.value !== 'string') return undefined;
  return { algorithm: h.algorithm, value: h.value.toLowerCase() };
}

function b64(value: unknown, field: string): Buffer {
  const bytes = typeof value === 'string' ? decodeBase64(value) : undefined;
  if (!bytes) throw new Error(`${field} is not base64`);
  return bytes;
}

/** A base64 PEM (certificate or public key) as recorded by Rekor → the DER of each block. */
function pemDers(value: unknown, field: string): Buffer[] {
  const blocks = splitPem(b64(value, field).toString('utf8'));
  if (blocks.length === 0) throw new Error(`${field} holds no PEM block`);
  return blocks.map((b) => b.der);
}
