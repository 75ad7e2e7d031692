/**
 * `verify`: an image needs a verified image signature — a cosign 2 `.sig` layer or a Sigstore bundle referrer
 * signing the `https://sigstore.dev/cosign/sign/v1` statement — from a trusted key or identity.
 *
 * resolve (exit 11 when absent) → discover the `.sig` tag and the referrers, side by side → each becomes
 * evidence → one verifier → claims. Exit 10 when nothing signature-like exists (attestations alone are not
 * signatures), 12 when signatures exist but none verifies (every reason in `details`), 13 when keyless checking
 * found no certificate on any of them. Listing or reading failures are errors (exit 4), never "unsigned".
 */
import { mapLimit } from '../cosign/map-limit.ts';
import { buildSimpleSigningPayload } from '../cosign/simple-signing.ts';
import { OcisignError, withContext } from '../core/errors.ts';
import type { Limits } from '../core/limits.ts';
import { discover, type DiscoverOptions } from '../discover/discover.ts';
import { secondLook } from '../discover/second-look.ts';
import type { Repository } from '../oci/repository.ts';
import { checkSignatureClaims } from '../verify/claims.ts';
import type { Origin } from '../verify/evidence.ts';
import type { SimpleSigningClaims } from '../verify/simple-signing-claims.ts';
import {
  candidatesOf,
  certificateSigner,
  checkCandidate,
  describeRejections,
  originDigest,
  trustPolicyFor,
  type CertificateSigner,
  type TrustOptions,
} from './evidence-of.ts';
import { withManifestArtifacts } from './message-artifacts.ts';

export type { CertificateSigner } from './evidence-of.ts';

/** One image to verify. */
export interface VerifyTarget {
  /** The image's repository. */
  image: Repository;
  /** Tag or digest to resolve in `image`. */
  ref: string;
  /** How to name the image in messages, e.g. `127.0.0.1:5000/app:v1`. */
  name: string;
  /** The image's tag-less repository name (cosign's docker-reference), for `checkDockerReference`. */
  dockerReference: string;
  /** Where the signatures live (COSIGN_REPOSITORY); defaults to `image`. */
  signatures?: Repository;
}

export interface VerifyOptions extends TrustOptions {
  /** `-a k=v`: required string entries of the signed annotations. */
  annotations?: Readonly<Record<string, string>>;
  /** `--check-docker-reference`: require the signed reference to equal the image's repository. */
  checkDockerReference?: boolean;
  limits?: Partial<Limits>;
}

export interface VerifiedSignature {
  claims: SimpleSigningClaims;
  /** The exact signed content: the simple-signing payload, or the statement of a bundle. */
  payload: Uint8Array;
  /** The `.sig` layer's digest, or the referrer manifest's. */
  layerDigest: string;
  /** Where it was found. */
  source: Origin;
  /** Keyless: who the certificate names. */
  signer?: CertificateSigner;
}

export interface VerifiedImage {
  name: string;
  digest: string;
  verified: VerifiedSignature[];
  /** Signatures that did not verify, with reasons (there may be some even when the image verifies). */
  rejected: { index: number; layerDigest: string; source: Origin; reason: string }[];
}

export async function verifyImage(target: VerifyTarget, options: VerifyOptions): Promise<VerifiedImage> {
  if (options.verifiers.length === 0 && (options.identities?.length ?? 0) === 0) {
    throw new OcisignError('USAGE', 'verifying: no public key or certificate identity given');
  }
  // A registry that answered for an earlier image that it has no referrers route is not asked again (one request
  // per image fewer). A failing verdict reached that way is not final: the image is verified once more, the API
  // asked, so a registry whose routes differ by repository can never make a signed image look unsigned.
  const assumed = { used: false };
  try {
    return await verifyImageOnce(target, options, assumed);
  } catch (err) {
    if (!assumed.used || !(err instanceof OcisignError) || !VERDICTS.has(err.code)) throw err;
    return verifyImageOnce(target, options);
  }
}

const VERDICTS = new Set(['NO_SIGNATURES', 'NO_MATCHING_SIGNATURE', 'NO_CERTIFICATE']);

