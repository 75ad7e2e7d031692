/**
 * `verify --policy FILE IMAGE…`: the whole policy in one call, for deploy gates — image signatures by the
 * policy's keys or keyless identities (unless `signatures: optional`), then every required attestation type
 * and its CEL conditions. Keys and identities come from the policy plus any given explicitly; keyless
 * checks (and SETs of key-signed entries) use `trustedRoot` (the caller picks --trusted-root, the policy's
 * `trustedRoot`, or TUF).
 */
import { OcisignError, withContext } from '../core/errors.ts';
import { readFileBounded } from '../core/fs.ts';
import { INPUT_LIMITS } from '../core/input-limits.ts';
import type { Limits } from '../core/limits.ts';
import { loadPolicy, type Policy } from '../policy/policy-file.ts';
import { KeyVerifier } from '../sign/key-signer.ts';
import type { Verifier } from '../sign/signer.ts';
import type { CompiledIdentityPolicy } from '../sigstore/identity.ts';
import type { TrustedRoot } from '../sigstore/trusted-root.ts';
import type { ImageTarget } from './attest.ts';
import { verifyAttestations, type VerifiedAttestations } from './verify-attestation.ts';
import { verifyImage, type VerifiedImage } from './verify.ts';

export interface PolicyVerifyOptions {
  policy: Policy;
  /** Keys besides the policy's (e.g. `--key`). */
  verifiers?: readonly Verifier[];
  /** Identities besides the policy's (e.g. `--certificate-identity`). */
  identities?: CompiledIdentityPolicy[];
  trustedRoot?: () => Promise<TrustedRoot>;
  ignoreSct?: boolean;
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
    const pem = (await readFileBounded(file, INPUT_LIMITS.maxKeyFileBytes, 'key').catch((err: unknown) => {
      throw withContext(`policy ${policy.source}`, err);
    })).toString('utf8');
    verifiers.push(KeyVerifier.fromPem(pem, file));
  }
  return { policy, verifiers };
}

export async function verifyWithPolicy(target: ImageTarget, options: PolicyVerifyOptions & { policyVerifiers: readonly Verifier[] }): Promise<PolicyVerified> {
  const verifiers = [...options.policyVerifiers, ...(options.verifiers ?? [])];
  const identities = [...options.policy.identities, ...(options.identities ?? [])];
  if (verifiers.length === 0 && identities.length === 0) {
    throw new OcisignError('BAD_INPUT', `policy ${options.policy.source}: no trusted keys (keys:) or identities (identities:), and no --key`);
  }
  const trust = {
    verifiers,
    identities,
    ...(options.trustedRoot ? { trustedRoot: options.trustedRoot } : {}),
    ignoreSct: options.ignoreSct,
    ignoreTlog: options.ignoreTlog,
    limits: options.limits,
  };
  const out: PolicyVerified = { name: target.name, digest: '' };
  if (options.policy.requireSignatures) {
    out.signatures = await verifyImage({ ...target, signatures: target.attachments }, trust);
    out.digest = out.signatures.digest;
  }
  if (options.policy.attestations.length > 0) {
    out.attestations = await verifyAttestations(target, { ...trust, policy: options.policy });
    out.digest = out.attestations.digest;
  }
  if (!out.signatures && !out.attestations) throw new OcisignError('BAD_INPUT', `policy ${options.policy.source}: requires neither signatures nor attestations`);
  return out;
}
