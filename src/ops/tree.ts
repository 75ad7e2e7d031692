import { attachmentTag, type AttachmentKind } from '../cosign/tags.ts';
import { findManifest, fetchManifest, mapLimit } from '../oci/image-walk.ts';
import type { Platform } from '../oci/manifest.ts';
import { formatReference, withDigest, withTag, type Reference } from '../oci/reference.ts';
import type { Repository } from '../oci/repository.ts';

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

export interface TreeNode {
  /** `repo@digest`. */
  reference: string;
  digest: string;
  mediaType: string;
  platform?: Platform;
  attachments: TreeAttachment[];
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
  const node: TreeNode = { reference: formatReference(withDigest(ref, digest)), digest, mediaType, attachments: [], children: [] };
  if (platform) node.platform = platform;
  node.attachments = (await mapLimit(KINDS, 3, (kind) => readAttachment(attachmentsRepo, digest, kind))).filter(
    (a): a is TreeAttachment => a !== undefined,
  );
  const fetched = await fetchManifest(repo, digest);
  if (fetched.parsed.kind === 'index') {
    node.children = await mapLimit(fetched.parsed.manifest.manifests, 4, (d) =>
      buildNode(repo, attachmentsRepo, ref, d.digest, d.mediaType, d.platform),
    );
  }
  return node;
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

