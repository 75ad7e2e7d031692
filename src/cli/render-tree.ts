import type { TreeAttachment, TreeNode, TreeReferrer } from '../ops/tree.ts';

const TITLES: Record<TreeAttachment['kind'], string> = {
  signature: 'Signatures',
  attestation: 'Attestations',
  sbom: 'SBOMs',
};

/** cosign-tree-like text: the image, its attachments and their layers, then each child of an index. */
export function renderTree(node: TreeNode): string[] {
  const lines = [`Supply chain artifacts for ${node.reference} (${node.mediaType})`];
  appendNode(node, '', lines);
  const empty = (n: TreeNode) => n.attachments.length === 0 && n.referrers.length === 0;
  if (empty(node) && node.children.every(empty)) {
    lines.push('No signatures, attestations, SBOMs or referrers found');
  }
  return lines;
}

function appendNode(node: TreeNode, indent: string, lines: string[]): void {
  const items: Array<(prefix: string, childIndent: string) => void> = [
    ...node.attachments.map((a) => (prefix: string, childIndent: string) => appendAttachment(a, prefix, childIndent, lines)),
    ...node.referrers.map((r) => (prefix: string, childIndent: string) => appendReferrer(r, prefix, childIndent, lines)),
    ...node.children.map((c) => (prefix: string, childIndent: string) => {
      const platform = c.platform ? `${c.platform.os}/${c.platform.architecture}${c.platform.variant ? `/${c.platform.variant}` : ''}` : 'unknown platform';
      lines.push(`${prefix}${platform}: ${c.reference}`);
      appendNode(c, childIndent, lines);
    }),
  ];
  items.forEach((item, i) => {
    const last = i === items.length - 1;
    item(`${indent}${last ? '└── ' : '├── '}`, `${indent}${last ? '    ' : '│   '}`);
  });
}

function appendAttachment(a: TreeAttachment, prefix: string, indent: string, lines: string[]): void {
  lines.push(`${prefix}${TITLES[a.kind]}: ${a.reference}`);
  a.layers.forEach((l, i) => {
    const last = i === a.layers.length - 1;
    const extra = l.predicateType ? ` predicateType=${l.predicateType}` : '';
    lines.push(`${indent}${last ? '└── ' : '├── '}${l.digest} ${l.mediaType}${extra}`);
  });
}

const VIA: Record<TreeReferrer['via'], string> = {
  'referrers-api': 'referrers API',
  'fallback-tag': 'sha256-<hex> index',
  layout: 'layout index',
};

/** `Referrer: repo@sha256:… artifactType (predicateType) [via]`, its layers, then its own referrers. */
function appendReferrer(r: TreeReferrer, prefix: string, indent: string, lines: string[]): void {
  const kind = r.artifactType?.startsWith('application/vnd.dev.sigstore.bundle') ? 'Bundle' : 'Referrer';
  const what = [r.artifactType, r.predicateType && `predicateType=${r.predicateType}`].filter(Boolean).join(' ');
  lines.push(`${prefix}${kind}: ${r.reference}${what ? ` ${what}` : ''} [${VIA[r.via]}]`);
  const items: Array<(p: string, i: string) => void> = [
    ...r.layers.map((l) => (p: string) => lines.push(`${p}${l.digest} ${l.mediaType}`)),
    ...r.referrers.map((child) => (p: string, i: string) => appendReferrer(child, p, i, lines)),
  ];
  items.forEach((item, i) => {
    const last = i === items.length - 1;
    item(`${indent}${last ? '└── ' : '├── '}`, `${indent}${last ? '    ' : '│   '}`);
  });
}
