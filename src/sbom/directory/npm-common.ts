import type { SbomWarning } from '../model.ts';
import { describeError } from '../../core/errors.ts';
import type { LockfileInput, SiblingReader } from './types.ts';

/** JSON.parse of a lockfile, or a warning naming it. */
export function parseJsonLockfile(input: LockfileInput): { value: unknown } | { warning: SbomWarning } {
  try {
    const value: unknown = JSON.parse(input.text);
    if (!value || typeof value !== 'object' || Array.isArray(value)) {
      return { warning: { subject: input.path, reason: 'not a JSON object' } };
    }
    return { value };
  } catch (err) {
    return { warning: { subject: input.path, reason: `invalid JSON: ${describeError(err)}` } };
  }
}

/** The dependency names the sibling package.json declares (all kinds), or undefined without one. */
export async function readProjectDeps(readSibling: SiblingReader): Promise<string[] | undefined> {
  const text = await readSibling('package.json');
  if (text === undefined) return undefined;
  try {
    const pkg = JSON.parse(text) as Record<string, unknown>;
    return [...new Set(Object.entries(declaredDepRanges(pkg)).map(([name]) => name))];
  } catch {
    return undefined;
  }
}

/** name → range from dependencies, devDependencies, optionalDependencies and peerDependencies. */
export function declaredDepRanges(pkg: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const field of ['peerDependencies', 'optionalDependencies', 'devDependencies', 'dependencies']) {
    const deps = pkg[field];
    if (!deps || typeof deps !== 'object' || Array.isArray(deps)) continue;
    for (const [name, range] of Object.entries(deps)) if (typeof range === 'string') out[name] = range;
  }
  return out;
}

/** package.json dependency ranges split into runtime (dependencies, optional, peer) and development. */
export function declaredDepGroups(pkg: Record<string, unknown>): { runtime: Record<string, string>; dev: Record<string, string> } {
  const pick = (fields: string[]) => {
    const out: Record<string, string> = {};
    for (const field of fields) {
      const deps = pkg[field];
      if (!deps || typeof deps !== 'object' || Array.isArray(deps)) continue;
      for (const [name, range] of Object.entries(deps)) if (typeof range === 'string') out[name] = range;
    }
    return out;
  };
  return { runtime: pick(['dependencies', 'optionalDependencies', 'peerDependencies']), dev: pick(['devDependencies']) };
}
