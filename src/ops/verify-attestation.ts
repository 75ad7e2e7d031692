/**
 * `verify-attestation`: resolve (exit 11), read `.att` (none: exit 10), check every layer (DSSE media type and
 * payloadType; signed by a trusted key over PAE of the exact payload with the tlog rule — the SET when a bundle
 * is there — or by a certificate matching a trusted identity; statement subject = image digest); none passing
 * is exit 12 with each layer's reason, exit 13 when keyless verification found no certificate on any layer. Then `type` (cosign's names or a URI; none matching is
 * exit 12 listing the types found), then the policy (violations: POLICY_VIOLATION, exit 14, naming the rules).
 */
import { predicateTypeUri } from '../attest/predicate-types.ts';
import type { Statement } from '../attest/statement.ts';
import { verifyAttestationLayer } from '../attest/verify-layer.ts';
import { mapLimit } from '../cosign/map-limit.ts';
import { OcisignError, withContext } from '../core/errors.ts';
import type { Limits } from '../core/limits.ts';
import type { PolicyViolation } from '../policy/evaluate.ts';
import type { Policy } from '../policy/policy-file.ts';
import type { Verifier } from '../sign/signer.ts';
import { ignoreTlog, requireTlogUnsupported } from '../verify/tlog-check.ts';
import type { AttachmentLayer } from '../cosign/attachments.ts';
import { CosignAnnotation } from '../cosign/media-types.ts';
import type { AttestationSigner } from '../attest/keyless-verify.ts';
import type { AttestationCheck, AttestationTlogCheck } from '../attest/verify-layer.ts';
import type { CompiledIdentityPolicy } from '../sigstore/identity.ts';
import type { TrustedRoot } from '../sigstore/trusted-root.ts';
import type { ImageTarget } from './attest.ts';
import { resolveWithAttachments } from './resolve-target.ts';

export interface VerifyAttestationOptions {
  /** Trusted public keys. */
  verifiers: readonly Verifier[];
  /** Trusted keyless identities (certificate, chain, SCT, Rekor entry checked against `trustedRoot`). */
  identities?: CompiledIdentityPolicy[];
  /**
   * Trust material, loaded only when needed: for keyless identities, and for key-signed attestations that
   * carry a Rekor bundle (their SET is verified, so --insecure-ignore-tlog is not needed).
   */
  trustedRoot?: () => Promise<TrustedRoot>;
  /** `--insecure-ignore-sct`. */
  ignoreSct?: boolean;
  /** cosign `--type` name or URI; only matching attestations are returned (none matching: exit 12). */
  type?: string;
  policy?: Pick<Policy, 'attestations' | 'limits'>;
  ignoreTlog?: boolean;
  tlogCheck?: AttestationTlogCheck;
  limits?: Partial<Limits>;
}

export interface VerifiedAttestation {
  statement: Statement;
  /** The statement's exact bytes (the DSSE payload). */
  payload: Uint8Array;
  /** The envelope's exact bytes (the `.att` layer). */
  envelope: Uint8Array;
  layerDigest: string;
  /** Keyless: who the certificate names. */
  signer?: AttestationSigner;
}

export interface VerifiedAttestations {
  name: string;
  digest: string;
  verified: VerifiedAttestation[];
  rejected: { index: number; layerDigest: string; reason: string }[];
  /** Predicate types of every attestation whose signature verified. */
  typesFound: string[];
}

