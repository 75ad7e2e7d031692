import { verify as cryptoVerify, type KeyObject, type X509Certificate } from 'node:crypto';
import type { ErrorCode } from '../core/errors.ts';
import { CosignAnnotation, CosignMediaType } from '../cosign/media-types.ts';
import { extractCertificateIdentity, type CertificateIdentity } from './certificate-identity.ts';
import { checkCodeSigning, parseCertificates, verifyCertificateChain, verifyEmbeddedScts } from './certificate.ts';
import type { Check } from './check.ts';
import { parseDsseEnvelope, verifyDsseSignature } from './dsse.ts';
import { matchIdentity, type CompiledIdentityPolicy, type IdentityPolicy } from './identity.ts';
import { parseRekorBundle, verifyRekorBundle, type VerifiedRekorEntry } from './rekor-bundle.ts';
import type { TrustedRoot } from './trusted-root.ts';

/** One layer of a `.sig` (simple-signing) or `.att` (DSSE envelope) image, as read from the registry. */
export interface SignatureLayer {
  /** The exact layer bytes. */
  payload: Uint8Array;
  /** The decoded `dev.cosignproject.cosign/signature` annotation (empty for attestations). */
  signature: Uint8Array;
  annotations: Readonly<Record<string, string>>;
  /** The layer media type; a DSSE envelope makes it an attestation. */
  mediaType?: string;
}

/** What a layer must satisfy. */
export interface LayerPolicy {
  /** Keyless: any of these identities (required when the layer is verified by its certificate). */
  identities?: CompiledIdentityPolicy[];
  /** Key-based: verify with this key instead of the certificate. */
  key?: KeyObject;
  /** `--insecure-ignore-tlog`: do not require or check the Rekor bundle. */
  ignoreTlog?: boolean;
  /** `--insecure-ignore-sct`: do not require an embedded SCT. */
  ignoreSct?: boolean;
  /** The clock, used only when neither a Rekor entry nor a timestamp gives the observed time. */
  now?: Date;
}

/** Who signed a layer that verified. */
export interface LayerSigner {
  publicKey: KeyObject;
  certificate?: X509Certificate;
  /** Leaf first, trusted certificate last. */
  chain?: X509Certificate[];
  identity?: CertificateIdentity;
  matchedPolicy?: IdentityPolicy;
}

export type LayerVerification =
  | { ok: true; signer: LayerSigner; integratedTime?: Date; logIndex?: number }
  | { ok: false; reason: string; code: Extract<ErrorCode, 'NO_CERTIFICATE' | 'NO_MATCHING_SIGNATURE'> };

const NO_CERTIFICATE = 'no certificate found on signature';

/**
 * Verify one signature layer against trust material and a policy: the keyless path (certificate,
 * chain, SCT, Rekor SET, identity, all at the entry's integratedTime) or the key path (signature by
 * `policy.key`, Rekor SET verified when the bundle is there). A failure is a value with a reason;
 * `code` NO_CERTIFICATE (exit 13) when keyless verification finds no certificate.
 */
export function verifySignatureLayer(layer: SignatureLayer, root: TrustedRoot, policy: LayerPolicy): LayerVerification {
  const certPem = layer.annotations[CosignAnnotation.Certificate];
  if (certPem === undefined || certPem.trim() === '') {
    if (!policy.key) return { ok: false, code: 'NO_CERTIFICATE', reason: NO_CERTIFICATE };
    return verifyWithKey(layer, root, policy, policy.key, undefined);
  }
  const leaf = parseCertificates(certPem, 'signature certificate');
  if (!leaf.ok) return mismatch(leaf.reason);
  if (policy.key) return verifyWithKey(layer, root, policy, policy.key, leaf.value[0]!);
  return verifyKeyless(layer, root, policy, leaf.value[0]!);
}

function mismatch(reason: string): LayerVerification {
  return { ok: false, code: 'NO_MATCHING_SIGNATURE', reason };
}

function verifyWithKey(
  layer: SignatureLayer,
  root: TrustedRoot,
  policy: LayerPolicy,
  key: KeyObject,
  cert: X509Certificate | undefined,
): LayerVerification {
  if (cert && !cert.publicKey.equals(key)) return mismatch('certificate on the signature does not hold the given key');
  const signed = checkSignature(layer, key);
  if (!signed.ok) return mismatch(signed.reason);
  const tlog = checkTlog(layer, root, policy, signed.value, cert ? cert.raw : spki(key));
  if (!tlog.ok) return mismatch(tlog.reason);
  return success({ publicKey: key, ...(cert ? { certificate: cert } : {}) }, tlog.value);
}

