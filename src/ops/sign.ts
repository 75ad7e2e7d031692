import { appendAttachment, type AppendResult } from '../cosign/append.ts';
import { isCosignDuplicate } from '../cosign/dedupe.ts';
import { mapLimit } from '../cosign/map-limit.ts';
import { CosignAnnotation, CosignMediaType } from '../cosign/media-types.ts';
import { buildSimpleSigningPayload } from '../cosign/simple-signing.ts';
import { OcisignError, withContext } from '../core/errors.ts';
import type { Limits } from '../core/limits.ts';
import type { Logger } from '../oci/client-options.ts';
import { isDigest } from '../oci/digest.ts';
import { parseManifest } from '../oci/manifest.ts';
import { isIndexMediaType } from '../oci/media-types.ts';
import type { Repository } from '../oci/repository.ts';
import type { Signer, Verifier } from '../sign/signer.ts';

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
  /** cosign's default is true; until Rekor upload exists, true fails before anything is written. */
  tlogUpload: boolean;
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

export const TLOG_UNSUPPORTED = 'uploading to the transparency log is not supported yet; pass --tlog-upload=false';

/** cosign's `sign --key` for one image (and its children with `recursive`). */
export async function signImage(target: SignTarget, options: SignOptions): Promise<SignedManifest[]> {
  if (options.tlogUpload) throw new OcisignError('USAGE', `signing ${target.name}: ${TLOG_UNSUPPORTED}`);
  const root = await resolve(target);
  if (!isDigest(target.ref)) {
    options.logger?.warn(
      `image reference ${target.name} uses a tag, not a digest, to identify the image to sign; this can lead you to sign a different image than the intended one (signing ${root.digest})`,
    );
  }
  const digests = options.recursive ? await collectDigests(target, root.digest, root.mediaType) : [root.digest];
  return mapLimit(digests, 8, (digest) => signDigest(target, digest, options));
}

/** Sign many images; stops at the first failure (nothing is signed for an image that fails to resolve). */
export async function signImages(targets: readonly SignTarget[], options: SignOptions): Promise<SignedManifest[]> {
  if (options.tlogUpload) throw new OcisignError('USAGE', TLOG_UNSUPPORTED);
  const all: SignedManifest[] = [];
  for (const t of targets) all.push(...(await signImage(t, options)));
  return all;
}

async function signDigest(target: SignTarget, digest: string, options: SignOptions): Promise<SignedManifest> {
  const payload = buildSimpleSigningPayload({ dockerReference: target.dockerReference, digest, annotations: options.annotations });
  const signature = await options.signer.sign(payload);
  const layer = {
    payload,
    mediaType: CosignMediaType.SimpleSigning,
    annotations: { [CosignAnnotation.Signature]: Buffer.from(signature).toString('base64') },
  };
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

async function resolve(target: SignTarget): Promise<{ digest: string; mediaType: string }> {
  let found;
  try {
    found = await target.image.resolve(target.ref);
  } catch (err) {
    throw withContext(`resolving ${target.name}`, err);
  }
  if (!found) throw new OcisignError('NOT_FOUND', `resolving ${target.name}: image not found`);
  return { digest: found.digest, mediaType: found.mediaType };
}

/** The index digest and, depth first, every manifest it names (nested indexes too), without repeats. */
async function collectDigests(target: SignTarget, digest: string, mediaType: string): Promise<string[]> {
  const out: string[] = [];
  const seen = new Set<string>();
  const walk = async (d: string, type: string | undefined): Promise<void> => {
    if (seen.has(d)) return;
    seen.add(d);
    out.push(d);
    const raw = await target.image.getManifest(d);
    if (!raw) throw new OcisignError('NOT_FOUND', `reading ${target.image.displayName}@${d}: manifest not found`);
    const parsed = parseManifest(raw.bytes, raw.mediaType ?? type, `${target.image.displayName}@${d}`);
    if (parsed.kind !== 'index') return;
    for (const child of parsed.manifest.manifests) await walk(child.digest, child.mediaType);
  };
  await walk(digest, isIndexMediaType(mediaType) ? mediaType : undefined);
  return out;
}
