/**
 * requirements*.txt. Only `name==version` (or `===`) pins give a version; any other requirement becomes a
 * version-less component carrying its constraint in `ocisign:python:constraint`, and one warning per file
 * names them (so the BOM says `incomplete`). Options (`-r`, `-e`, `--hash`), URLs and markers are handled.
 */
import { formatPurl, normalizePypiName, pypiPurl } from '../purl.ts';
import { INPUT_LIMITS } from '../../core/input-limits.ts';
import { assertPackageCount, type SbomPackage } from '../model.ts';
import { dedupeByPurl, makePackage } from './package-builder.ts';
import type { LockfileCataloger, LockfileInput, LockfileResult } from './types.ts';

const FOUND_BY = 'python-requirements';

export const pythonRequirementsCataloger: LockfileCataloger = {
  name: FOUND_BY,
  type: 'pypi',
  matches: (base) => /^.*requirements.*\.txt$/i.test(base),
  lineOriented: true,
  parse: parseRequirements,
};

export async function parseRequirements(input: LockfileInput): Promise<LockfileResult> {
  const packages: SbomPackage[] = [];
  const unpinned: string[] = [];
  for (const line of logicalLines(input.text)) {
    const req = parseRequirementLine(line);
    if (!req) continue;
    if (packages.length === INPUT_LIMITS.maxSbomPackages) assertPackageCount(packages.length + 1, `reading ${input.path}`);
    const name = normalizePypiName(req.name);
    if (req.pinned) {
      packages.push(makePackage({ type: 'pypi', name, version: req.pinned, purl: pypiPurl(req.name, req.pinned), path: input.path, foundBy: FOUND_BY }));
    } else {
      unpinned.push(name);
      packages.push(makePackage({
        type: 'pypi', name, version: '', purl: formatPurl({ type: 'pypi', name }), path: input.path, foundBy: FOUND_BY,
        properties: req.constraint ? { 'ocisign:python:constraint': req.constraint } : {},
      }));
    }
  }
  const result = dedupeByPurl(packages);
  const warnings = unpinned.length === 0 ? [] : [{
    subject: input.path,
    reason: `${unpinned.length} requirement(s) not pinned with ==, listed without a version: ${unpinned.join(', ')}`,
  }];
  return { packages: result, rootDependsOn: result.map((p) => p.purl), warnings };
}

/** Joins `\`-continued lines, drops comments (` #…`) and blank lines; one line at a time. */
function* logicalLines(text: string): Generator<string> {
  let buf = '';
  for (let start = 0; start <= text.length; ) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    const raw = text.slice(start, end > start && text.charCodeAt(end - 1) === 13 ? end - 1 : end);
    start = end + 1;
    const line = raw.replace(/(^|\s)#.*$/, '');
    if (line.endsWith('\\')) { buf += `${line.slice(0, -1)} `; continue; }
    const full = (buf + line).trim();
    buf = '';
    if (full) yield full;
  }
}

/** `name[extra]==1.0 ; marker --hash=…` → name and pin; options and URL/path requirements give undefined. */
export function parseRequirementLine(line: string): { name: string; pinned?: string; constraint?: string } | undefined {
  if (line.startsWith('-') || /^[a-z+]+:\/\//i.test(line) || line.startsWith('.') || line.startsWith('/')) return undefined;
  const spec = line.split(';')[0]!.replace(/\s--?[a-z-]+(=\S*)?/gi, '').trim();
  const m = /^([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*(.*)$/.exec(spec);
  if (!m) return undefined;
  const rest = m[3]!.trim();
  if (rest.startsWith('@')) return { name: m[1]!, constraint: rest };
  const pin = /^===?\s*([^,\s*]+)$/.exec(rest);
  if (pin) return { name: m[1]!, pinned: pin[1]! };
  return { name: m[1]!, constraint: rest || undefined };
}
