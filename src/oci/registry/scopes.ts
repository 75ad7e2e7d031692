/** Token scopes (`repository:NAME:ACTIONS`), built and merged so one token covers a whole step. */

export function pullScope(repository: string): string {
  return `repository:${repository}:pull`;
}

export function pushScope(repository: string): string {
  return `repository:${repository}:pull,push`;
}

export function deleteScope(repository: string): string {
  return `repository:${repository}:delete`;
}

/** Union the actions of scopes naming the same resource; sorted, so equal sets give equal cache keys. */
export function mergeScopes(scopes: Iterable<string>): string[] {
  const byResource = new Map<string, Set<string>>();
  for (const scope of scopes) {
    const first = scope.indexOf(':');
    const last = scope.lastIndexOf(':');
    if (first < 0 || last <= first) continue;
    const resource = scope.slice(0, last);
    const actions = byResource.get(resource) ?? new Set<string>();
    for (const action of scope.slice(last + 1).split(',')) if (action) actions.add(action);
    byResource.set(resource, actions);
  }
  return [...byResource.entries()]
    .map(([resource, actions]) => `${resource}:${[...actions].sort().join(',')}`)
    .sort();
}

/** The scopes a challenge's space-separated `scope` parameter asks for. */
export function challengeScopes(value: string | undefined): string[] {
  return value ? value.split(' ').filter(Boolean) : [];
}