export async function verifyAttestations(target: ImageTarget, options: VerifyAttestationOptions): Promise<VerifiedAttestations> {
  const identities = options.identities ?? [];
  if (options.verifiers.length === 0 && identities.length === 0) throw new OcisignError('USAGE', 'verifying attestations: no public key or certificate identity given');
  const repo = target.attachments ?? target.image;
  const { digest, set } = await resolveWithAttachments(target, repo, 'attestation', () => ({ limits: options.limits }));
  const what = `verifying attestations of ${target.name}`;
  if (set.layers.length === 0 && !options.policy) throw new OcisignError('NO_SIGNATURES', `${what}: no attestations found (${repo.displayName}:${set.tag})`);
  const check = {
    digest,
    verifiers: options.verifiers,
    tlog: await tlogRule(set.layers, options),
    ...(identities.length > 0 ? { keyless: await keylessCheck(identities, options) } : {}),
  };
  const result: VerifiedAttestations = { name: target.name, digest, verified: [], rejected: [], typesFound: [] };
  let noCertificate = 0;
  set.layers.forEach((layer, index) => {
    const verdict = verifyAttestationLayer({ mediaType: layer.descriptor.mediaType, envelope: layer.payload!, annotations: layer.annotations }, check);
    if (verdict.ok) {
      result.verified.push({ statement: verdict.statement, payload: verdict.payload, envelope: layer.payload!, layerDigest: layer.descriptor.digest, ...(verdict.signer ? { signer: verdict.signer } : {}) });
    } else {
      result.rejected.push({ index, layerDigest: layer.descriptor.digest, reason: verdict.reason });
      if (verdict.noCertificate) noCertificate += 1;
    }
  });
  result.typesFound = [...new Set(result.verified.map((v) => v.statement.predicateType))];
  const details = result.rejected.map((r) => `attestation ${r.index} (layer ${r.layerDigest}): ${r.reason}`);
  if (result.verified.length === 0 && set.layers.length > 0 && noCertificate === set.layers.length) {
    throw new OcisignError('NO_CERTIFICATE', `${what}: no certificate found on any attestation (${set.layers.length} checked)`, { details });
  }
  if (result.verified.length === 0 && !options.policy) {
    throw new OcisignError('NO_MATCHING_SIGNATURE', `${what}: no matching attestations (${set.layers.length} checked)`, { details });
  }
  if (options.policy) await checkPolicy(what, options.policy, result, details);
  if (options.type !== undefined) filterType(what, options.type, result);
  return result;
}

/** The rule for key-signed layers: given, ignored, or SET verification when a layer carries a bundle. */
async function tlogRule(layers: readonly AttachmentLayer[], options: VerifyAttestationOptions): Promise<AttestationTlogCheck> {
  if (options.tlogCheck) return options.tlogCheck;
  if (options.ignoreTlog) return ignoreTlog;
  const anyBundle = layers.some((l) => (l.annotations[CosignAnnotation.Bundle] ?? '').trim() !== '');
  if (!anyBundle || !options.trustedRoot || options.verifiers.length === 0) return requireTlogUnsupported;
  const { attestationBundleCheck } = await import('../attest/tlog-bundle.ts');
  return attestationBundleCheck(await options.trustedRoot(), options.verifiers);
}

async function keylessCheck(identities: CompiledIdentityPolicy[], options: VerifyAttestationOptions): Promise<NonNullable<AttestationCheck['keyless']>> {
  if (!options.trustedRoot) throw new OcisignError('USAGE', 'verifying keyless attestations needs trust material (a trusted root)');
  const check = { root: await options.trustedRoot(), identities, ignoreTlog: options.ignoreTlog, ignoreSct: options.ignoreSct };
  // loaded here: certificate parsing is not needed by key-based runs
  const { verifyAttestationCertificate } = await import('../attest/keyless-verify.ts');
  return (layer) => verifyAttestationCertificate(layer, check);
}

async function checkPolicy(what: string, policy: Pick<Policy, 'attestations' | 'limits'>, result: VerifiedAttestations, details: string[]): Promise<void> {
  // loaded here: the CEL evaluator costs ~0.2 s of start-up that runs without a policy do not need
  const { applyPolicy, describeViolation } = await import('../policy/evaluate.ts');
  const violations: PolicyViolation[] = applyPolicy(policy, result.verified.map((v) => ({ statement: v.statement, where: v.layerDigest })));
  if (violations.length > 0) {
    throw new OcisignError('POLICY_VIOLATION', `${what}: policy violated: ${describeViolation(violations[0]!)}`, {
      details: [...violations.slice(1).map(describeViolation), ...details],
    });
  }
}

function filterType(what: string, type: string, result: VerifiedAttestations): void {
  const uri = predicateTypeUri(type);
  const matching = result.verified.filter((v) => v.statement.predicateType === uri);
  if (matching.length === 0) {
    throw new OcisignError('NO_MATCHING_SIGNATURE', `${what}: none of the attestations matched the predicate type: ${type}, found: ${result.typesFound.join(', ') || 'none'}`);
  }
  result.verified = matching;
}

export type VerifyAttestationOutcome = { ok: true; result: VerifiedAttestations } | { ok: false; name: string; error: OcisignError };

/** Many images; failures are values here, in input order. */
export async function verifyAttestationsOf(targets: readonly ImageTarget[], options: VerifyAttestationOptions, concurrency = 4): Promise<VerifyAttestationOutcome[]> {
  return mapLimit(targets, concurrency, async (t): Promise<VerifyAttestationOutcome> => {
    try {
      return { ok: true, result: await verifyAttestations(t, options) };
    } catch (err) {
      return { ok: false, name: t.name, error: err instanceof OcisignError ? err : withContext(`verifying attestations of ${t.name}`, err) };
    }
  });
}
