import type { SbomWarning } from '../model.ts';
import { parseBoundedJson } from '../../core/bounded-json.ts';
import { INPUT_LIMITS } from '../../core/input-limits.ts';
import type { LockfileInput, SiblingReader } from './types.ts';

/** The JSON object of a lockfile (bounded parse), or a warning naming it. */
export function parseJsonLockfile(input: LockfileInput): { value: unknown } | { warning: SbomWarning } {
  const r = parseBoundedJson(input.text, { maxBytes: INPUT_LIMITS.maxLockfileBytes });
  if (!r.ok) return { warning: { subject: input.path, reason: `invalid JSON: ${r.reason}` } };
  if (!r.value || typeof r.value !== 'object' || Array.isArray(r.value)) {
    return { warning: { subject: input.path, reason: 'not a JSON object' } };
  }
  return { value: r.value };
}

/** A package.json-like sibling as an object, or undefined when it is not a readable JSON object. */
export function parseJsonObject(text: string | undefined): Record<string, unknown> | undefined {
  if (text === undefined) return undefined;
  const r = parseBoundedJson(text, { maxBytes: INPUT_LIMITS.maxLockfileBytes });
  return r.ok && r.value !== null && typeof r.value === 'object' && !Array.isArray(r.value) ? (r.value as Record<string, unknown>) : undefined;
}

/** The dependency names the sibling package.json declares (all kinds), or undefined without one. */
export async function readProjectDeps(readSibling: SiblingReader): Promise<string[] | undefined> {
  const pkg = parseJsonObject(await readSibling('package.json'));
  if (pkg === undefined) return undefined;
  return [...new Set(Object.keys(declaredDepRanges(pkg)))];
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
