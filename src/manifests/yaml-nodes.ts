/**
 * Reading a YAML document tree the way Kubernetes' YAML decoder sees it, without converting it to JavaScript
 * values: aliases are followed, and a key missing from a mapping is looked up in its `<<` merge keys (YAML 1.1,
 * which Kubernetes and Compose accept), explicit keys first, then the merged mappings in order.
 */
import { isAlias, isMap, isScalar, isSeq, type Document, type Node, type YAMLMap, type YAMLSeq } from 'yaml';

/** A value node as written (a Scalar, a collection, or an Alias standing for one). */
export type ValueNode = Node;

const MAX_MERGE_DEPTH = 16;

/** The node an alias stands for (aliases of aliases followed); undefined for a dangling alias. */
export function deref(doc: Document, node: unknown): Node | undefined {
  let current = node;
  for (let i = 0; i < 64 && isAlias(current); i++) current = current.resolve(doc);
  return current === null || current === undefined || isAlias(current) ? undefined : (current as Node);
}

/** The mapping a node is (through aliases), or undefined. */
export function asMap(doc: Document, node: unknown): YAMLMap | undefined {
  const n = deref(doc, node);
  return isMap(n) ? n : undefined;
}

/** The sequence a node is (through aliases), or undefined. */
export function asSeq(doc: Document, node: unknown): YAMLSeq | undefined {
  const n = deref(doc, node);
  return isSeq(n) ? n : undefined;
}

/** The string a node is (through aliases), or undefined for any other node. */
export function asString(doc: Document, node: unknown): string | undefined {
  const n = deref(doc, node);
  return isScalar(n) && typeof n.value === 'string' ? n.value : undefined;
}

/** The value node under `key` (as written, possibly an alias); merge keys are consulted when it is not set here. */
export function mapGet(doc: Document, map: YAMLMap, key: string, depth = 0): ValueNode | undefined {
  const merges: unknown[] = [];
  for (const pair of map.items) {
    const k = pair.key;
    if (!isScalar(k)) continue;
    if (k.value === key) return (pair.value ?? undefined) as ValueNode | undefined;
    if (k.value === '<<' && k.type === 'PLAIN') merges.push(pair.value);
  }
  if (depth >= MAX_MERGE_DEPTH) return undefined;
  for (const merge of merges) {
    const target = deref(doc, merge);
    const sources = isSeq(target) ? target.items : [merge];
    for (const source of sources) {
      const m = asMap(doc, source);
      const found = m ? mapGet(doc, m, key, depth + 1) : undefined;
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

/** Follow a path of keys through mappings; undefined when any step is missing or not a mapping. */
export function getPath(doc: Document, map: YAMLMap, path: readonly string[]): ValueNode | undefined {
  let node: unknown = map;
  for (const key of path) {
    const m = asMap(doc, node);
    if (!m) return undefined;
    node = mapGet(doc, m, key);
    if (node === undefined) return undefined;
  }
  return node as ValueNode;
}
