import { appendAttachment, type AppendResult } from '../cosign/append.ts';
import { isCosignDuplicate } from '../cosign/dedupe.ts';
import { mapLimit } from '../cosign/map-limit.ts';
import { CosignAnnotation, CosignMediaType } from '../cosign/media-types.ts';
import { buildSimpleSigningPayload } from '../cosign/simple-signing.ts';
import { buildSignStatement } from '../bundle/sign-statement.ts';
import { COSIGN_SIGN_PREDICATE_TYPE } from '../bundle/media-types.ts';
import type { BundleWitness, VerificationMaterial } from '../bundle/dsse-bundle.ts';
import { prepareBundle, resolveSubject, storeBundle, subjectDescriptor, writesBundle, writesLegacy, type PreparedBundle, type SignatureFormat, type StoredBundle } from './bundle-store.ts';
import { OcisignError, withContext } from '../core/errors.ts';
import type { Limits } from '../core/limits.ts';
import type { Logger } from '../oci/client-options.ts';
import type { Descriptor } from '../oci/manifest.ts';
import { isDigest } from '../oci/digest.ts';
import type { Repository } from '../oci/repository.ts';
import type { Signer, Verifier } from '../sign/signer.ts';
import { collectDigests } from './resolve-target.ts';

/** One image to sign. */
export interface SignTarget {
  image: Repository;
  /** Tag or digest to resolve in `image`. */
  ref: string;
  /** How to name the image in messages. */
  name: string;
  /** The payload's docker-reference: the tag-less repository of the ORIGINAL image (cosign). */
  dockerReference: string;
  /** Where `.sig` goes (COSIGN_REPOSITORY / --repository); defaults to `image`. */
  signatures?: Repository;
  /** `ref` as `image` answered it already, when `ref` is a digest (the CLI resolves while the key decrypts). */
  resolved?: Descriptor;
}

export interface SignOptions {
  signer: Signer;
  /** `bundle` (cosign 3's default: a Sigstore bundle in an OCI referrer), `legacy` (cosign 2's `.sig`), or `both`. */
  format?: SignatureFormat;
  /** Bundles: the Rekor dsse entry / TSA timestamp (required with tlogUpload when writing bundles). */
  bundleWitness?: BundleWitness;
  /** Bundles, keyless: the Fulcio certificate (default: the signer's public key, as a hint). */
  material?: VerificationMaterial;
  /** Bundles: the referrer's `org.opencontainers.image.created` (SOURCE_DATE_EPOCH); default now. */
  now?: Date;
  /** The signer's own verifier, for cosign's dedupe (re-signing with the same key is a no-op). */
  verifier?: Verifier;
  /** `-a k=v` (sorted into the payload's `optional`). */
  annotations?: Readonly<Record<string, string>>;
  /** Sign an index and every manifest it names. */
  recursive?: boolean;
  /**
   * cosign's default is true: every signature must be logged, so a `witness` that uploads to Rekor is then
   * required (src/keyless/witness.ts); without one, signing fails before anything is written.
   */
  tlogUpload: boolean;
  /**
   * Records each signature (Rekor, TSA) and returns the annotations proving it. Every signature is made and
   * witnessed before the first one is stored: a failing witness means nothing is written.
   */
  witness?: (signed: { payload: Uint8Array; signature: Uint8Array }) => Promise<Record<string, string>>;
  /** Annotations every signature layer carries (keyless: the certificate and chain). */
  layerAnnotations?: Readonly<Record<string, string>>;
  logger?: Logger;
  limits?: Partial<Limits>;
  /** Forwarded to the append loop (tests). */
  settle?: boolean;
}

export interface SignedManifest {
  format: 'legacy';
  /** The signed manifest digest. */
  digest: string;
  /** `<repo>:sha256-<hex>.sig` */
  signatureTag: string;
  /** false when the same key had already signed the same payload (nothing written). */
  appended: boolean;
  layerDigest: string;
  layerCount: number;
}

export const TLOG_UNSUPPORTED = 'uploading to the transparency log needs a witness (a Rekor URL); pass --tlog-upload=false to sign without logging';

/** What one signing stored: a `.sig` layer (legacy) or a bundle referrer. */
export type SignResult = SignedManifest | StoredBundle;

/** cosign's `sign` for one image (and its children with `recursive`). */
export async function signImage(target: SignTarget, options: SignOptions): Promise<SignResult[]> {
  requireWitness(options, `signing ${target.name}: `);
  return storeAll(await prepareTarget(target, options), options);
}

/**
 * Sign many images. Every image is resolved, signed and witnessed first; only then is anything stored, so a
 * failure to resolve an image or to log a signature leaves every image unsigned.
 */
export async function signImages(targets: readonly SignTarget[], options: SignOptions): Promise<SignResult[]> {
  return storeSignatures(await prepareSignatures(targets, options), options);
}

