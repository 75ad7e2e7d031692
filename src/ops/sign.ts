import { appendAttachment, type AppendResult } from '../cosign/append.ts';
import { isCosignDuplicate } from '../cosign/dedupe.ts';
import { mapLimit } from '../cosign/map-limit.ts';
import { CosignAnnotation, CosignMediaType } from '../cosign/media-types.ts';
import { buildSimpleSigningPayload } from '../cosign/simple-signing.ts';
import { OcisignError, withContext } from '../core/errors.ts';
import type { Limits } from '../core/limits.ts';
import type { Logger } from '../oci/client-options.ts';
import { isDigest } from '../oci/digest.ts';
import type { Repository } from '../oci/repository.ts';
import type { Signer, Verifier } from '../sign/signer.ts';
import { collectDigests, resolveTarget } from './resolve-target.ts';

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
}

export interface SignOptions {
  signer: Signer;
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

/** cosign's `sign` for one image (and its children with `recursive`). */
export async function signImage(target: SignTarget, options: SignOptions): Promise<SignedManifest[]> {
  requireWitness(options, `signing ${target.name}: `);
  return storeAll(await prepareTarget(target, options), options);
}

/**
 * Sign many images. Every image is resolved, signed and witnessed first; only then is anything stored, so a
 * failure to resolve an image or to log a signature leaves every image unsigned.
 */
export async function signImages(targets: readonly SignTarget[], options: SignOptions): Promise<SignedManifest[]> {
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
export function storeSignatures(prepared: readonly PreparedSignature[], options: SignOptions): Promise<SignedManifest[]> {
  return storeAll(prepared, options);
}

function requireWitness(options: SignOptions, prefix: string): void {
  if (options.tlogUpload && !options.witness) throw new OcisignError('USAGE', `${prefix}${TLOG_UNSUPPORTED}`);
}

/** A signature made and witnessed, not yet stored. */
export interface PreparedSignature {
  target: SignTarget;
  digest: string;
  layer: { payload: Uint8Array; mediaType: string; annotations: Record<string, string> };
}

async function prepareTarget(target: SignTarget, options: SignOptions): Promise<PreparedSignature[]> {
  const root = await resolveTarget(target);
  if (!isDigest(target.ref)) {
    options.logger?.warn(
      `image reference ${target.name} uses a tag, not a digest, to identify the image to sign; this can lead you to sign a different image than the intended one (signing ${root.digest})`,
    );
  }
  const digests = options.recursive ? await collectDigests(target.image, root.digest, root.mediaType) : [root.digest];
  return mapLimit(digests, 8, (digest) => prepareDigest(target, digest, options));
}

async function prepareDigest(target: SignTarget, digest: string, options: SignOptions): Promise<PreparedSignature> {
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
  return { target, digest, layer: { payload, mediaType: CosignMediaType.SimpleSigning, annotations } };
}

function storeAll(prepared: readonly PreparedSignature[], options: SignOptions): Promise<SignedManifest[]> {
  return mapLimit(prepared, 8, (p) => storeSignature(p, options));
}

async function storeSignature({ target, digest, layer }: PreparedSignature, options: SignOptions): Promise<SignedManifest> {
  const repo = target.signatures ?? target.image;
  const result: AppendResult = await appendAttachment(repo, digest, layer, {
    kind: 'signature',
    isDuplicate: options.verifier ? isCosignDuplicate(layer, options.verifier) : undefined,
    limits: options.limits,
    logger: options.logger,
    settle: options.settle,
  });
  return { digest, signatureTag: `${repo.displayName}:${result.tag}`, appended: result.appended, layerDigest: result.layerDigest, layerCount: result.layerCount };
}