function verifyKeyless(layer: SignatureLayer, root: TrustedRoot, policy: LayerPolicy, leaf: X509Certificate): LayerVerification {
  const signed = checkSignature(layer, leaf.publicKey);
  if (!signed.ok) return mismatch(signed.reason);
  const tlog = checkTlog(layer, root, policy, signed.value, leaf.raw);
  if (!tlog.ok) return mismatch(tlog.reason);
  const at = tlog.value?.integratedTime ?? policy.now ?? new Date();
  const chain = checkChain(layer, root, policy, leaf, at);
  if (!chain.ok) return mismatch(chain.reason);
  const identity = extractCertificateIdentity(leaf);
  const matched = matchIdentity(identity, policy.identities ?? []);
  if (!matched.ok) return mismatch(matched.reason);
  const signer = { publicKey: leaf.publicKey, certificate: leaf, chain: chain.value, identity, matchedPolicy: matched.value };
  return success(signer, tlog.value);
}

function success(signer: LayerSigner, entry: VerifiedRekorEntry | undefined): LayerVerification {
  if (!entry) return { ok: true, signer };
  return { ok: true, signer, integratedTime: entry.integratedTime, logIndex: entry.logIndex };
}

function checkChain(
  layer: SignatureLayer,
  root: TrustedRoot,
  policy: LayerPolicy,
  leaf: X509Certificate,
  at: Date,
): Check<X509Certificate[]> {
  const chainPem = layer.annotations[CosignAnnotation.Chain];
  let untrusted: X509Certificate[] = [];
  if (chainPem !== undefined && chainPem.trim() !== '') {
    const parsed = parseCertificates(chainPem, 'signature certificate chain');
    if (!parsed.ok) return parsed;
    untrusted = parsed.value;
  }
  const path = verifyCertificateChain(leaf, untrusted, root.certificateAuthorities, at);
  if (!path.ok) return path;
  const eku = checkCodeSigning(leaf);
  if (!eku.ok) return eku;
  if (!policy.ignoreSct) {
    const sct = verifyEmbeddedScts(leaf, path.value[1]!, root.ctlogs);
    if (!sct.ok) return sct;
  }
  return path;
}

/** What was signed and by which signature: the payload for `.sig`, the PAE for an attestation. */
interface SignedMaterial {
  signature: Buffer;
  dssePayload?: Buffer;
}

function checkSignature(layer: SignatureLayer, key: KeyObject): Check<SignedMaterial> {
  if (layer.mediaType === CosignMediaType.DsseEnvelope) {
    const envelope = parseDsseEnvelope(layer.payload);
    if (!envelope.ok) return envelope;
    const sig = verifyDsseSignature(envelope.value, key);
    if (!sig.ok) return sig;
    return { ok: true, value: { signature: sig.value, dssePayload: envelope.value.payload } };
  }
  const signature = Buffer.from(layer.signature);
  if (signature.length === 0) return { ok: false, reason: 'signature annotation is empty' };
  if (!verifyBytes(layer.payload, key, signature)) return { ok: false, reason: 'signature does not verify with the key' };
  return { ok: true, value: { signature } };
}

/** ECDSA / RSA PKCS#1 v1.5 with SHA-256, or Ed25519: what cosign keys and Fulcio certificates use. */
export function verifyBytes(data: Uint8Array, key: KeyObject, signature: Uint8Array): boolean {
  const alg = key.asymmetricKeyType === 'ed25519' ? null : 'sha256';
  try {
    return cryptoVerify(alg, data, key, signature);
  } catch {
    return false;
  }
}

function checkTlog(
  layer: SignatureLayer,
  root: TrustedRoot,
  policy: LayerPolicy,
  signed: SignedMaterial,
  verifierDer: Uint8Array,
): Check<VerifiedRekorEntry | undefined> {
  if (policy.ignoreTlog) return { ok: true, value: undefined };
  const text = layer.annotations[CosignAnnotation.Bundle];
  if (text === undefined || text.trim() === '') {
    return { ok: false, reason: 'signature has no transparency log entry (dev.sigstore.cosign/bundle)' };
  }
  const bundle = parseRekorBundle(text);
  if (!bundle.ok) return bundle;
  return verifyRekorBundle(bundle.value, root.tlogs, {
    payload: layer.payload,
    signature: signed.signature,
    verifierDer,
    ...(signed.dssePayload ? { dssePayload: signed.dssePayload } : {}),
  });
}

function spki(key: KeyObject): Buffer {
  return key.export({ format: 'der', type: 'spki' });
}
