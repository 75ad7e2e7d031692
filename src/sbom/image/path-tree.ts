/** A tree of path segments holding values at some paths; prefix removal costs the size of the subtree. */
interface Node<V> {
  children?: Map<string, Node<V>>;
  value?: V;
}

export class PathTree<V> {
  private readonly root: Node<V> = {};
  private count = 0;

  get size(): number {
    return this.count;
  }

  private find(path: string): Node<V> | undefined {
    let node: Node<V> | undefined = this.root;
    if (path === '') return node;
    for (const seg of path.split('/')) {
      node = node.children?.get(seg);
      if (!node) return undefined;
    }
    return node;
  }

  get(path: string): V | undefined {
    return this.find(path)?.value;
  }

  set(path: string, value: V): void {
    let node = this.root;
    for (const seg of path.split('/')) {
      node.children ??= new Map();
      let child = node.children.get(seg);
      if (!child) {
        child = {};
        node.children.set(seg, child);
      }
      node = child;
    }
    if (node.value === undefined) this.count++;
    node.value = value;
  }

  /** Remove the value at exactly this path (descendants stay). */
  deleteValue(path: string): void {
    const node = this.find(path);
    if (node && node.value !== undefined) {
      node.value = undefined;
      this.count--;
    }
  }

  /**
   * Remove values at `path` (when `self`) and below it for which `keep` is false; prunes emptied nodes.
   */
  deleteBelow(path: string, self: boolean, keep: (value: V) => boolean): void {
    const node = this.find(path);
    if (!node) return;
    if (self && node.value !== undefined && !keep(node.value)) {
      node.value = undefined;
      this.count--;
    }
    this.prune(node, keep);
  }

  /** Returns true when the node is now empty. */
  private prune(node: Node<V>, keep: (value: V) => boolean): boolean {
    if (node.children) {
      for (const [name, child] of node.children) {
        if (child.value !== undefined && !keep(child.value)) {
          child.value = undefined;
          this.count--;
        }
        if (this.prune(child, keep)) node.children.delete(name);
      }
      if (node.children.size === 0) node.children = undefined;
    }
    return node.value === undefined && node.children === undefined;
  }

  /** All values, in path order. */
  *values(): Generator<V> {
    const stack: Node<V>[] = [this.root];
    while (stack.length > 0) {
      const node = stack.pop()!;
      if (node.value !== undefined) yield node.value;
      if (node.children) {
        const names = [...node.children.keys()].sort().reverse();
        for (const name of names) stack.push(node.children.get(name)!);
      }
    }
  }
}
