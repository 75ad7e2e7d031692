/**
 * `verify-attestation`: the in-toto attestations of an image — cosign 2 `.att` layers and DSSE Sigstore
 * bundles among its referrers alike — through the same pipeline as `verify`: resolve (exit 11), discover
 * (none at all: exit 10), authenticate each and check its statement names the image (none passing: exit 12
 * with every reason; exit 13 when keyless checking found no certificate on any), then `type` (cosign's names
 * or a URI; none matching is exit 12 listing the types found), then the policy (exit 14, naming the rules).
 */
import { predicateTypeUri } from '../attest/predicate-types.ts';
import type { Statement } from '../attest/statement.ts';
import { mapLimit } from '../cosign/map-limit.ts';
import { OcisignError, withContext } from '../core/errors.ts';
import type { Limits } from '../core/limits.ts';
import { discover, type DiscoverOptions } from '../discover/discover.ts';
import { secondLook } from '../discover/second-look.ts';
import type { PolicyViolation } from '../policy/evaluate.ts';
import type { Policy } from '../policy/policy-file.ts';
import { checkAttestationClaims, claimedPredicateType, COSIGN_SIGN_PREDICATE } from '../verify/claims.ts';
import type { Evidence, Origin } from '../verify/evidence.ts';
import type { ImageTarget } from './attest.ts';
import {
  candidatesOf,
  certificateSigner,
  checkCandidate,
  describeRejections,
  originDigest,
  trustPolicyFor,
  type Candidate,
  type CertificateSigner,
  type TrustOptions,
} from './evidence-of.ts';

export interface VerifyAttestationOptions extends TrustOptions {
  /** cosign `--type` name or URI; only matching attestations are returned (none matching: exit 12). */
  type?: string;
  policy?: Pick<Policy, 'attestations' | 'limits'>;
  limits?: Partial<Limits>;
}

/** Who signed, as cosign prints it. */
export type AttestationSigner = CertificateSigner;

export interface VerifiedAttestation {
  statement: Statement;
  /** The statement's exact bytes (the DSSE payload). */
  payload: Uint8Array;
  /** The envelope: the `.att` layer's exact bytes, or a bundle's envelope as JSON. */
  envelope: Uint8Array;
  /** The `.att` layer's digest, or the referrer manifest's. */
  layerDigest: string;
  source: Origin;
  /** Keyless: who the certificate names. */
  signer?: AttestationSigner;
}

export interface VerifiedAttestations {
  name: string;
  digest: string;
  verified: VerifiedAttestation[];
  rejected: { index: number; layerDigest: string; source: Origin; reason: string }[];
  /** Predicate types of every attestation whose signature verified. */
  typesFound: string[];
}

export async function verifyAttestations(target: ImageTarget, options: VerifyAttestationOptions): Promise<VerifiedAttestations> {
  if (options.verifiers.length === 0 && (options.identities?.length ?? 0) === 0) throw new OcisignError('USAGE', 'verifying attestations: no public key or certificate identity given');
  const discoverOptions: DiscoverOptions = { tags: ['attestation'], referrers: true, limits: options.limits };
  let found = await discover(
    { image: target.image, ref: target.ref, name: target.name, ...(target.attachments ? { attachments: target.attachments } : {}) },
    discoverOptions,
  );
  const what = `verifying attestations of ${target.name}`;
  // image signatures (sign/v1 bundles) count only when that very type is asked for
  const wanted = (c: Candidate) => c.kind === 'attestation' || (options.type !== undefined && predicateTypeUri(options.type) === COSIGN_SIGN_PREDICATE);
  let candidates = (await candidatesOf(found)).filter(wanted);
  if (candidates.length === 0) {
    found = await secondLook(target.attachments ?? target.image, found, discoverOptions);
    candidates = (await candidatesOf(found)).filter(wanted);
  }
  if (candidates.length === 0 && !options.policy) {
    const where = `${found.repository}:${found.tags.attestation?.tag ?? '?'}${found.referrers ? ` or its referrers (${found.referrers.via})` : ''}`;
    throw new OcisignError('NO_SIGNATURES', `${what}: no attestations found (${where})`);
  }
  const trust = await trustPolicyFor(options, candidates);
  const result: VerifiedAttestations = { name: target.name, digest: found.digest, verified: [], rejected: [], typesFound: [] };
  let noCertificate = 0;
  const checks = await Promise.all(candidates.map((c) => checkCandidate(c, trust, (e) => checkAttestationClaims(e, found.digest))));
  candidates.forEach((c, index) => {
    const checked = checks[index]!;
    if (checked.ok) {
      const signer = certificateSigner(checked.signer);
      result.verified.push({
        statement: checked.value,
        payload: checked.evidence.content.kind === 'dsse' ? checked.evidence.content.payload : new Uint8Array(),
        envelope: envelopeBytes(checked.evidence, found.tags.attestation?.layers[c.origin.kind === 'tag' ? c.origin.layer : -1]?.payload),
        layerDigest: originDigest(c.origin),
        source: c.origin,
        ...(signer ? { signer } : {}),
      });
    } else {
      const type = 'evidence' in c ? claimedPredicateType(c.evidence) : undefined;
      result.rejected.push({ index, layerDigest: originDigest(c.origin), source: c.origin, reason: type ? `${checked.reason} (predicate type ${type})` : checked.reason });
      if (checked.noCertificate) noCertificate++;
    }
  });
  result.typesFound = [...new Set(result.verified.map((v) => v.statement.predicateType))];
  const details = describeRejections(result.rejected.map((r) => ({ origin: r.source, reason: r.reason })));
  if (result.verified.length === 0 && candidates.length > 0 && noCertificate === candidates.length) {
    throw new OcisignError('NO_CERTIFICATE', `${what}: no certificate found on any attestation (${candidates.length} checked)`, { details });
  }
  if (result.verified.length === 0 && !options.policy) {
    throw new OcisignError('NO_MATCHING_SIGNATURE', `${what}: no matching attestations (${candidates.length} checked)`, { details });
  }
  if (options.policy) await checkPolicy(what, options.policy, result, details);
  if (options.type !== undefined) filterType(what, options.type, result);
  return result;
}

/** The `.att` layer's exact bytes; for a bundle, its envelope as the DSSE JSON cosign prints. */
function envelopeBytes(e: Evidence, layerBytes: Uint8Array | undefined): Uint8Array {
  if (e.origin.kind === 'tag' && layerBytes) return layerBytes;
  if (e.bundle.content.$case !== 'dsseEnvelope') return new Uint8Array();
  const env = e.bundle.content.dsseEnvelope;
  const json = {
    payloadType: env.payloadType,
    payload: Buffer.from(env.payload).toString('base64'),
    signatures: env.signatures.map((s) => ({ keyid: s.keyid, sig: Buffer.from(s.sig).toString('base64') })),
  };
  return new TextEncoder().encode(JSON.stringify(json));
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
