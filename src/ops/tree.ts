import { attachmentTag, type AttachmentKind } from '../cosign/tags.ts';
import { findManifest, fetchManifest, mapLimit } from '../oci/image-walk.ts';
import type { Platform } from '../oci/manifest.ts';
import { formatReference, withDigest, withTag, type Reference } from '../oci/reference.ts';
import type { ReferrersVia, Repository } from '../oci/repository.ts';

export interface TreeLayer {
  mediaType: string;
  digest: string;
  size: number;
  /** The `predicateType` annotation of an attestation layer. */
  predicateType?: string;
}

export interface TreeAttachment {
  kind: AttachmentKind;
  /** e.g. `127.0.0.1:5000/demo/app:sha256-<hex>.sig`. */
  reference: string;
  digest: string;
  layers: TreeLayer[];
}

/** An OCI 1.1 referrer of a manifest (a Sigstore bundle, an SBOM attached with oras, …) and its own referrers. */
export interface TreeReferrer {
  /** `repo@sha256:…` of the referrer manifest. */
  reference: string;
  digest: string;
  artifactType?: string;
  /** How the repository lists it: its referrers API, the `sha256-<hex>` fallback index, or a layout's index.json. */
  via: ReferrersVia;
  /** `dev.sigstore.bundle.predicateType` of a bundle. */
  predicateType?: string;
  layers: TreeLayer[];
  referrers: TreeReferrer[];
}

export interface TreeNode {
  /** `repo@digest`. */
  reference: string;
  digest: string;
  mediaType: string;
  platform?: Platform;
  attachments: TreeAttachment[];
  /** OCI 1.1 referrers (cosign 3's bundles among them). */
  referrers: TreeReferrer[];
  /** The platform manifests of an index. */
  children: TreeNode[];
}

const KINDS: readonly AttachmentKind[] = ['signature', 'attestation', 'sbom'];

/** cosign tree: the image (and each child of an index) with its `.sig`/`.att`/`.sbom` and their layers. */
export async function treeImage(repo: Repository, ref: Reference, options: { targetRepository?: Repository } = {}): Promise<TreeNode> {
  const key = ref.digest ?? ref.tag ?? 'latest';
  const root = await fetchManifest(repo, key);
  return buildNode(repo, options.targetRepository ?? repo, ref, root.raw.digest, root.raw.mediaType, undefined);
}

async function buildNode(
  repo: Repository,
  attachmentsRepo: Repository,
  ref: Reference,
  digest: string,
  mediaType: string,
  platform: Platform | undefined,
): Promise<TreeNode> {
  const node: TreeNode = { reference: formatReference(withDigest(ref, digest)), digest, mediaType, attachments: [], referrers: [], children: [] };
  if (platform) node.platform = platform;
  const [attachments, referrers] = await Promise.all([
    mapLimit(KINDS, 3, (kind) => readAttachment(attachmentsRepo, digest, kind)),
    readReferrers(attachmentsRepo, digest, 1),
  ]);
  node.attachments = attachments.filter((a): a is TreeAttachment => a !== undefined);
  node.referrers = referrers;
  const fetched = await fetchManifest(repo, digest);
  if (fetched.parsed.kind === 'index') {
    node.children = await mapLimit(fetched.parsed.manifest.manifests, 4, (d) =>
      buildNode(repo, attachmentsRepo, ref, d.digest, d.mediaType, d.platform),
    );
  }
  return node;
}

const MAX_REFERRER_DEPTH = 4;

async function readReferrers(repo: Repository, digest: string, depth: number): Promise<TreeReferrer[]> {
  if (depth > MAX_REFERRER_DEPTH) return [];
  const listing = await repo.listReferrers(digest);
  return mapLimit(listing.descriptors, 4, async (d) => {
    const found = await findManifest(repo, d.digest);
    const layers = found?.parsed.kind === 'image' ? found.parsed.manifest.layers : (found?.parsed.manifest.manifests ?? []);
    const annotations = found?.parsed.manifest.annotations ?? d.annotations ?? {};
    const artifactType = found?.parsed.manifest.artifactType ?? d.artifactType;
    const node: TreeReferrer = {
      reference: `${repo.displayName}@${d.digest}`,
      digest: d.digest,
      via: listing.via,
      layers: layers.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.size })),
      referrers: await readReferrers(repo, d.digest, depth + 1),
    };
    if (artifactType !== undefined) node.artifactType = artifactType;
    const predicateType = annotations['dev.sigstore.bundle.predicateType'];
    if (predicateType !== undefined) node.predicateType = predicateType;
    return node;
  });
}

async function readAttachment(repo: Repository, digest: string, kind: AttachmentKind): Promise<TreeAttachment | undefined> {
  const tag = attachmentTag(digest, kind);
  const found = await findManifest(repo, tag);
  if (!found) return undefined;
  const layers = found.parsed.kind === 'image' ? found.parsed.manifest.layers : found.parsed.manifest.manifests;
  return {
    kind,
    reference: formatReference(withTag(repo.reference, tag)),
    digest: found.raw.digest,
    layers: layers.map((l) => {
      const layer: TreeLayer = { mediaType: l.mediaType, digest: l.digest, size: l.size };
      const predicateType = l.annotations?.predicateType;
      if (predicateType !== undefined) layer.predicateType = predicateType;
      return layer;
    }),
  };
}

