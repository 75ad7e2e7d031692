/**
 * `release IMAGE --key K`: one command for release jobs — generate the image's CycloneDX SBOM, sign the image,
 * attest the SBOM (`--type cyclonedx`) and, with `attachSbom`, also store it unsigned as `.sbom`.
 * Nothing is written before the SBOM is generated, the image signed and the SBOM attested, each logged to
 * Rekor when `tlogUpload` (a failing upload leaves the image untouched).
 */
import { OcisignError } from '../core/errors.ts';
import type { Limits } from '../core/limits.ts';
import type { Logger } from '../oci/client-options.ts';
import { sha256Digest } from '../oci/digest.ts';
import type { Reference } from '../oci/reference.ts';
import type { Signer, Verifier } from '../sign/signer.ts';
import { attachSbom, type AttachedSbom } from './attach.ts';
import { prepareAttestations, resolveTarget, storeAttestations, type AttestResult, type AttestOptions, type ImageTarget } from './attest.ts';
import type { SignatureFormat } from './bundle-store.ts';
import type { BundleWitness, VerificationMaterial } from '../bundle/dsse-bundle.ts';
import { generateSbom } from './sbom.ts';
import { prepareSignatures, storeSignatures, TLOG_UNSUPPORTED, type SignResult, type SignOptions } from './sign.ts';

export interface ReleaseOptions {
  signer: Signer;
  /** `bundle` (default, cosign 3), `legacy` (cosign 2's tags) or `both`, for the signature and the attestation. */
  format?: SignatureFormat;
  /** Bundles: Rekor dsse entry / TSA timestamp; required with `tlogUpload` when writing bundles. */
  bundleWitness?: BundleWitness;
  /** Bundles, keyless: the Fulcio certificate. */
  material?: VerificationMaterial;
  verifier?: Verifier;
  /** Records the image signature (Rekor hashedrekord, TSA); required when `tlogUpload`. */
  witness?: SignOptions['witness'];
  /** Records the SBOM attestation (Rekor dsse, TSA); required when `tlogUpload`. */
  envelopeWitness?: AttestOptions['witness'];
  /** Keyless: the certificate and chain on both layers. */
  layerAnnotations?: Readonly<Record<string, string>>;
  /** The parsed reference of the image (the SBOM scanner reads it). */
  reference: Reference;
  attachSbom?: boolean;
  tlogUpload: boolean;
  statementVersion?: 'v1' | 'v0.1';
  toolVersion: string;
  /** SBOM timestamp (SOURCE_DATE_EPOCH); the SBOM is deterministic for the same image and time. */
  now?: Date;
  platform?: string;
  logger?: Logger;
  limits?: Partial<Limits>;
}

export interface ReleaseResult {
  image: string;
  digest: string;
  sbom: { mediaType: string; digest: string; size: number; platform?: string; describes?: string };
  signatures: SignResult[];
  attestations: AttestResult[];
  sbomAttachment?: AttachedSbom;
}

export async function releaseImage(target: ImageTarget, options: ReleaseOptions): Promise<ReleaseResult> {
  const legacy = options.format === 'legacy' || options.format === 'both';
  const bundle = options.format !== 'legacy';
  if (options.tlogUpload && ((legacy && (!options.witness || !options.envelopeWitness)) || (bundle && !options.bundleWitness))) {
    throw new OcisignError('USAGE', `releasing ${target.name}: ${TLOG_UNSUPPORTED}`);
  }
  const { digest } = await resolveTarget(target);
  const pinned = { ...target, ref: digest };
  const sbom = await generateSbom(
    { kind: 'image', repository: target.image, ref: { ...options.reference, digest }, platform: options.platform },
    { format: 'cyclonedx-json', toolVersion: options.toolVersion, timestamp: options.now, deterministic: true },
  );
  const common = {
    tlogUpload: options.tlogUpload,
    logger: options.logger,
    limits: options.limits,
    format: options.format,
    now: options.now,
    ...(options.layerAnnotations ? { layerAnnotations: options.layerAnnotations } : {}),
    ...(options.bundleWitness ? { bundleWitness: options.bundleWitness } : {}),
    ...(options.material ? { material: options.material } : {}),
  };
  const signOptions: SignOptions = { ...common, signer: options.signer, verifier: options.verifier, ...(options.witness ? { witness: options.witness } : {}) };
  const attestOptions: AttestOptions = {
    ...common,
    signer: options.signer,
    predicate: { bytes: sbom.bytes, source: `the SBOM of ${target.name}` },
    type: 'cyclonedx',
    statementVersion: options.statementVersion,
    now: options.now,
    ...(options.envelopeWitness ? { witness: options.envelopeWitness } : {}),
  };
  // everything signed and logged before anything is stored
  const preparedSignatures = await prepareSignatures([{ ...pinned, signatures: target.attachments }], signOptions);
  const preparedAttestations = await prepareAttestations([pinned], attestOptions);
  const signatures = await storeSignatures(preparedSignatures, signOptions);
  const attestations = await storeAttestations(preparedAttestations, attestOptions);
  const result: ReleaseResult = {
    image: target.name,
    digest,
    sbom: { mediaType: sbom.mediaType, digest: sha256Digest(sbom.bytes), size: sbom.bytes.byteLength, platform: sbom.platform, describes: sbom.digest },
    signatures,
    attestations,
  };
  if (options.attachSbom) result.sbomAttachment = await attachSbom(pinned, sbom.bytes, 'application/vnd.cyclonedx+json');
  return result;
}
