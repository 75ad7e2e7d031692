/**
 * go.mod (`require` lines and blocks, `replace` applied, `// indirect` kept as a property). go.mod has no
 * edges between modules: the root depends on the direct requirements; indirect ones are listed with empty
 * `dependsOn` (their parents are unknown without the module graph). A go.sum without a go.mod beside it lists
 * its modules (`/go.mod`-only lines skipped) as root dependencies.
 */
import { golangPurl } from '../purl.ts';
import type { SbomPackage } from '../model.ts';
import { dedupeByPurl, makePackage } from './package-builder.ts';
import type { LockfileCataloger, LockfileInput, LockfileResult } from './types.ts';

export const goModCataloger: LockfileCataloger = {
  name: 'go-mod',
  type: 'golang',
  matches: (base) => base === 'go.mod',
  lineOriented: true,
  parse: parseGoMod,
};

export const goSumCataloger: LockfileCataloger = {
  name: 'go-sum',
  type: 'golang',
  matches: (base) => base === 'go.sum',
  lineOriented: true,
  async parse(input) {
    if ((await input.readSibling('go.mod')) !== undefined) return { packages: [], rootDependsOn: [], warnings: [] };
    return parseGoSum(input);
  },
};

interface Requirement { path: string; version: string; indirect: boolean }

export async function parseGoMod(input: LockfileInput): Promise<LockfileResult> {
  const requires: Requirement[] = [];
  const replaces = new Map<string, { path: string; version?: string; fromVersion?: string }>();
  let module: string | undefined;
  let block: string | undefined;
  for (const raw of input.text.split(/\r?\n/)) {
    const indirect = /\/\/\s*indirect\b/.test(raw);
    const line = raw.replace(/\/\/.*$/, '').trim();
    if (!line) continue;
    if (block) {
      if (line === ')') { block = undefined; continue; }
      handle(block, line.split(/\s+/), indirect);
      continue;
    }
    const m = /^(module|require|replace|exclude|retract|go|toolchain|tool|godebug)\s*(\(?)\s*(.*)$/.exec(line);
    if (!m) continue;
    if (m[2] === '(') { block = m[1]; continue; }
    if (m[1] === 'module') module = m[3]!.replace(/^"|"$/g, '');
    else handle(m[1]!, m[3]!.split(/\s+/), indirect);
  }
  function handle(kind: string, f: string[], indirect: boolean) {
    if (kind === 'require' && f.length >= 2) requires.push({ path: unq(f[0]!), version: f[1]!, indirect });
    if (kind === 'replace') {
      const arrow = f.indexOf('=>');
      if (arrow < 1) return;
      const target = { path: unq(f[arrow + 1]!), version: f[arrow + 2], fromVersion: arrow === 2 ? f[1] : undefined };
      replaces.set(unq(f[0]!), target);
    }
  }
  const packages: SbomPackage[] = [];
  const rootDependsOn: string[] = [];
  for (const r of requires) {
    const rep = replaces.get(r.path);
    const applies = rep && (!rep.fromVersion || rep.fromVersion === r.version);
    if (applies && !rep.version) continue; // replaced by a local directory: part of the project
    const path = applies ? rep.path : r.path;
    const version = applies ? rep.version! : r.version;
    const pkg = makePackage({
      type: 'golang', name: path, version, purl: golangPurl(path, version), path: input.path, foundBy: 'go-mod',
      properties: r.indirect ? { 'ocisign:golang:indirect': 'true' } : {},
    });
    packages.push(pkg);
    if (!r.indirect) rootDependsOn.push(pkg.purl);
  }
  return { packages: dedupeByPurl(packages), rootDependsOn, warnings: [], project: module ? { name: module } : undefined };
}

function unq(s: string): string {
  return s.replace(/^"|"$/g, '');
}

function parseGoSum(input: LockfileInput): LockfileResult {
  const packages: SbomPackage[] = [];
  for (const line of input.text.split(/\r?\n/)) {
    const [path, version] = line.trim().split(/\s+/);
    if (!path || !version || version.endsWith('/go.mod')) continue;
    packages.push(makePackage({ type: 'golang', name: path, version, purl: golangPurl(path, version), path: input.path, foundBy: 'go-sum' }));
  }
  const deduped = dedupeByPurl(packages);
  return { packages: deduped, rootDependsOn: deduped.map((p) => p.purl), warnings: [] };
}
