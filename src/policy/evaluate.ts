import type { Statement } from '../attest/statement.ts';
import { celInput, evaluateCondition, type CelInput } from './cel.ts';
import type { AttestationRule, Policy } from './policy-file.ts';

/** A verified attestation as the policy sees it. */
export interface PolicyAttestation {
  statement: Statement;
  /** Where it was found, for messages (e.g. the `.att` layer digest). */
  where: string;
}

/** One failed rule; a violation is a value, the caller decides (POLICY_VIOLATION, exit 14). */
export interface PolicyViolation {
  rule: string;
  condition?: string;
  reason: string;
}

/**
 * Each rule needs at least one verified attestation of its type, and every verified attestation of that
 * type must satisfy each of its conditions (cosign's `verify-attestation --policy`: any failure fails).
 */
export function applyPolicy(policy: Pick<Policy, 'attestations' | 'limits'>, attestations: readonly PolicyAttestation[]): PolicyViolation[] {
  const inputs = new Map<PolicyAttestation, CelInput>();
  const inputOf = (a: PolicyAttestation) => inputs.get(a) ?? inputs.set(a, celInput(a.statement.raw)).get(a)!;
  return policy.attestations.flatMap((rule) => applyRule(rule, attestations, inputOf, policy.limits.maxCost));
}

function applyRule(rule: AttestationRule, all: readonly PolicyAttestation[], inputOf: (a: PolicyAttestation) => CelInput, maxCost: number): PolicyViolation[] {
  const matching = all.filter((a) => a.statement.predicateType === rule.predicateType);
  if (matching.length === 0) {
    const found = [...new Set(all.map((a) => a.statement.predicateType))];
    return [{ rule: rule.name, reason: `no verified attestation of type ${rule.predicateType} (found: ${found.length > 0 ? found.join(', ') : 'none'})` }];
  }
  const out: PolicyViolation[] = [];
  for (const a of matching) {
    for (const c of rule.conditions) {
      const r = evaluateCondition(c.condition, inputOf(a), maxCost);
      if (!r.ok) out.push({ rule: rule.name, condition: c.name, reason: `${r.reason} (attestation ${a.where})` });
    }
  }
  return out;
}

/** `rule attestations[0] (sbom) condition "no-agpl": evaluated to false (attestation …)`. */
export function describeViolation(v: PolicyViolation): string {
  return `rule ${v.rule}${v.condition === undefined ? '' : ` condition ${JSON.stringify(v.condition)}`}: ${v.reason}`;
}
