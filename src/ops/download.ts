/**
 * `download sbom|signature|attestation`: what cosign prints. sbom: the raw layer bytes of the one-layer
 * `.sbom` image (for an index without one, `platform` picks a child). signature: one JSON line per `.sig` layer
 * (`{"Base64Signature","Payload","Cert","Chain","Bundle","RFC3161Timestamp"}`), then one line per Sigstore
 * bundle referrer that is an image signature (the bundle JSON, compact). attestation: one JSON line per `.att`
 * layer (the envelope), then one per attestation bundle referrer (the bundle JSON, compact), optionally only those
 * whose predicate type matches. Nothing here is verified: `verify`/`verify-attestation` do that.
 */
import { predicateTypeUri } from '../attest/predicate-types.ts';
import { readAttachments, type AttachmentLayer } from '../cosign/attachments.ts';
import { CosignAnnotation } from '../cosign/media-types.ts';
import { OcisignError } from '../core/errors.ts';
import type { Limits } from '../core/limits.ts';
import { parseManifest } from '../oci/manifest.ts';
import { discover } from '../discover/discover.ts';
import type { ReferrerBundle } from '../discover/referrer-bundles.ts';
import { claimedPredicateType, evidenceKind, type EvidenceKind } from '../verify/claims.ts';
import { evidenceFromBundle } from '../verify/evidence/from-bundle.ts';
import { resolveTarget, type ImageTarget } from './attest.ts';

export interface DownloadedSbom {
  digest: string;
  mediaType: string;
  bytes: Uint8Array;
}

export async function downloadSbom(target: ImageTarget, options: { platform?: string; limits?: Partial<Limits> } = {}): Promise<DownloadedSbom> {
  const root = await resolveTarget(target);
  const repo = target.attachments ?? target.image;
  let digest = root.digest;
  let set = await readAttachments(repo, digest, 'sbom', { payloads: true, limits: options.limits });
  if (set.layers.length === 0) {
    const platforms = await indexPlatforms(target, root.digest);
    const child = options.platform ? platforms.find((p) => p.platform === options.platform) : undefined;
    if (platforms.length > 0 && !child) {
      const list = platforms.map((p) => p.platform).join(', ');
      throw new OcisignError(options.platform ? 'NOT_FOUND' : 'USAGE', `downloading the SBOM of ${target.name}: no SBOM on the index${options.platform ? ` and no platform ${options.platform}` : ''}; pass --platform, one of: ${list}`);
    }
    if (child) {
      digest = child.digest;
      set = await readAttachments(repo, digest, 'sbom', { payloads: true, limits: options.limits });
    }
  }
  if (set.layers.length !== 1) {
    if (set.layers.length === 0) throw new OcisignError('NOT_FOUND', `downloading the SBOM of ${target.name}: no SBOM attached (${repo.displayName}:${set.tag})`);
    throw new OcisignError('BAD_INPUT', `downloading the SBOM of ${target.name}: ${set.tag} has ${set.layers.length} layers, want exactly one`);
  }
  return { digest, mediaType: set.layers[0]!.descriptor.mediaType, bytes: set.layers[0]!.payload! };
}

async function indexPlatforms(target: ImageTarget, digest: string): Promise<{ platform: string; digest: string }[]> {
  const raw = await target.image.getManifest(digest);
  if (!raw) return [];
  const parsed = parseManifest(raw.bytes, raw.mediaType, `${target.name}@${digest}`);
  if (parsed.kind !== 'index') return [];
  return parsed.manifest.manifests.flatMap((m) => {
    const p = m.platform;
    return p ? [{ platform: [p.os, p.architecture, p.variant].filter(Boolean).join('/'), digest: m.digest }] : [];
  });
}

/** cosign's `download signature` lines, then the signature bundles among the referrers. */
export async function downloadSignatures(target: ImageTarget, options: { limits?: Partial<Limits> } = {}): Promise<string[]> {
  const found = await discover(target, { tags: ['signature'], referrers: true, limits: options.limits });
  const lines = [...(found.tags.signature?.layers ?? []).map(signatureLine), ...bundleLines(found.referrers?.bundles ?? [], 'signature')];
  if (lines.length === 0) throw new OcisignError('NO_SIGNATURES', `downloading signatures of ${target.name}: no signatures found`);
  return lines;
}

/** Referrer bundles of one kind, each as compact JSON (with the predicate type it claims, for filtering). */
function bundleLines(bundles: readonly ReferrerBundle[], kind: EvidenceKind, predicateType?: string): string[] {
  return bundles.flatMap((b) => {
    const e = evidenceFromBundle(b.bytes, { kind: 'input', name: b.manifestDigest });
    if (!e.ok || evidenceKind(e.value) !== kind) return [];
    if (predicateType !== undefined && claimedPredicateType(e.value) !== predicateType) return [];
    return [JSON.stringify(JSON.parse(Buffer.from(b.bytes).toString('utf8')))];
  });
}

function signatureLine(layer: AttachmentLayer): string {
  const a = layer.annotations;
  const json = (key: string) => {
    try {
      return a[key] === undefined ? null : JSON.parse(a[key]!);
    } catch {
      return a[key];
    }
  };
  return JSON.stringify({
    Base64Signature: a[CosignAnnotation.Signature] ?? '',
    Payload: Buffer.from(layer.payload!).toString('base64'),
    Cert: a[CosignAnnotation.Certificate] ?? null,
    Chain: a[CosignAnnotation.Chain] ?? null,
    Bundle: json(CosignAnnotation.Bundle),
    RFC3161Timestamp: json(CosignAnnotation.Rfc3161Timestamp),
  });
}

/** cosign's `download attestation` lines (each envelope on one line), then the attestation bundles among the referrers. */
export async function downloadAttestations(target: ImageTarget, options: { predicateType?: string; limits?: Partial<Limits> } = {}): Promise<string[]> {
  const found = await discover(target, { tags: ['attestation'], referrers: true, limits: options.limits });
  const layers = found.tags.attestation?.layers ?? [];
  const bundles = found.referrers?.bundles ?? [];
  if (layers.length === 0 && bundleLines(bundles, 'attestation').length === 0) {
    throw new OcisignError('NO_SIGNATURES', `downloading attestations of ${target.name}: no attestations found`);
  }
  const want = options.predicateType === undefined ? undefined : predicateTypeUri(options.predicateType);
  const lines = [
    ...layers.filter((l) => want === undefined || layerPredicateType(l) === want).map(envelopeLine),
    ...bundleLines(bundles, 'attestation', want),
  ];
  if (lines.length === 0) throw new OcisignError('NO_MATCHING_SIGNATURE', `downloading attestations of ${target.name}: none with predicate type ${want}`);
  return lines;
}

function layerPredicateType(layer: AttachmentLayer): string | undefined {
  try {
    const env = JSON.parse(Buffer.from(layer.payload!).toString('utf8')) as { payload?: string };
    const st = JSON.parse(Buffer.from(env.payload ?? '', 'base64').toString('utf8')) as { predicateType?: unknown };
    if (typeof st.predicateType === 'string') return st.predicateType;
  } catch {
    // fall back to the annotation
  }
  return layer.annotations[CosignAnnotation.PredicateType];
}

function envelopeLine(layer: AttachmentLayer): string {
  const text = Buffer.from(layer.payload!).toString('utf8').trim();
  if (!text.includes('\n')) return text;
  try {
    return JSON.stringify(JSON.parse(text));
  } catch {
    return text.replace(/\n/g, ' ');
  }
}
