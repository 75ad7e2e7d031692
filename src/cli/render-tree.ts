import type { TreeAttachment, TreeNode } from '../ops/tree.ts';

const TITLES: Record<TreeAttachment['kind'], string> = {
  signature: 'Signatures',
  attestation: 'Attestations',
  sbom: 'SBOMs',
};

/** cosign-tree-like text: the image, its attachments and their layers, then each child of an index. */
export function renderTree(node: TreeNode): string[] {
  const lines = [`Supply chain artifacts for ${node.reference} (${node.mediaType})`];
  appendNode(node, '', lines);
  if (node.attachments.length === 0 && node.children.every((c) => c.attachments.length === 0)) {
    lines.push('No signatures, attestations or SBOMs found');
  }
  return lines;
}

function appendNode(node: TreeNode, indent: string, lines: string[]): void {
  const items: Array<(prefix: string, childIndent: string) => void> = [
    ...node.attachments.map((a) => (prefix: string, childIndent: string) => appendAttachment(a, prefix, childIndent, lines)),
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
