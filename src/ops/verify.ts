import { mapLimit } from '../cosign/map-limit.ts';
import { buildSimpleSigningPayload } from '../cosign/simple-signing.ts';
import { OcisignError, withContext } from '../core/errors.ts';
import type { Limits } from '../core/limits.ts';
import type { Repository } from '../oci/repository.ts';
import type { Verifier } from '../sign/signer.ts';
import { describeFailures, verifySignatureSet, type LayerOutcome } from '../verify/signature-set.ts';
import { resolveWithAttachments } from './resolve-target.ts';
import type { SimpleSigningClaims } from '../verify/simple-signing-claims.ts';
import { ignoreTlog, requireTlogUnsupported, type TlogCheck } from '../verify/tlog-check.ts';
import type { AttachmentLayer } from '../cosign/attachments.ts';
import { CosignAnnotation } from '../cosign/media-types.ts';
import type { CertificateSigner } from '../keyless/verify-keyless.ts';
import type { CompiledIdentityPolicy } from '../sigstore/identity.ts';
import type { TrustedRoot } from '../sigstore/trusted-root.ts';

/** One image to verify. */
export interface VerifyTarget {
  /** The image's repository. */
  image: Repository;
  /** Tag or digest to resolve in `image`. */
  ref: string;
  /** How to name the image in messages, e.g. `127.0.0.1:5000/app:v1`. */
  name: string;
  /** The image's tag-less repository name (cosign's docker-reference), for `checkDockerReference`. */
  dockerReference: string;
  /** Where the `.sig` lives (COSIGN_REPOSITORY); defaults to `image`. */
  signatures?: Repository;
}

export interface VerifyOptions {
  /** Trusted public keys; any one verifying a signature is enough. Empty with `identities`: keyless. */
  verifiers: readonly Verifier[];
  /** Keyless: the certificate must match one of these (chain, SCT, SET, identity are all checked). */
  identities?: CompiledIdentityPolicy[];
  /**
   * Trust material (Fulcio roots, Rekor and CT keys), loaded only when needed: always for keyless, and for
   * key-based layers that carry a Rekor bundle (their SET is verified). Without it such layers are refused.
   */
  trustedRoot?: () => Promise<TrustedRoot>;
  /** `--insecure-ignore-sct`. */
  ignoreSct?: boolean;
  /** `-a k=v`: required string entries of the payload's `optional`. */
  annotations?: Readonly<Record<string, string>>;
  /** `--insecure-ignore-tlog`. */
  ignoreTlog?: boolean;
  /** Replaces the transparency-log rule (keyless issue: SET verification). */
  tlogCheck?: TlogCheck;
  /** `--check-docker-reference`: require the payload's docker-reference to equal the image's repository. */
  checkDockerReference?: boolean;
  limits?: Partial<Limits>;
}

export interface VerifiedSignature {
  claims: SimpleSigningClaims;
  /** The exact payload bytes that verified. */
  payload: Uint8Array;
  layerDigest: string;
  /** Keyless: who the certificate names. */
  signer?: CertificateSigner;
}

export interface VerifiedImage {
  name: string;
  digest: string;
  verified: VerifiedSignature[];
  /** Layers that did not verify, with reasons (there may be some even when the image verifies). */
  rejected: { index: number; layerDigest: string; reason: string }[];
}

/**
 * cosign's `verify --key` for one image: resolve (NOT_FOUND, exit 11), read `.sig` (none: NO_SIGNATURES,
 * exit 10), check every layer over its exact bytes; none passing is NO_MATCHING_SIGNATURE (exit 12) with
 * each layer's reason in `details`.
 */
export async function verifyImage(target: VerifyTarget, options: VerifyOptions): Promise<VerifiedImage> {
  const withIdentities = (options.identities?.length ?? 0) > 0;
  const keyless = options.verifiers.length === 0 && withIdentities;
  if (options.verifiers.length === 0 && !keyless) throw new OcisignError('USAGE', 'verifying: no public key or certificate identity given');
  const sigRepo = target.signatures ?? target.image;
  const { digest, set } = await resolveWithAttachments(target, sigRepo, 'signature', (d) => ({
    limits: options.limits,
    expectedPayloads: expectedSimpleSigningPayloads(target.dockerReference, d, options.annotations),
  }));
  if (set.layers.length === 0) {
    throw new OcisignError('NO_SIGNATURES', `verifying ${target.name}: no signatures found (${sigRepo.displayName}:${set.tag})`);
  }
  const dockerReference = options.checkDockerReference ? target.dockerReference : undefined;
  const keyOutcomes = (): Promise<Outcome[]> =>
    tlogRule(set.layers, options).then((tlog) => verifySignatureSet(set.layers, { digest, verifiers: options.verifiers, annotations: options.annotations, dockerReference, tlog }));
  const outcomes: Outcome[] = keyless
    ? await keylessOutcomes(set.layers, digest, dockerReference, options)
    : withIdentities
      ? eitherOutcome(await keyOutcomes(), await keylessOutcomes(set.layers, digest, dockerReference, options))
      : await keyOutcomes();
  const result = toResult(target.name, digest, outcomes);
  if (result.verified.length === 0) {
    const noCertificate = keyless && outcomes.every((o) => o.noCertificate === true);
    throw new OcisignError(
      noCertificate ? 'NO_CERTIFICATE' : 'NO_MATCHING_SIGNATURE',
      `verifying ${target.name}: ${noCertificate ? 'no certificate found on any signature' : 'no matching signatures'} (${outcomes.length} checked)`,
      { details: describeFailures(outcomes) },
    );
  }
  return result;
}

