/**
 * The annotations cosign 2 stores beside a `.sig`/`.att` layer, as bundle parts: the certificate and chain
 * (`dev.sigstore.cosign/certificate`, `…/chain`), the Rekor SET (`dev.sigstore.cosign/bundle`) as a
 * transparency-log entry with an inclusion promise, and the RFC 3161 timestamp
 * (`dev.sigstore.cosign/rfc3161timestamp`). A malformed annotation is a reason, never an exception.
 */
import { X509Certificate } from 'node:crypto';
import type { TransparencyLogEntry, VerificationMaterial } from '@sigstore/bundle';
import { CosignAnnotation } from '../../cosign/media-types.ts';
import { parseJsonBounded } from '../../core/json.ts';
import { decodeBase64, splitPem } from '../../sigstore/pem.ts';
import { fail, pass, type Check } from '../../sigstore/check.ts';

/** The verification material of a legacy layer, ready for a bundle. */
export interface LegacyMaterial {
  verificationMaterial: VerificationMaterial & { tlogEntries: TransparencyLogEntry[] };
  untrustedIntermediates: X509Certificate[];
}

const MAX_ANNOTATION_JSON = 4 * 1024 * 1024;

export function legacyMaterial(annotations: Readonly<Record<string, string>>): Check<LegacyMaterial> {
  const certs = certificates(annotations);
  if (!certs.ok) return certs;
  const tlog = tlogEntry(annotations[CosignAnnotation.Bundle]);
  if (!tlog.ok) return tlog;
  const timestamp = rfc3161Timestamp(annotations[CosignAnnotation.Rfc3161Timestamp]);
  if (!timestamp.ok) return timestamp;
  const [leaf, ...intermediates] = certs.value;
  const content: VerificationMaterial['content'] = leaf
    ? { $case: 'x509CertificateChain', x509CertificateChain: { certificates: [{ rawBytes: Buffer.from(leaf.raw) }] } }
    : { $case: 'publicKey', publicKey: { hint: '' } };
  return pass({
    verificationMaterial: {
      content,
      tlogEntries: tlog.value ? [tlog.value] : [],
      timestampVerificationData: { rfc3161Timestamps: timestamp.value ? [{ signedTimestamp: timestamp.value }] : [] },
    },
    untrustedIntermediates: intermediates,
  });
}

/** Leaf first, then the chain annotation's certificates; none when the layer is key-signed. */
function certificates(annotations: Readonly<Record<string, string>>): Check<X509Certificate[]> {
  const leafPem = annotations[CosignAnnotation.Certificate];
  if (leafPem === undefined || leafPem.trim() === '') return pass([]);
  const leaf = parsePemCertificates(leafPem, 'signature certificate');
  if (!leaf.ok) return leaf;
  const chainPem = annotations[CosignAnnotation.Chain];
  if (chainPem === undefined || chainPem.trim() === '') return pass(leaf.value.slice(0, 1));
  const chain = parsePemCertificates(chainPem, 'signature certificate chain');
  if (!chain.ok) return chain;
  return pass([leaf.value[0]!, ...chain.value]);
}

function parsePemCertificates(pem: string, what: string): Check<X509Certificate[]> {
  const blocks = splitPem(pem).filter((b) => b.label === 'CERTIFICATE');
  if (blocks.length === 0) return fail(`${what}: no PEM certificate found`);
  try {
    return pass(blocks.map((b) => new X509Certificate(b.der)));
  } catch (err) {
    return fail(`${what}: unparseable certificate (${(err as Error).message})`);
  }
}

/** cosign's `{"SignedEntryTimestamp", "Payload": {body, integratedTime, logIndex, logID}}` as a log entry. */
function tlogEntry(text: string | undefined): Check<TransparencyLogEntry | undefined> {
  if (text === undefined || text.trim() === '') return pass(undefined);
  const parsed = parseJsonBounded(text, { maxBytes: MAX_ANNOTATION_JSON });
  if (!parsed.ok) return fail(`rekor bundle annotation: ${parsed.reason}`);
  const o = parsed.value as { SignedEntryTimestamp?: unknown; Payload?: Record<string, unknown> } | null;
  const set = typeof o?.SignedEntryTimestamp === 'string' ? decodeBase64(o.SignedEntryTimestamp) : undefined;
  if (!set || set.length === 0) return fail('rekor bundle has no SignedEntryTimestamp');
  const p = o?.Payload;
  if (!p || typeof p !== 'object') return fail('rekor bundle has no Payload');
  const { body, integratedTime, logIndex, logID } = p;
  const bodyBytes = typeof body === 'string' && body !== '' ? decodeBase64(body) : undefined;
  if (!bodyBytes) return fail('rekor bundle Payload.body is missing or not base64');
  if (!Number.isSafeInteger(integratedTime) || (integratedTime as number) < 0) return fail('rekor bundle Payload.integratedTime is not a non-negative integer');
  if (!Number.isSafeInteger(logIndex) || (logIndex as number) < 0) return fail('rekor bundle Payload.logIndex is not a non-negative integer');
  if (typeof logID !== 'string' || !/^[0-9a-f]{64}$/.test(logID)) return fail('rekor bundle Payload.logID is not a lower-case hex sha256');
  const kindVersion = bodyKind(bodyBytes);
  if (!kindVersion.ok) return kindVersion;
  return pass({
    logIndex: String(logIndex),
    logId: { keyId: Buffer.from(logID, 'hex') },
    kindVersion: kindVersion.value,
    integratedTime: String(integratedTime),
    inclusionPromise: { signedEntryTimestamp: set },
    inclusionProof: undefined,
    canonicalizedBody: bodyBytes,
  });
}

function bodyKind(body: Buffer): Check<{ kind: string; version: string }> {
  const parsed = parseJsonBounded(body, { maxBytes: MAX_ANNOTATION_JSON });
  if (!parsed.ok) return fail(`rekor entry body: ${parsed.reason}`);
  const b = parsed.value as { kind?: unknown; apiVersion?: unknown } | null;
  if (typeof b?.kind !== 'string' || typeof b.apiVersion !== 'string') return fail('rekor entry body has no kind or apiVersion');
  return pass({ kind: b.kind, version: b.apiVersion });
}

/** `{"SignedRFC3161Timestamp": base64 DER}` → the DER bytes. */
function rfc3161Timestamp(text: string | undefined): Check<Buffer | undefined> {
  if (text === undefined || text.trim() === '') return pass(undefined);
  const parsed = parseJsonBounded(text, { maxBytes: MAX_ANNOTATION_JSON });
  if (!parsed.ok) return fail(`rfc3161 timestamp annotation: ${parsed.reason}`);
  const value = (parsed.value as { SignedRFC3161Timestamp?: unknown } | null)?.SignedRFC3161Timestamp;
  const der = typeof value === 'string' ? decodeBase64(value) : undefined;
  if (!der || der.length === 0) return fail('rfc3161 timestamp annotation has no SignedRFC3161Timestamp');
  return pass(der);
}
