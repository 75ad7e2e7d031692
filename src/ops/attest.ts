/**
 * `attest --key`: for the image (and with `recursive` every manifest of an index) an in-toto statement whose
 * subject is the repository name + manifest digest, signed over DSSE PAE, appended as a layer of
 * `sha256-<hex>.att` (media type application/vnd.dsse.envelope.v1+json, annotations `predicateType` and an
 * empty `dev.cosignproject.cosign/signature`). Attestations never dedupe (cosign); the append loop's read-back
 * merge keeps every concurrent writer's layer.
 */
import { open, stat } from 'node:fs/promises';
import { buildPredicateJson } from '../attest/predicate.ts';
import { resolvePredicateType } from '../attest/predicate-types.ts';
import { signStatementWith } from '../attest/envelope.ts';
import { buildStatement, type StatementVersion } from '../attest/statement.ts';
import { appendAttachment } from '../cosign/append.ts';
import { mapLimit } from '../cosign/map-limit.ts';
import { CosignAnnotation, CosignMediaType } from '../cosign/media-types.ts';
import { OcisignError, describeError, withContext } from '../core/errors.ts';
import { DEFAULT_LIMITS, type Limits } from '../core/limits.ts';
import type { Logger } from '../oci/client-options.ts';
import { isDigest } from '../oci/digest.ts';
import type { Repository } from '../oci/repository.ts';
import type { Signer } from '../sign/signer.ts';
import { TLOG_UNSUPPORTED } from './sign.ts';
import type { BundleWitness, VerificationMaterial } from '../bundle/dsse-bundle.ts';
import { prepareBundle, resolveSubject, storeBundle, subjectDescriptor, writesBundle, writesLegacy, type PreparedBundle, type SignatureFormat, type StoredBundle } from './bundle-store.ts';
import { collectDigests } from './resolve-target.ts';

export { resolveTarget } from './resolve-target.ts';

/** One image: its repository, the tag or digest to resolve, names for messages and the statement subject. */
export interface ImageTarget {
  image: Repository;
  ref: string;
  name: string;
  /** `registry/repo`: the statement subject's name (cosign: the repository name). */
  dockerReference: string;
  /** Where `.att`/`.sbom` go (COSIGN_REPOSITORY); defaults to `image`. */
  attachments?: Repository;
}

export interface AttestOptions {
  signer: Signer;
  /** `bundle` (cosign 3's default: a Sigstore bundle in an OCI referrer), `legacy` (cosign 2's `.att`), or `both`. */
  format?: SignatureFormat;
  /** Bundles: the Rekor dsse entry / TSA timestamp (required with tlogUpload when writing bundles). */
  bundleWitness?: BundleWitness;
  /** Bundles, keyless: the Fulcio certificate (default: the signer's public key, as a hint). */
  material?: VerificationMaterial;
  /** The `--predicate` file's bytes (see readPredicateFile) and its name for messages. */
  predicate: { bytes: Uint8Array; source: string };
  /** cosign `--type` name or a URI; default `custom`. */
  type?: string;
  /** Default v1; v0.1 is what cosign 2 writes. */
  statementVersion?: StatementVersion;
  recursive?: boolean;
  /** cosign's default is true: every envelope is logged (a dsse entry), so a `witness` is then required. */
  tlogUpload: boolean;
  /**
   * Records each envelope (Rekor dsse entry, TSA) and returns the annotations proving it (`bundle`,
   * `rfc3161timestamp`); see keyWitness/setupKeylessSigning `envelopeWitness`. Every envelope is signed and
   * witnessed before the first one is stored: a failing witness means nothing is written.
   */
  witness?: (signed: { payload: Uint8Array; signature: Uint8Array }) => Promise<Record<string, string>>;
  /** Annotations every `.att` layer carries (keyless: the certificate and chain). */
  layerAnnotations?: Readonly<Record<string, string>>;
  /** Timestamp of a custom predicate. */
  now?: Date;
  logger?: Logger;
  limits?: Partial<Limits>;
  settle?: boolean;
}

export interface AttestedManifest {
  format: 'legacy';
  digest: string;
  /** `<repo>:sha256-<hex>.att` */
  attestationTag: string;
  predicateType: string;
  layerDigest: string;
  layerCount: number;
}

/** What one attestation stored: a `.att` layer (legacy) or a bundle referrer. */
export type AttestResult = AttestedManifest | StoredBundle;

/** An attestation signed and witnessed, not yet stored: a `.att` layer, or a bundle. */
export type PreparedAttestation = PreparedLegacyAttestation | { kind: 'bundle'; prepared: PreparedBundle };

export interface PreparedLegacyAttestation {
  kind: 'legacy';
  target: ImageTarget;
  digest: string;
  predicateType: string;
  layer: { payload: Uint8Array; mediaType: string; annotations: Record<string, string> };
}

export async function attestImage(target: ImageTarget, options: AttestOptions): Promise<AttestResult[]> {
  return attestImages([target], options);
}

