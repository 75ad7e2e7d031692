/**
 * `--exclude` patterns with .gitignore semantics: a pattern without a `/` (other than a trailing one) matches a
 * name at any depth; one with a leading or inner `/` is anchored at the scanned root; a trailing `/` matches
 * directories only; `*` and `?` stay inside one path segment, `**` crosses segments; `!pattern` re-includes.
 * An excluded directory is not entered (as in git, a file inside it cannot be re-included).
 */
export type ExcludeMatcher = (relPath: string, isDirectory: boolean) => boolean;

interface Rule { regex: RegExp; dirOnly: boolean; negate: boolean }

export function compileExcludes(patterns: readonly string[]): ExcludeMatcher {
  const rules = patterns.map(compileRule).filter((r): r is Rule => r !== undefined);
  if (rules.length === 0) return () => false;
  return (relPath, isDirectory) => {
    let excluded = false;
    for (const rule of rules) {
      if (rule.dirOnly && !isDirectory) continue;
      if (rule.regex.test(relPath)) excluded = !rule.negate;
    }
    return excluded;
  };
}

function compileRule(raw: string): Rule | undefined {
  let p = raw.trim();
  if (p === '' || p.startsWith('#')) return undefined;
  const negate = p.startsWith('!');
  if (negate) p = p.slice(1);
  if (p.startsWith('./')) p = p.slice(2);
  const dirOnly = p.endsWith('/');
  if (dirOnly) p = p.replace(/\/+$/, '');
  const anchored = p.includes('/');
  if (p.startsWith('/')) p = p.slice(1);
  const body = globToRegex(p);
  return { regex: new RegExp(anchored ? `^${body}$` : `(^|/)${body}$`), dirOnly, negate };
}

function globToRegex(glob: string): string {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*' && glob[i + 1] === '*') {
      const slashAfter = glob[i + 2] === '/';
      out += slashAfter ? '(?:.*/)?' : '.*';
      i += slashAfter ? 2 : 1;
    } else if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 1);
      if (end < 0) { out += '\\['; continue; }
      out += `[${glob.slice(i + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\')}]`;
      i = end;
    } else out += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return out;
}
