/**
 * Per-image rules (`images:` in a policy file): the first rule with a glob matching the image decides what the
 * image needs; fields the rule leaves out come from the top level. A policy without `images:` applies as a whole
 * to every image, as before.
 */
import type { GlobSubject } from './image-glob.ts';
import type { ImageRule, Policy } from './policy-file.ts';

/** What a policy asks of one image. */
export type ImagePolicy =
  /** Verify against `policy` (the rule's requirements merged over the top level; no `images`). */
  | { kind: 'rule'; policy: Policy; rule?: ImageRule }
  /** No rule matches and `noMatchPolicy: allow`: the image passes unverified. */
  | { kind: 'allowed' }
  /** No rule matches and `noMatchPolicy: deny`. */
  | { kind: 'denied'; reason: string };

export function policyForImage(policy: Policy, image: GlobSubject): ImagePolicy {
  if (!policy.images) return { kind: 'rule', policy };
  const rule = policy.images.find((r) => r.globs.some((g) => g.test(image)));
  if (rule) return { kind: 'rule', policy: effectivePolicy(policy, rule), rule };
  if (policy.noMatchPolicy === 'allow') return { kind: 'allowed' };
  return { kind: 'denied', reason: `no rule in policy ${policy.source} matches ${describeSubject(image)} (noMatchPolicy: deny)` };
}

function effectivePolicy(policy: Policy, rule: ImageRule): Policy {
  const { images: _images, ...top } = policy;
  return {
    ...top,
    keys: rule.keys ?? policy.keys,
    identities: rule.identities ?? policy.identities,
    requireSignatures: rule.requireSignatures ?? policy.requireSignatures,
    attestations: rule.attestations ?? policy.attestations,
  };
}

function describeSubject(s: GlobSubject): string {
  return s.digest !== undefined ? `${s.repository}@${s.digest}` : s.tag !== undefined ? `${s.repository}:${s.tag}` : s.repository;
}
