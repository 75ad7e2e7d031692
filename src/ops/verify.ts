import { readAttachments } from '../cosign/attachments.ts';
import { mapLimit } from '../cosign/map-limit.ts';
import { OcisignError, withContext } from '../core/errors.ts';
import type { Limits } from '../core/limits.ts';
import type { Repository } from '../oci/repository.ts';
import type { Verifier } from '../sign/signer.ts';
import { describeFailures, verifySignatureSet, type LayerOutcome } from '../verify/signature-set.ts';
import type { SimpleSigningClaims } from '../verify/simple-signing-claims.ts';
import { ignoreTlog, requireTlogUnsupported, type TlogCheck } from '../verify/tlog-check.ts';

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
  /** Trusted public keys; any one verifying a signature is enough. */
  verifiers: readonly Verifier[];
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
  if (options.verifiers.length === 0) throw new OcisignError('USAGE', 'verifying: no public key given');
  const digest = await resolveDigest(target);
  const sigRepo = target.signatures ?? target.image;
  const set = await readAttachments(sigRepo, digest, 'signature', { payloads: true, limits: options.limits });
  if (set.layers.length === 0) {
    throw new OcisignError('NO_SIGNATURES', `verifying ${target.name}: no signatures found (${sigRepo.displayName}:${set.tag})`);
  }
  const outcomes = verifySignatureSet(set.layers, {
    digest,
    verifiers: options.verifiers,
    annotations: options.annotations,
    dockerReference: options.checkDockerReference ? target.dockerReference : undefined,
    tlog: options.tlogCheck ?? (options.ignoreTlog ? ignoreTlog : requireTlogUnsupported),
  });
  const result = toResult(target.name, digest, outcomes);
  if (result.verified.length === 0) {
    throw new OcisignError('NO_MATCHING_SIGNATURE', `verifying ${target.name}: no matching signatures (${outcomes.length} checked)`, {
      details: describeFailures(outcomes),
    });
  }
  return result;
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

async function resolveDigest(target: VerifyTarget): Promise<string> {
  let found;
  try {
    found = await target.image.resolve(target.ref);
  } catch (err) {
    throw withContext(`resolving ${target.name}`, err);
  }
  if (!found) throw new OcisignError('NOT_FOUND', `resolving ${target.name}: image not found`);
  return found.digest;
}

function toResult(name: string, digest: string, outcomes: readonly LayerOutcome[]): VerifiedImage {
  const verified: VerifiedSignature[] = [];
  const rejected: VerifiedImage['rejected'] = [];
  for (const o of outcomes) {
    if (o.verdict.ok) verified.push({ claims: o.verdict.claims, payload: o.verdict.payload, layerDigest: o.layerDigest });
    else rejected.push({ index: o.index, layerDigest: o.layerDigest, reason: o.verdict.reason });
  }
  return { name, digest, verified, rejected };
}