/** One verification; with `assumed`, remembered "no referrers API" answers are used, and `assumed.used` says so. */
async function verifyImageOnce(target: VerifyTarget, options: VerifyOptions, assumed?: { used: boolean }): Promise<VerifiedImage> {
  const discoverOptions: DiscoverOptions = {
    tags: ['signature'],
    referrers: true,
    limits: options.limits,
    expectedPayloads: (d) => expectedSimpleSigningPayloads(target.dockerReference, d, options.annotations),
    skipKnownMissingApi: assumed !== undefined,
  };
  let found = await discover(
    { image: target.image, ref: target.ref, name: target.name, ...(target.signatures ? { attachments: target.signatures } : {}) },
    discoverOptions,
  );
  if (assumed && found.referrers?.apiAssumedMissing) assumed.used = true;
  const signaturesOf = async () => (await withManifestArtifacts(await candidatesOf(found), target.image, found.digest));
  let all = await signaturesOf();
  if (!all.some((c) => c.kind === 'signature')) {
    found = await secondLook(target.signatures ?? target.image, found, discoverOptions);
    all = await signaturesOf();
  }
  const signatures = all.filter((c) => c.kind === 'signature');
  if (signatures.length === 0) {
    const attestations = all.length - signatures.length;
    const where = `${found.repository}:${found.tags.signature?.tag ?? '?'}${found.referrers ? ` or its referrers (${found.referrers.via})` : ''}`;
    const also = attestations > 0 ? `; ${attestations} attestation${attestations === 1 ? '' : 's'} found, which ${attestations === 1 ? 'is' : 'are'} not a signature` : '';
    throw new OcisignError('NO_SIGNATURES', `verifying ${target.name}: no signatures found (${where})${also}`);
  }
  const trust = await trustPolicyFor(options, signatures);
  const expect = { digest: found.digest, dockerReference: target.dockerReference, annotations: options.annotations, checkDockerReference: options.checkDockerReference };
  const result: VerifiedImage = { name: target.name, digest: found.digest, verified: [], rejected: [] };
  let noCertificate = 0;
  const checks = await Promise.all(signatures.map((c) => checkCandidate(c, trust, (e) => checkSignatureClaims(e, expect))));
  signatures.forEach((c, index) => {
    const checked = checks[index]!;
    if (checked.ok) {
      const signer = certificateSigner(checked.signer);
      const e = checked.evidence;
      const payload = e.content.kind === 'message' ? new Uint8Array() : e.content.payload;
      result.verified.push({ claims: checked.value, payload, layerDigest: originDigest(c.origin), source: c.origin, ...(signer ? { signer } : {}) });
    } else {
      result.rejected.push({ index, layerDigest: originDigest(c.origin), source: c.origin, reason: checked.reason });
      if (checked.noCertificate) noCertificate++;
    }
  });
  if (result.verified.length === 0) {
    const keyless = options.verifiers.length === 0;
    const none = keyless && noCertificate === signatures.length;
    throw new OcisignError(
      none ? 'NO_CERTIFICATE' : 'NO_MATCHING_SIGNATURE',
      `verifying ${target.name}: ${none ? 'no certificate found on any signature' : 'no matching signatures'} (${signatures.length} checked)`,
      { details: describeRejections(result.rejected.map((r) => ({ origin: r.source, reason: r.reason }))) },
    );
  }
  return result;
}

/**
 * The payloads cosign writes when signing this image by its repository name (with no annotations, or with
 * exactly the required ones): a layer holding one of them needs no blob request (see readAttachments).
 */
function expectedSimpleSigningPayloads(dockerReference: string, digest: string, annotations: VerifyOptions['annotations']): Uint8Array[] {
  const plain = buildSimpleSigningPayload({ dockerReference, digest });
  return annotations && Object.keys(annotations).length > 0 ? [plain, buildSimpleSigningPayload({ dockerReference, digest, annotations })] : [plain];
}

export type VerifyOutcome = { ok: true; image: VerifiedImage } | { ok: false; name: string; error: OcisignError };

/** Many images with bounded concurrency; results in input order; failures are values here. */
export async function verifyImages(targets: readonly VerifyTarget[], options: VerifyOptions, concurrency = 8): Promise<VerifyOutcome[]> {
  return mapLimit(targets, concurrency, async (t): Promise<VerifyOutcome> => {
    try {
      return { ok: true, image: await verifyImage(t, options) };
    } catch (err) {
      return { ok: false, name: t.name, error: err instanceof OcisignError ? err : withContext(`verifying ${t.name}`, err) };
    }
  });
}