/** Sign and witness every target (release: before anything else is stored); nothing is written. */
export async function prepareSignatures(targets: readonly SignTarget[], options: SignOptions): Promise<PreparedSignature[]> {
  requireWitness(options, '');
  const prepared: PreparedSignature[] = [];
  for (const t of targets) prepared.push(...(await prepareTarget(t, options)));
  return prepared;
}

/** Store what prepareSignatures made. */
export function storeSignatures(prepared: readonly PreparedSignature[], options: SignOptions): Promise<SignResult[]> {
  return storeAll(prepared, options);
}

function requireWitness(options: SignOptions, prefix: string): void {
  if (!options.tlogUpload) return;
  if ((writesLegacy(options.format) && !options.witness) || (writesBundle(options.format) && !options.bundleWitness)) {
    throw new OcisignError('USAGE', `${prefix}${TLOG_UNSUPPORTED}`);
  }
}

/** A signature made and witnessed, not yet stored: a `.sig` layer, or a bundle. */
export type PreparedSignature = PreparedLegacySignature | { kind: 'bundle'; prepared: PreparedBundle };

export interface PreparedLegacySignature {
  kind: 'legacy';
  target: SignTarget;
  digest: string;
  layer: { payload: Uint8Array; mediaType: string; annotations: Record<string, string> };
}

async function prepareTarget(target: SignTarget, options: SignOptions): Promise<PreparedSignature[]> {
  const known = target.resolved && target.resolved.digest === target.ref ? target.resolved : undefined;
  const root = known ? { mediaType: known.mediaType, digest: known.digest, size: known.size } : await resolveSubject(target);
  if (!isDigest(target.ref)) {
    options.logger?.warn(
      `image reference ${target.name} uses a tag, not a digest, to identify the image to sign; this can lead you to sign a different image than the intended one (signing ${root.digest})`,
    );
  }
  const digests = options.recursive ? await collectDigests(target.image, root.digest, root.mediaType) : [root.digest];
  const prepared = await mapLimit(digests, 8, async (digest) => {
    const out: PreparedSignature[] = [];
    if (writesBundle(options.format)) out.push({ kind: 'bundle', prepared: await prepareSignatureBundle(target, digest, digest === root.digest ? root : undefined, options) });
    if (writesLegacy(options.format)) out.push(await prepareDigest(target, digest, options));
    return out;
  });
  return prepared.flat();
}

async function prepareSignatureBundle(target: SignTarget, digest: string, root: Descriptor | undefined, options: SignOptions): Promise<PreparedBundle> {
  const subject = root ?? (await subjectDescriptor(target.image, digest, target.name));
  return prepareBundle(
    { repo: target.signatures ?? target.image, name: target.name, subject, statement: buildSignStatement(digest, options.annotations, target.dockerReference), predicateType: COSIGN_SIGN_PREDICATE_TYPE },
    { signer: options.signer, ...(options.material ? { material: options.material } : {}), ...(options.bundleWitness ? { bundleWitness: options.bundleWitness } : {}) },
  );
}

async function prepareDigest(target: SignTarget, digest: string, options: SignOptions): Promise<PreparedLegacySignature> {
  const payload = buildSimpleSigningPayload({ dockerReference: target.dockerReference, digest, annotations: options.annotations });
  const signature = await options.signer.sign(payload);
  let witnessed: Record<string, string> = {};
  if (options.witness) {
    try {
      witnessed = await options.witness({ payload, signature });
    } catch (err) {
      throw withContext(`signing ${target.name} (${digest}); nothing was written`, err);
    }
  }
  const annotations = {
    [CosignAnnotation.Signature]: Buffer.from(signature).toString('base64'),
    ...options.layerAnnotations,
    ...witnessed,
  };
  return { kind: 'legacy', target, digest, layer: { payload, mediaType: CosignMediaType.SimpleSigning, annotations } };
}

function storeAll(prepared: readonly PreparedSignature[], options: SignOptions): Promise<SignResult[]> {
  return mapLimit<PreparedSignature, SignResult>(prepared, 8, (p) => (p.kind === 'bundle' ? storeBundle(p.prepared, options.now, { settle: options.settle }) : storeSignature(p, options)));
}

async function storeSignature({ target, digest, layer }: PreparedLegacySignature, options: SignOptions): Promise<SignedManifest> {
  const repo = target.signatures ?? target.image;
  const result: AppendResult = await appendAttachment(repo, digest, layer, {
    kind: 'signature',
    isDuplicate: options.verifier ? isCosignDuplicate(layer, options.verifier) : undefined,
    limits: options.limits,
    logger: options.logger,
    settle: options.settle,
  });
  return { format: 'legacy', digest, signatureTag: `${repo.displayName}:${result.tag}`, appended: result.appended, layerDigest: result.layerDigest, layerCount: result.layerCount };
}


