/**
 * From what discovery found to what verification checks: every `.sig`/`.att` layer and every referrer bundle
 * becomes evidence (or a problem with a reason), with its origin; one trust policy (the root loaded only when
 * something needs it); and one check per candidate through the pipeline of src/verify/.
 */
import type { Discovered } from '../discover/discover.ts';
import type { Verifier } from '../sign/signer.ts';
import type { TrustedRoot } from '../sigstore/trusted-root.ts';
import { allSans } from '../sigstore/sans.ts';
import { OcisignError } from '../core/errors.ts';
import { authenticate, type SignerInfo, type TrustPolicy } from '../verify/authenticate.ts';
import { evidenceKind, type EvidenceKind } from '../verify/claims.ts';
import { describeOrigin, type Evidence, type Origin } from '../verify/evidence.ts';
import { evidenceFromAttestationLayer } from '../verify/evidence/from-attestation-layer.ts';
import { evidenceFromSignatureLayer } from '../verify/evidence/from-signature-layer.ts';
import type { CompiledIdentityPolicy } from '../verify/identity.ts';

/** One thing that may be a signature: evidence ready to check, or why it cannot be. */
export type Candidate = { origin: Origin; kind: EvidenceKind } & ({ evidence: Evidence } | { problem: string });

/**
 * The `.sig` layers and referrer bundles, in that order; `kind` says which are image signatures. The bundle parser
 * (@sigstore/bundle and its protobuf types) loads only when there are bundles.
 */
export async function candidatesOf(found: Discovered): Promise<Candidate[]> {
  const out: Candidate[] = [];
  for (const kind of ['signature', 'attestation'] as const) {
    const set = found.tags[kind];
    set?.layers.forEach((layer, i) => {
      const origin: Origin = { kind: 'tag', repository: found.repository, tag: set.tag, layer: i, layerDigest: layer.descriptor.digest };
      const e = layer.payload ? evidenceOfLayer(kind, layer.descriptor.mediaType, layer.payload, layer.annotations, origin) : { ok: false as const, reason: 'payload was not read' };
      if (!e.ok) out.push({ origin, kind, problem: e.reason });
      else for (const evidence of e.value) out.push({ origin, kind, evidence });
    });
  }
  const refs = found.referrers;
  const bundles = refs?.bundles ?? [];
  const fromBundle = bundles.length > 0 ? (await import('../verify/evidence/from-bundle.ts')).evidenceFromBundle : undefined;
  for (const b of bundles) {
    const origin: Origin = { kind: 'referrer', repository: found.repository, manifestDigest: b.manifestDigest, via: refs!.via };
    const e = fromBundle!(b.bytes, origin);
    out.push(e.ok ? { origin, kind: evidenceKind(e.value), evidence: e.value } : { origin, kind: 'signature', problem: e.reason });
  }
  for (const p of refs?.problems ?? []) {
    const origin: Origin = { kind: 'referrer', repository: found.repository, manifestDigest: p.manifestDigest, via: refs!.via };
    out.push({ origin, kind: 'signature', problem: p.reason });
  }
  return out;
}

/** A `.sig` layer is one signature; an `.att` envelope is one per signature it holds. */
function evidenceOfLayer(kind: EvidenceKind, mediaType: string, payload: Uint8Array, annotations: Record<string, string>, origin: Origin) {
  if (kind === 'attestation') return evidenceFromAttestationLayer({ mediaType, envelope: payload, annotations }, origin);
  const e = evidenceFromSignatureLayer({ mediaType, payload, annotations }, origin);
  return e.ok ? { ok: true as const, value: [e.value] } : e;
}

/** Trust as the callers give it. */
export interface TrustOptions {
  verifiers: readonly Verifier[];
  identities?: readonly CompiledIdentityPolicy[];
  /** Loaded only when needed: for keyless identities, and to check log entries and timestamps. */
  trustedRoot?: () => Promise<TrustedRoot>;
  ignoreTlog?: boolean;
  ignoreSct?: boolean;
  /** The clock, for certificates nothing logged (keyless with --insecure-ignore-tlog). */
  now?: Date;
}

/** The trust policy for these candidates; the root is fetched only when one of them needs it. */
export async function trustPolicyFor(options: TrustOptions, candidates: readonly Candidate[]): Promise<TrustPolicy> {
  const identities = options.identities ?? [];
  const ignoreTlog = options.ignoreTlog === true;
  const logged = candidates.some((c) => 'evidence' in c && c.evidence.bundle.verificationMaterial.tlogEntries.length > 0);
  const needsRoot = identities.length > 0 || (!ignoreTlog && logged);
  if (needsRoot && !options.trustedRoot) {
    if (identities.length > 0) throw new OcisignError('USAGE', 'verifying keyless signatures needs trust material (a trusted root)');
  }
  const root = needsRoot && options.trustedRoot ? await options.trustedRoot() : undefined;
  return {
    keys: options.verifiers,
    identities,
    ...(root ? { root } : {}),
    ignoreTlog,
    ignoreSct: options.ignoreSct === true,
    ...(options.now ? { now: options.now } : {}),
  };
}

/** Who signed, as cosign prints it (`optional.Subject`, `optional.Issuer`). */
export interface CertificateSigner {
  subject: string;
  issuer?: string;
}

export function certificateSigner(signer: SignerInfo): CertificateSigner | undefined {
  if (signer.kind !== 'certificate') return undefined;
  const subject = allSans(signer.identity.sans)[0] ?? '';
  return { subject, ...(signer.identity.issuer ? { issuer: signer.identity.issuer } : {}) };
}

export type Checked<T> =
  | { ok: true; origin: Origin; evidence: Evidence; signer: SignerInfo; value: T }
  | { ok: false; origin: Origin; reason: string; noCertificate: boolean };

/** Authenticate, then the claims `claims` checks; a failure at any step is a reason. */
export async function checkCandidate<T>(c: Candidate, trust: TrustPolicy, claims: (e: Evidence) => { ok: true; value: T } | { ok: false; reason: string }): Promise<Checked<T>> {
  if ('problem' in c) return { ok: false, origin: c.origin, reason: c.problem, noCertificate: false };
  const who = await authenticate(c.evidence, trust);
  if (!who.ok) return { ok: false, origin: c.origin, reason: who.reason, noCertificate: who.noCertificate };
  const checked = claims(c.evidence);
  if (!checked.ok) return { ok: false, origin: c.origin, reason: checked.reason, noCertificate: false };
  return { ok: true, origin: c.origin, evidence: c.evidence, signer: who.signer, value: checked.value };
}

/** One line per failure, for stderr: `sha256-….sig layer 0 (sha256:…): reason`. */
export function describeRejections(rejected: readonly { origin: Origin; reason: string }[]): string[] {
  return rejected.map((r) => `${describeOrigin(r.origin)}: ${r.reason}`);
}

/** The digest that names a signature in listings: the layer's, or the referrer manifest's. */
export function originDigest(origin: Origin): string {
  return origin.kind === 'tag' ? origin.layerDigest : origin.kind === 'referrer' ? origin.manifestDigest : origin.name;
}
