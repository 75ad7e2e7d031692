import type { Argv } from 'yargs';
import type { CliContext } from '../context.ts';

/** cosign's keyless verification flags, shared by verify and verify-attestation. */
export interface IdentityArgs {
  'certificate-identity'?: string;
  'certificate-identity-regexp'?: string;
  'certificate-oidc-issuer'?: string;
  'certificate-oidc-issuer-regexp'?: string;
  'certificate-github-workflow-trigger'?: string;
  'certificate-github-workflow-sha'?: string;
  'certificate-github-workflow-name'?: string;
  'certificate-github-workflow-repository'?: string;
  'certificate-github-workflow-ref'?: string;
  'trusted-root'?: string;
  'insecure-ignore-sct'?: boolean;
}

export function identityFlagOptions<T>(y: Argv<T>) {
  return y
    .option('certificate-identity', { type: 'string', describe: 'keyless: the exact identity (SAN: email, URI, …) the certificate must name' })
    .option('certificate-identity-regexp', { type: 'string', describe: 'keyless: a regexp the identity must match, ANCHORED (^…$ implied; cosign does not anchor)' })
    .option('certificate-oidc-issuer', { type: 'string', describe: 'keyless: the exact OIDC issuer the certificate must name' })
    .option('certificate-oidc-issuer-regexp', { type: 'string', describe: 'keyless: a regexp the OIDC issuer must match, ANCHORED' })
    .option('certificate-github-workflow-trigger', { type: 'string', describe: 'keyless: exact GitHub workflow trigger claim' })
    .option('certificate-github-workflow-sha', { type: 'string', describe: 'keyless: exact GitHub workflow sha claim' })
    .option('certificate-github-workflow-name', { type: 'string', describe: 'keyless: exact GitHub workflow name claim' })
    .option('certificate-github-workflow-repository', { type: 'string', describe: 'keyless: exact GitHub workflow repository claim' })
    .option('certificate-github-workflow-ref', { type: 'string', describe: 'keyless: exact GitHub workflow ref claim' })
    .option('trusted-root', { type: 'string', describe: 'trusted_root.json (Fulcio roots, Rekor and CT keys) for offline verification; default: the policy\'s trustedRoot, else the public-good root through TUF' })
    .option('insecure-ignore-sct', { type: 'boolean', default: false, describe: 'keyless: do not require an embedded SCT in the certificate' });
}

/** The signature checks `verify` and `manifest verify` share (both read cosign's signatures of images). */
export interface SignatureFlagArgs {
  key?: string | string[];
  /** Repeatable; not `array: true` (that would swallow the IMAGE positional). */
  annotations?: string | string[];
  'insecure-ignore-tlog'?: boolean;
  'check-docker-reference'?: boolean;
  repository?: string;
}

export function signatureFlagOptions<T>(y: Argv<T>) {
  return y
    .option('key', { type: 'string', describe: 'public key file, awskms://… or pkcs11:… key (repeat: any one key verifying is enough); without it: keyless' })
    .option('annotations', { alias: 'a', type: 'string', describe: 'require key=value in the signed payload (repeatable, comma-separated)' })
    .option('insecure-ignore-tlog', { type: 'boolean', default: false, describe: 'accept signatures without a verified transparency log entry' })
    .option('check-docker-reference', { type: 'boolean', default: false, describe: 'also require the signed docker-reference to equal the image repository (not checked by cosign)' })
    .option('repository', { type: 'string', describe: 'read signatures from this repository (default: $COSIGN_REPOSITORY)' });
}

export interface TrustNeeds {
  /** No public key is trusted (no --key, no policy keys): identities (flags or policy) are all there is. */
  keyless: boolean;
  /** Identities and trusted root of a policy file, if any (and its per-image rules, which bring their own trust). */
  policy?: { identities: readonly unknown[]; trustedRoot?: string; images?: readonly { keys?: readonly unknown[]; identities?: readonly unknown[] }[] };
}

/**
 * Trust material (lazy: --trusted-root, else the policy's trustedRoot, else TUF) and the identity the flags
 * give when no key is trusted. The flags need an identity and an issuer, as cosign (usage error otherwise);
 * without a key and without a policy identity, they are required.
 */
export async function verificationTrust(ctx: CliContext, args: IdentityArgs, needs: TrustNeeds) {
  const { trustedRootProvider, defaultTufCachePath } = await import('../../sigstore/trust-source.ts');
  const { homedir } = await import('node:os');
  const file = args['trusted-root'] ?? needs.policy?.trustedRoot;
  const trustedRoot = trustedRootProvider({
    ...(file ? { trustedRootFile: file } : {}),
    tufCachePath: defaultTufCachePath(ctx.env, ctx.env.HOME || homedir()),
  });
  const ignoreSct = args['insecure-ignore-sct'] === true;
  const hasIdentity = args['certificate-identity'] !== undefined || args['certificate-identity-regexp'] !== undefined;
  const hasIssuer = args['certificate-oidc-issuer'] !== undefined || args['certificate-oidc-issuer-regexp'] !== undefined;
  const ruleTrust = needs.policy?.images?.reduce((n, r) => n + (r.keys?.length ?? 0) + (r.identities?.length ?? 0), 0) ?? 0;
  const policyIdentities = (needs.policy?.identities.length ?? 0) + ruleTrust;
  // as cosign: with a public key the identity flags play no part
  if (!needs.keyless || (!hasIdentity && !hasIssuer && policyIdentities > 0)) return { trustedRoot, ignoreSct, identities: [] };
  if (!hasIdentity || !hasIssuer) {
    const { OcisignError } = await import('../../core/errors.ts');
    throw new OcisignError('USAGE', 'verifying without --key needs --certificate-identity or --certificate-identity-regexp, and --certificate-oidc-issuer or --certificate-oidc-issuer-regexp');
  }
  const { compileIdentityPolicy } = await import('../../verify/identity.ts');
  const identity = compileIdentityPolicy({
    subject: args['certificate-identity'],
    subjectRegExp: args['certificate-identity-regexp'],
    issuer: args['certificate-oidc-issuer'],
    issuerRegExp: args['certificate-oidc-issuer-regexp'],
    githubWorkflowTrigger: args['certificate-github-workflow-trigger'],
    githubWorkflowSha: args['certificate-github-workflow-sha'],
    githubWorkflowName: args['certificate-github-workflow-name'],
    githubWorkflowRepository: args['certificate-github-workflow-repository'],
    githubWorkflowRef: args['certificate-github-workflow-ref'],
  });
  return { trustedRoot, ignoreSct, identities: [identity] };
}
