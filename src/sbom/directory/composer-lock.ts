/**
 * composer.lock: `packages` (scope required) and `packages-dev` (scope excluded); edges from `require`
 * (platform requirements `php`, `ext-*`, `lib-*`, `composer-*` skipped). Root: the sibling composer.json's
 * require/require-dev, else every package without parents. `dist.shasum` (SHA-1, when not empty) → a hash.
 */
import { composerPurl } from '../purl.ts';
import type { SbomPackage } from '../model.ts';
import { hashFromHex } from './integrity.ts';
import { licensesOf } from './npm-lock.ts';
import { parseJsonLockfile, parseJsonObject } from './npm-common.ts';
import { dedupeByPurl, makePackage, packagesWithoutParents, unique } from './package-builder.ts';
import type { LockfileCataloger, LockfileInput, LockfileResult } from './types.ts';

export const composerLockCataloger: LockfileCataloger = {
  name: 'composer-lock',
  type: 'composer',
  matches: (base) => base === 'composer.lock',
  parse: parseComposerLock,
};

type Entry = Record<string, unknown>;

export async function parseComposerLock(input: LockfileInput): Promise<LockfileResult> {
  const doc = parseJsonLockfile(input);
  if ('warning' in doc) return { packages: [], rootDependsOn: [], warnings: [doc.warning] };
  const lock = doc.value as { packages?: Entry[]; 'packages-dev'?: Entry[] };
  const tagged = [
    ...(Array.isArray(lock.packages) ? lock.packages.map((e) => ({ e, dev: false })) : []),
    ...(Array.isArray(lock['packages-dev']) ? lock['packages-dev'].map((e) => ({ e, dev: true })) : []),
  ].filter(({ e }) => e && typeof e.name === 'string' && typeof e.version === 'string');
  const byName = new Map<string, string>();
  const made: SbomPackage[] = tagged.map(({ e, dev }) => {
    const name = (e.name as string).toLowerCase();
    const [vendor, ...rest] = name.split('/');
    const hash = hashFromHex('SHA-1', (e.dist as Entry | undefined)?.shasum);
    const pkg = makePackage({
      type: 'composer', namespace: rest.length ? vendor : undefined, name: rest.length ? rest.join('/') : vendor!,
      version: e.version as string, purl: composerPurl(name, e.version as string), path: input.path, foundBy: 'composer-lock',
      licenses: licensesOf(e.license), hashes: hash ? [hash] : [], scope: dev ? 'excluded' : 'required',
      description: typeof e.description === 'string' ? e.description : undefined,
    });
    byName.set(name, pkg.purl);
    return pkg;
  });
  tagged.forEach(({ e }, i) => {
    made[i]!.dependsOn = requireNames(e.require).map((n) => byName.get(n)).filter((p): p is string => !!p);
  });
  const composerJson = await input.readSibling('composer.json');
  let rootNames: string[] | undefined;
  const j = parseJsonObject(composerJson) as Entry | undefined;
  if (j) rootNames = [...requireNames(j.require), ...requireNames(j['require-dev'])];
  const rootDependsOn = rootNames
    ? unique(rootNames.map((n) => byName.get(n)).filter((p): p is string => !!p))
    : packagesWithoutParents(made);
  return { packages: dedupeByPurl(made), rootDependsOn, warnings: [] };
}

function requireNames(req: unknown): string[] {
  if (!req || typeof req !== 'object') return [];
  return Object.keys(req).map((n) => n.toLowerCase()).filter((n) => n.includes('/'));
}
