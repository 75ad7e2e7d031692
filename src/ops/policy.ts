/**
 * `verify --policy FILE IMAGE…`: the whole policy in one call, for deploy gates — image signatures by the
 * policy's keys or keyless identities (unless `signatures: optional`), then every required attestation type
 * and its CEL conditions. Keys and identities come from the policy plus any given explicitly; keyless
 * checks (and SETs of key-signed entries) use `trustedRoot` (the caller picks --trusted-root, the policy's
 * `trustedRoot`, or TUF).
 */
import { readFile } from 'node:fs/promises';
import { OcisignError, describeError } from '../core/errors.ts';
import type { Limits } from '../core/limits.ts';
import { isDigest } from '../oci/digest.ts';
import type { GlobSubject } from '../policy/image-glob.ts';
import { policyForImage } from '../policy/image-rules.ts';
import { loadPolicy, type ImageRule, type Policy } from '../policy/policy-file.ts';
import { KeyVerifier } from '../sign/key-signer.ts';
import type { Verifier } from '../sign/signer.ts';
import type { CompiledIdentityPolicy } from '../verify/identity.ts';
import type { TrustedRoot } from '../sigstore/trusted-root.ts';
import type { ImageTarget } from './attest.ts';
import { verifyAttestations, type VerifiedAttestations } from './verify-attestation.ts';
import { resolveTarget } from './resolve-target.ts';
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
  /** The `images:` rule that applied (policies with per-image rules). */
  rule?: string;
  /** No `images:` rule matched and the policy says `noMatchPolicy: allow`: resolved, not verified. */
  allowed?: true;
}

/**
 * Load a policy file and its keys: `verifiers` are the top-level keys; each `images:` rule with its own keys gets
 * them in `rule.verifiers` (a key file named twice is read once). Any unreadable key is exit 3 before any image.
 */
export async function loadPolicyWithKeys(path: string): Promise<{ policy: Policy; verifiers: KeyVerifier[] }> {
  const policy = await loadPolicy(path);
  const cache = new Map<string, Promise<KeyVerifier>>();
  const verifiers = await loadKeys(policy, policy.keys, cache);
  for (const rule of policy.images ?? []) if (rule.keys) rule.verifiers = await loadKeys(policy, rule.keys, cache);
  return { policy, verifiers };
}

function loadKeys(policy: Policy, files: readonly string[], cache = new Map<string, Promise<KeyVerifier>>()): Promise<KeyVerifier[]> {
  const load = async (file: string): Promise<KeyVerifier> => {
    const pem = await readFile(file, 'utf8').catch((err: unknown) => {
      throw new OcisignError('BAD_INPUT', `policy ${policy.source}: reading key ${file}: ${describeError(err)}`, { cause: err });
    });
    return KeyVerifier.fromPem(pem, file);
  };
  return Promise.all(files.map((f) => cache.get(f) ?? cache.set(f, load(f)).get(f)!));
}

/** The image a target names, as per-image rules see it (the tag is unknown when the target is a digest). */
function globSubject(target: ImageTarget): GlobSubject {
  return isDigest(target.ref) ? { repository: target.dockerReference, digest: target.ref } : { repository: target.dockerReference, tag: target.ref };
}

/** The policy (and its keys) that one image must satisfy, chosen by the policy's `images:` rules. */
export type ChosenPolicy =
  | { kind: 'rule'; policy: Policy; policyVerifiers: readonly Verifier[]; rule?: ImageRule }
  | { kind: 'allowed' }
  | { kind: 'denied'; reason: string };

/**
 * Without `images:` rules the whole policy applies. With them the first rule matching `subject` decides (its keys
 * loaded when the policy came from parsePolicy rather than loadPolicyWithKeys); no match is `denied`, or
 * `allowed` when the policy says `noMatchPolicy: allow`.
 */
export async function choosePolicy(policy: Policy, policyVerifiers: readonly Verifier[], subject: GlobSubject): Promise<ChosenPolicy> {
  const chosen = policyForImage(policy, subject);
  if (chosen.kind !== 'rule') return chosen;
  const rule = chosen.rule;
  if (!rule?.keys) return { kind: 'rule', policy: chosen.policy, policyVerifiers, ...(rule ? { rule } : {}) };
  return { kind: 'rule', policy: chosen.policy, policyVerifiers: rule.verifiers ?? (await loadKeys(policy, rule.keys)), rule };
}

/**
 * `verify --policy`: the policy for one image. With `images:` rules the first rule matching the target's
 * repository and tag (or digest) decides; an image no rule matches is a POLICY_VIOLATION (exit 14), or passes
 * resolved but unverified when the policy says `noMatchPolicy: allow`.
 */
export async function verifyWithPolicy(target: ImageTarget, options: PolicyVerifyOptions & { policyVerifiers: readonly Verifier[] }): Promise<PolicyVerified> {
  const chosen = await choosePolicy(options.policy, options.policyVerifiers, globSubject(target));
  if (chosen.kind === 'denied') throw new OcisignError('POLICY_VIOLATION', `verifying ${target.name}: ${chosen.reason}`);
  if (chosen.kind === 'allowed') return { name: target.name, digest: (await resolveTarget(target)).digest, allowed: true };
  return verifyChosenPolicy(target, { ...options, policy: chosen.policy, policyVerifiers: chosen.policyVerifiers }, chosen.rule);
}

/** Verify against a chosen policy; a failure under an `images:` rule names the rule. */
export async function verifyChosenPolicy(
  target: ImageTarget,
  options: PolicyVerifyOptions & { policyVerifiers: readonly Verifier[] },
  rule: ImageRule | undefined,
): Promise<PolicyVerified> {
  try {
    return { ...(await verifyWholePolicy(target, options)), ...(rule ? { rule: rule.name } : {}) };
  } catch (err) {
    if (!(err instanceof OcisignError) || !rule) throw err;
    throw new OcisignError(err.code, `${err.message} (policy rule ${rule.name})`, { cause: err.cause ?? err, details: err.details });
  }
}

async function verifyWholePolicy(target: ImageTarget, options: PolicyVerifyOptions & { policyVerifiers: readonly Verifier[] }): Promise<PolicyVerified> {
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