/**
 * The payloads cosign writes when signing this image by its repository name (with no annotations, or with
 * exactly the required ones): a layer holding one of them needs no blob request (see readAttachments).
 */
function expectedSimpleSigningPayloads(dockerReference: string, digest: string, annotations: VerifyOptions['annotations']): Uint8Array[] {
  const plain = buildSimpleSigningPayload({ dockerReference, digest });
  return annotations && Object.keys(annotations).length > 0 ? [plain, buildSimpleSigningPayload({ dockerReference, digest, annotations })] : [plain];
}

/** A layer outcome, with who signed (keyless) or whether it lacked a certificate. */
type Outcome = LayerOutcome & { signer?: CertificateSigner; noCertificate?: boolean };

async function keylessOutcomes(
  layers: readonly AttachmentLayer[],
  digest: string,
  dockerReference: string | undefined,
  options: VerifyOptions,
): Promise<Outcome[]> {
  if (!options.trustedRoot) throw new OcisignError('USAGE', 'verifying keyless signatures needs trust material (a trusted root)');
  const root = await options.trustedRoot();
  // loaded here, not at start-up: certificate parsing pulls in @sigstore/core, which key-based runs do not need
  const { verifyKeylessLayer } = await import('../keyless/verify-keyless.ts');
  const check = {
    digest,
    root,
    identities: options.identities ?? [],
    annotations: options.annotations,
    dockerReference,
    ignoreTlog: options.ignoreTlog,
    ignoreSct: options.ignoreSct,
  };
  return layers.map((layer, index) => {
    const v = verifyKeylessLayer(layer, check);
    const base = { index, layerDigest: layer.descriptor.digest };
    return v.ok
      ? { ...base, verdict: { ok: true, claims: v.claims, payload: v.payload }, signer: v.signer }
      : { ...base, verdict: { ok: false, reason: v.reason }, noCertificate: v.noCertificate };
  });
}

/**
 * Keys and identities both trusted (a policy with `keys` and `identities`): a layer passes when either
 * passes; a failing layer gives both reasons (the keyless one only when the layer has a certificate).
 */
function eitherOutcome(byKey: readonly Outcome[], byCert: readonly Outcome[]): Outcome[] {
  return byKey.map((k, i) => {
    const c = byCert[i]!;
    if (k.verdict.ok) return k;
    if (c.verdict.ok || c.noCertificate) return c.verdict.ok ? c : k;
    return { ...k, verdict: { ok: false, reason: `${k.verdict.reason}; keyless: ${c.verdict.reason}` } };
  });
}

/** The transparency-log rule for key-based layers: given, ignored, or SET verification with the root. */
async function tlogRule(layers: readonly AttachmentLayer[], options: VerifyOptions): Promise<TlogCheck> {
  if (options.tlogCheck) return options.tlogCheck;
  if (options.ignoreTlog) return ignoreTlog;
  const anyBundle = layers.some((l) => (l.annotations[CosignAnnotation.Bundle] ?? '').trim() !== '');
  if (!anyBundle || !options.trustedRoot) return requireTlogUnsupported;
  const { rekorBundleCheck } = await import('../verify/rekor-tlog-check.ts');
  return rekorBundleCheck(await options.trustedRoot(), options.verifiers);
}

export type VerifyOutcome = { ok: true; image: VerifiedImage } | { ok: false; name: string; error: OcisignError };

/** Many images with bounded concurrency; results in input order; failures are values here. */
export async function verifyImages(targets: readonly VerifyTarget[], options: VerifyOptions, concurrency = 8): Promise<VerifyOutcome[]> {
  return mapLimit(targets, concurrency, async (t): Promise<VerifyOutcome> => {
    try {
      return { ok: true, image: await verifyImage(t, options) };
    } catch (err) {
      return { ok: false, name: t.name, error: err instanceof OcisignError ? err : withContext(`verifying ${t.name}`, err) };
    }
  });
}


function toResult(name: string, digest: string, outcomes: readonly Outcome[]): VerifiedImage {
  const verified: VerifiedSignature[] = [];
  const rejected: VerifiedImage['rejected'] = [];
  for (const o of outcomes) {
    if (o.verdict.ok) verified.push({ claims: o.verdict.claims, payload: o.verdict.payload, layerDigest: o.layerDigest, ...(o.signer ? { signer: o.signer } : {}) });
    else rejected.push({ index: o.index, layerDigest: o.layerDigest, reason: o.verdict.reason });
  }
  return { name, digest, verified, rejected };
}
