/**
 * `verify-attestation --key`: resolve (exit 11), read `.att` (none: exit 10), check every layer (DSSE media
 * type and payloadType, signature over PAE of the exact payload, statement subject = image digest, tlog rule);
 * none passing is exit 12 with each layer's reason. Then `type` (cosign's names or a URI; none matching is
 * exit 12 listing the types found), then the policy (violations: POLICY_VIOLATION, exit 14, naming the rules).
 */
import { predicateTypeUri } from '../attest/predicate-types.ts';
import type { Statement } from '../attest/statement.ts';
import { verifyAttestationLayer } from '../attest/verify-layer.ts';
import { readAttachments } from '../cosign/attachments.ts';
import { mapLimit } from '../cosign/map-limit.ts';
import { OcisignError, withContext } from '../core/errors.ts';
import type { Limits } from '../core/limits.ts';
import { applyPolicy, describeViolation, type PolicyViolation } from '../policy/evaluate.ts';
import type { Policy } from '../policy/policy-file.ts';
import type { Verifier } from '../sign/signer.ts';
import { ignoreTlog, requireTlogUnsupported, type TlogCheck } from '../verify/tlog-check.ts';
import { resolveTarget, type ImageTarget } from './attest.ts';

export interface VerifyAttestationOptions {
  verifiers: readonly Verifier[];
  /** cosign `--type` name or URI; only matching attestations are returned (none matching: exit 12). */
  type?: string;
  policy?: Pick<Policy, 'attestations' | 'limits'>;
  ignoreTlog?: boolean;
  tlogCheck?: TlogCheck;
  limits?: Partial<Limits>;
}

export interface VerifiedAttestation {
  statement: Statement;
  /** The statement's exact bytes (the DSSE payload). */
  payload: Uint8Array;
  /** The envelope's exact bytes (the `.att` layer). */
  envelope: Uint8Array;
  layerDigest: string;
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
  if (options.verifiers.length === 0) throw new OcisignError('USAGE', 'verifying attestations: no public key given');
  const { digest } = await resolveTarget(target);
  const repo = target.attachments ?? target.image;
  const set = await readAttachments(repo, digest, 'attestation', { payloads: true, limits: options.limits });
  const what = `verifying attestations of ${target.name}`;
  if (set.layers.length === 0 && !options.policy) throw new OcisignError('NO_SIGNATURES', `${what}: no attestations found (${repo.displayName}:${set.tag})`);
  const tlog = options.tlogCheck ?? (options.ignoreTlog ? ignoreTlog : requireTlogUnsupported);
  const result: VerifiedAttestations = { name: target.name, digest, verified: [], rejected: [], typesFound: [] };
  set.layers.forEach((layer, index) => {
    const verdict = verifyAttestationLayer({ mediaType: layer.descriptor.mediaType, envelope: layer.payload!, annotations: layer.annotations }, { digest, verifiers: options.verifiers, tlog });
    if (verdict.ok) result.verified.push({ statement: verdict.statement, payload: verdict.payload, envelope: layer.payload!, layerDigest: layer.descriptor.digest });
    else result.rejected.push({ index, layerDigest: layer.descriptor.digest, reason: verdict.reason });
  });
  result.typesFound = [...new Set(result.verified.map((v) => v.statement.predicateType))];
  const details = result.rejected.map((r) => `attestation ${r.index} (layer ${r.layerDigest}): ${r.reason}`);
  if (result.verified.length === 0 && !options.policy) {
    throw new OcisignError('NO_MATCHING_SIGNATURE', `${what}: no matching attestations (${set.layers.length} checked)`, { details });
  }
  if (options.policy) checkPolicy(what, options.policy, result, details);
  if (options.type !== undefined) filterType(what, options.type, result);
  return result;
}

function checkPolicy(what: string, policy: Pick<Policy, 'attestations' | 'limits'>, result: VerifiedAttestations, details: string[]): void {
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