/** Attest many images: every envelope is signed and logged first, then stored (nothing written on a failure). */
export async function attestImages(targets: readonly ImageTarget[], options: AttestOptions): Promise<AttestResult[]> {
  return storeAttestations(await prepareAttestations(targets, options), options);
}

/** Build, sign and witness the statement of each image (and each child with `recursive`); nothing is written. */
export async function prepareAttestations(targets: readonly ImageTarget[], options: AttestOptions): Promise<PreparedAttestation[]> {
  if (options.tlogUpload && ((writesLegacy(options.format) && !options.witness) || (writesBundle(options.format) && !options.bundleWitness))) {
    throw new OcisignError('USAGE', `attesting ${targets.map((t) => t.name).join(', ')}: ${TLOG_UNSUPPORTED}`);
  }
  const type = resolvePredicateType(options.type ?? 'custom');
  const predicateJson = buildPredicateJson({ ...options.predicate, type, now: options.now ?? new Date() });
  const out: PreparedAttestation[] = [];
  for (const target of targets) {
    const root = await resolveSubject(target);
    if (!isDigest(target.ref)) options.logger?.warn(`image reference ${target.name} uses a tag, not a digest; attesting ${root.digest}`);
    const digests = options.recursive ? await collectDigests(target.image, root.digest, root.mediaType) : [root.digest];
    const perDigest = await mapLimit(digests, 4, async (digest) => {
      const statement = buildStatement({ version: options.statementVersion ?? 'v1', predicateType: type.uri, predicateJson, subjectName: target.dockerReference, digest });
      const prepared: PreparedAttestation[] = [];
      if (writesBundle(options.format)) {
        const subject = digest === root.digest ? root : await subjectDescriptor(target.image, digest, target.name);
        const bundle = await prepareBundle(
          { repo: target.attachments ?? target.image, name: target.name, subject, statement, predicateType: type.uri },
          { signer: options.signer, ...(options.material ? { material: options.material } : {}), ...(options.bundleWitness ? { bundleWitness: options.bundleWitness } : {}) },
        );
        prepared.push({ kind: 'bundle', prepared: bundle });
      }
      if (writesLegacy(options.format)) prepared.push(await prepareDigest(target, digest, type.uri, statement, options));
      return prepared;
    });
    out.push(...perDigest.flat());
  }
  return out;
}

async function prepareDigest(target: ImageTarget, digest: string, predicateType: string, statement: Uint8Array, options: AttestOptions): Promise<PreparedLegacyAttestation> {
  const { envelope, signature } = await signStatementWith(options.signer, statement);
  let witnessed: Record<string, string> = {};
  if (options.witness) {
    try {
      witnessed = await options.witness({ payload: envelope, signature });
    } catch (err) {
      throw withContext(`attesting ${target.name} (${digest}); nothing was written`, err);
    }
  }
  const annotations = { [CosignAnnotation.Signature]: '', ...options.layerAnnotations, ...witnessed, [CosignAnnotation.PredicateType]: predicateType };
  return { kind: 'legacy', target, digest, predicateType, layer: { payload: envelope, mediaType: CosignMediaType.DsseEnvelope, annotations } };
}

/** Append each prepared envelope to its `.att` (the read-back merge keeps concurrent writers' layers). */
export function storeAttestations(prepared: readonly PreparedAttestation[], options: Pick<AttestOptions, 'limits' | 'logger' | 'settle' | 'now'>): Promise<AttestResult[]> {
  return mapLimit<PreparedAttestation, AttestResult>(prepared, 4, async (p) => {
    if (p.kind === 'bundle') return storeBundle(p.prepared, options.now, { settle: options.settle });
    const { target, digest, predicateType, layer } = p;
    const repo = target.attachments ?? target.image;
    const r = await appendAttachment(repo, digest, layer, { kind: 'attestation', limits: options.limits, logger: options.logger, settle: options.settle });
    return { format: 'legacy', digest, attestationTag: `${repo.displayName}:${r.tag}`, predicateType, layerDigest: r.layerDigest, layerCount: r.layerCount };
  });
}

/** Read a predicate file, refusing one over the payload limit before reading it. */
export async function readPredicateFile(path: string, limits: Partial<Limits> = {}): Promise<Uint8Array> {
  const max = limits.maxPayloadBytes ?? DEFAULT_LIMITS.maxPayloadBytes;
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new OcisignError('BAD_INPUT', 'not a regular file');
    if (info.size > max) throw new OcisignError('BAD_INPUT', `${info.size} bytes, more than the limit of ${max}`);
    const fh = await open(path, 'r');
    try {
      const buf = Buffer.alloc(info.size);
      const { bytesRead } = await fh.read(buf, 0, info.size, 0);
      return new Uint8Array(buf.buffer, buf.byteOffset, bytesRead);
    } finally {
      await fh.close();
    }
  } catch (err) {
    throw new OcisignError('BAD_INPUT', `reading predicate ${path}: ${describeError(err)}`, { cause: err });
  }
}


