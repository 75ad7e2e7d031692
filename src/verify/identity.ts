import { OcisignError } from '../core/errors.ts';
import { fail, pass, type Check } from '../sigstore/check.ts';
import { allSans, type CertificateIdentity, type FulcioExtensionName } from '../sigstore/certificate-identity.ts';

/**
 * Who may have signed, as cosign's flags say it: `--certificate-identity[-regexp]`,
 * `--certificate-oidc-issuer[-regexp]`, and the exact-match `--certificate-github-workflow-*` claims.
 */
export interface IdentityPolicy {
  subject?: string;
  subjectRegExp?: string;
  issuer?: string;
  issuerRegExp?: string;
  githubWorkflowTrigger?: string;
  githubWorkflowSha?: string;
  githubWorkflowName?: string;
  githubWorkflowRepository?: string;
  githubWorkflowRef?: string;
}

/** An identity policy with its regular expressions compiled (anchored). */
export interface CompiledIdentityPolicy {
  source: IdentityPolicy;
  subject: Matcher;
  issuer?: Matcher;
  claims: { name: FulcioExtensionName; flag: string; value: string }[];
}

interface Matcher {
  describe: string;
  test(value: string): boolean;
}

const CLAIM_FLAGS: [keyof IdentityPolicy, FulcioExtensionName, string][] = [
  ['githubWorkflowTrigger', 'githubWorkflowTrigger', 'github workflow trigger'],
  ['githubWorkflowSha', 'githubWorkflowSha', 'github workflow sha'],
  ['githubWorkflowName', 'githubWorkflowName', 'github workflow name'],
  ['githubWorkflowRepository', 'githubWorkflowRepository', 'github workflow repository'],
  ['githubWorkflowRef', 'githubWorkflowRef', 'github workflow ref'],
];

/**
 * Compile a policy. A subject (exact or regexp) is required, as in cosign; the issuer is optional
 * here (the CLI requires it like cosign does). Throws USAGE for a missing subject, both forms of one
 * field, or an invalid regexp.
 */
export function compileIdentityPolicy(policy: IdentityPolicy): CompiledIdentityPolicy {
  const subject = matcher('certificate identity', policy.subject, policy.subjectRegExp);
  if (!subject) throw new OcisignError('USAGE', 'keyless verification needs --certificate-identity or --certificate-identity-regexp');
  const issuer = matcher('certificate oidc issuer', policy.issuer, policy.issuerRegExp);
  const claims = CLAIM_FLAGS.filter(([key]) => policy[key] !== undefined).map(([key, name, flag]) => ({
    name,
    flag,
    value: policy[key]!,
  }));
  return { source: policy, subject, ...(issuer ? { issuer } : {}), claims };
}

function matcher(what: string, exact: string | undefined, pattern: string | undefined): Matcher | undefined {
  if (exact !== undefined && pattern !== undefined) {
    throw new OcisignError('USAGE', `${what}: give either the exact value or the regexp, not both`);
  }
  if (exact !== undefined) return { describe: JSON.stringify(exact), test: (v) => v === exact };
  if (pattern === undefined) return undefined;
  return regexpMatcher(what, pattern);
}

/**
 * Regexps are ANCHORED: we match `^(?:pattern)$`. cosign matches Go regexps unanchored
 * (`regexp.MatchString`), so there `--certificate-identity-regexp 'alice@example\.com'` also
 * accepts `mallory+alice@example.com.evil.net`, a known pitfall; a pattern that wants a substring
 * match must now say `.*` explicitly. Patterns use JavaScript syntax, which differs from RE2 in
 * rare corners (no `(?P<name>…)`; backreferences allowed).
 */
function regexpMatcher(what: string, pattern: string): Matcher {
  let re: RegExp;
  try {
    re = new RegExp(`^(?:${pattern})$`);
  } catch (err) {
    throw new OcisignError('USAGE', `${what} regexp ${JSON.stringify(pattern)}: ${(err as Error).message}`);
  }
  return { describe: `/${re.source}/`, test: (v) => re.test(v) };
}

/** Pass when any policy matches the certificate; the reason lists why each one did not. */
export function matchIdentity(identity: CertificateIdentity, policies: CompiledIdentityPolicy[]): Check<IdentityPolicy> {
  if (policies.length === 0) return fail('no identity policy given for a certificate signature');
  const reasons: string[] = [];
  for (const policy of policies) {
    const reason = mismatch(identity, policy);
    if (reason === undefined) return pass(policy.source);
    reasons.push(reason);
  }
  return fail(reasons.join('; '));
}

function mismatch(identity: CertificateIdentity, policy: CompiledIdentityPolicy): string | undefined {
  const sans = allSans(identity.sans);
  if (!sans.some((san) => policy.subject.test(san))) {
    return `certificate identity ${JSON.stringify(sans)} does not match ${policy.subject.describe}`;
  }
  if (policy.issuer) {
    if (identity.issuer === undefined) return 'certificate has no oidc issuer extension';
    if (!policy.issuer.test(identity.issuer)) {
      return `certificate oidc issuer ${JSON.stringify(identity.issuer)} does not match ${policy.issuer.describe}`;
    }
  }
  for (const claim of policy.claims) {
    const actual = identity.extensions[claim.name];
    if (actual !== claim.value) {
      return `certificate ${claim.flag} ${JSON.stringify(actual ?? null)} does not equal ${JSON.stringify(claim.value)}`;
    }
  }
  return undefined;
}
