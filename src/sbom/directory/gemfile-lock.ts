/**
 * Gemfile.lock: the `GEM` section's `specs:` (4 spaces: `name (version[-platform])`, 6 spaces: its
 * dependencies), `DEPENDENCIES` (the root's direct gems) and, with Bundler ≥ 2.5, `CHECKSUMS`
 * (`name (version) sha256=<hex>`, the .gem file's digest → a real hash). GIT/PATH sources are read the same way.
 */
import { gemPurl } from '../purl.ts';
import type { SbomPackage } from '../model.ts';
import { hashFromHex } from './integrity.ts';
import { dedupeByPurl, makePackage, unique } from './package-builder.ts';
import type { LockfileCataloger, LockfileInput, LockfileResult } from './types.ts';

export const gemfileLockCataloger: LockfileCataloger = {
  name: 'gemfile-lock',
  type: 'gem',
  matches: (base) => base === 'Gemfile.lock' || base === 'gems.locked',
  lineOriented: true,
  parse: parseGemfileLock,
};

const PLATFORMS = /-(x86_64|x86|aarch64|arm64|arm|universal|java|x64|mingw|mswin|i386|i686|powerpc)[\w.-]*$/;

export async function parseGemfileLock(input: LockfileInput): Promise<LockfileResult> {
  const specs: { name: string; version: string; platform?: string; deps: string[] }[] = [];
  const rootNames: string[] = [];
  const checksums = new Map<string, string>();
  let section = '';
  let inSpecs = false;
  for (const line of input.text.split(/\r?\n/)) {
    if (/^[A-Z]/.test(line)) { section = line.trim(); inSpecs = false; continue; }
    if (line.trim() === 'specs:') { inSpecs = true; continue; }
    const spec = /^ {4}(\S+) \(([^)]+)\)$/.exec(line);
    const dep = /^ {6}(\S+)(?: \(.*\))?$/.exec(line);
    if (inSpecs && spec) {
      const m = PLATFORMS.exec(spec[2]!);
      specs.push({ name: spec[1]!, version: m ? spec[2]!.slice(0, m.index) : spec[2]!, platform: m ? m[0].slice(1) : undefined, deps: [] });
    } else if (inSpecs && dep && specs.length > 0) {
      specs[specs.length - 1]!.deps.push(dep[1]!);
    } else if (section === 'DEPENDENCIES') {
      const d = /^ {2}([^\s!]+)/.exec(line);
      if (d) rootNames.push(d[1]!);
    } else if (section === 'CHECKSUMS') {
      const c = /^ {2}(\S+) \(([^)]+)\) sha256=([0-9a-f]{64})/.exec(line);
      if (c) checksums.set(`${c[1]} ${c[2]}`, c[3]!);
    }
  }
  const byName = new Map<string, string>();
  const made: SbomPackage[] = specs.map((s) => {
    const full = s.platform ? `${s.version}-${s.platform}` : s.version;
    const hash = hashFromHex('SHA-256', checksums.get(`${s.name} ${full}`));
    const pkg = makePackage({ type: 'gem', name: s.name, version: s.version, purl: gemPurl(s.name, s.version, s.platform), path: input.path, foundBy: 'gemfile-lock', hashes: hash ? [hash] : [] });
    if (!byName.has(s.name)) byName.set(s.name, pkg.purl);
    return pkg;
  });
  specs.forEach((s, i) => { made[i]!.dependsOn = unique(s.deps.map((d) => byName.get(d)).filter((p): p is string => !!p)); });
  const rootDependsOn = unique(rootNames.map((n) => byName.get(n)).filter((p): p is string => !!p));
  return { packages: dedupeByPurl(made), rootDependsOn, warnings: [] };
}
