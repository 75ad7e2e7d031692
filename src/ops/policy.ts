/**
 * `verify --policy FILE IMAGE…`: the whole policy in one call, for deploy gates — image signatures by the
 * policy's keys (unless `signatures: optional`), then every required attestation type and its CEL conditions.
 * Keys come from the policy (paths relative to it) plus any given explicitly.
 */
import { readFile } from 'node:fs/promises';
import { OcisignError, describeError } from '../core/errors.ts';
import type { Limits } from '../core/limits.ts';
import { loadPolicy, type Policy } from '../policy/policy-file.ts';
import { KeyVerifier } from '../sign/key-signer.ts';
import type { Verifier } from '../sign/signer.ts';
import type { ImageTarget } from './attest.ts';
import { verifyAttestations, type VerifiedAttestations } from './verify-attestation.ts';
import { verifyImage, type VerifiedImage } from './verify.ts';

export interface PolicyVerifyOptions {
  policy: Policy;
  /** Keys besides the policy's (e.g. `--key`). */
  verifiers?: readonly Verifier[];
  ignoreTlog?: boolean;
  limits?: Partial<Limits>;
}

export interface PolicyVerified {
  name: string;
  digest: string;
  signatures?: VerifiedImage;
  attestations?: VerifiedAttestations;
}

/** Load a policy file and its keys. */
export async function loadPolicyWithKeys(path: string): Promise<{ policy: Policy; verifiers: KeyVerifier[] }> {
  const policy = await loadPolicy(path);
  const verifiers: KeyVerifier[] = [];
  for (const file of policy.keys) {
    const pem = await readFile(file, 'utf8').catch((err: unknown) => {
      throw new OcisignError('BAD_INPUT', `policy ${policy.source}: reading key ${file}: ${describeError(err)}`, { cause: err });
    });
    verifiers.push(KeyVerifier.fromPem(pem, file));
  }
  return { policy, verifiers };
}

export async function verifyWithPolicy(target: ImageTarget, options: PolicyVerifyOptions & { policyVerifiers: readonly Verifier[] }): Promise<PolicyVerified> {
  const verifiers = [...options.policyVerifiers, ...(options.verifiers ?? [])];
  if (verifiers.length === 0) throw new OcisignError('BAD_INPUT', `policy ${options.policy.source}: no trusted keys (keys:) and no --key`);
  const out: PolicyVerified = { name: target.name, digest: '' };
  if (options.policy.requireSignatures) {
    out.signatures = await verifyImage({ ...target, signatures: target.attachments }, { verifiers, ignoreTlog: options.ignoreTlog, limits: options.limits });
    out.digest = out.signatures.digest;
  }
  if (options.policy.attestations.length > 0) {
    out.attestations = await verifyAttestations(target, { verifiers, policy: options.policy, ignoreTlog: options.ignoreTlog, limits: options.limits });
    out.digest = out.attestations.digest;
  }
  if (!out.signatures && !out.attestations) throw new OcisignError('BAD_INPUT', `policy ${options.policy.source}: requires neither signatures nor attestations`);
  return out;
}
