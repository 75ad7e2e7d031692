/**
 * The library's verification calls, for a CI script: one image reference and what to trust in, the result as
 * data; a failure throws an OcisignError whose `exitCode` is the CLI's (10 no signatures, 11 no image, 12 none
 * verified, 13 no certificate, 14 policy violation, 3 bad input, 4 registry).
 */
import type { Limits } from '../core/limits.ts';
import { loadPolicy, type Policy } from '../policy/policy-file.ts';
import { verifyImage, type VerifiedImage } from '../ops/verify.ts';
import { verifyAttestations as verifyAttestationsOp, type VerifiedAttestations } from '../ops/verify-attestation.ts';
import { openImage, openSession, trustFrom, type TrustInput } from './session.ts';

export interface VerifyImageOptions extends TrustInput {
  /** `-a k=v`: entries the signed annotations must hold. */
  annotations?: Readonly<Record<string, string>>;
  /** Also require the signed reference to name the image's repository. */
  checkDockerReference?: boolean;
  limits?: Partial<Limits>;
}

/** `ocisign verify`: the image's signatures (`.sig` and Sigstore bundle referrers) by a trusted key or identity. */
export async function verify(image: string, options: VerifyImageOptions): Promise<VerifiedImage> {
  const trust = await trustFrom(options);
  const session = openSession(options.registry);
  try {
    return await verifyImage(openImage(image, session, options.repository), {
      ...trust,
      ...(options.annotations ? { annotations: options.annotations } : {}),
      checkDockerReference: options.checkDockerReference === true,
      ...(options.limits ? { limits: options.limits } : {}),
    });
  } finally {
    await session.close();
  }
}

export interface VerifyAttestationsOptions extends TrustInput {
  /** A cosign `--type` name (`cyclonedx`, `slsaprovenance1`, …) or a predicate type URI; default: all types. */
  type?: string;
  /** A policy file path or a loaded policy: its required attestations and CEL conditions (exit 14). */
  policy?: string | Policy;
  limits?: Partial<Limits>;
}

/** `ocisign verify-attestation`: in-toto attestations (`.att` and bundle referrers) of the image. */
export async function verifyAttestations(image: string, options: VerifyAttestationsOptions): Promise<VerifiedAttestations> {
  const policy = typeof options.policy === 'string' ? await loadPolicy(options.policy) : options.policy;
  // a policy's own keys, identities and trusted root are trusted too, as `verify-attestation --policy` does
  const trust = await trustFrom({
    ...options,
    keys: [...(policy?.keys ?? []), ...(options.keys ?? [])],
    ...(options.trustedRoot === undefined && policy?.trustedRoot ? { trustedRoot: policy.trustedRoot } : {}),
  });
  const session = openSession(options.registry);
  try {
    return await verifyAttestationsOp(openImage(image, session, options.repository), {
      ...trust,
      identities: [...(policy?.identities ?? []), ...trust.identities],
      ...(options.type !== undefined ? { type: options.type } : {}),
      ...(policy ? { policy } : {}),
      ...(options.limits ? { limits: options.limits } : {}),
    });
  } finally {
    await session.close();
  }
}
