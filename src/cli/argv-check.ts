/**
 * Usage errors yargs words poorly: a misspelled flag (yargs takes `--insecure-ignore-tlg IMAGE` as an option with a
 * value, then complains about a missing image) and a misspelled command. Checked when yargs fails, so the message
 * names the flag or command and suggests the nearest known one.
 */
import { globalValueFlags } from './global-options.ts';

/** What yargs knows about the options of the command being parsed (from `getOptions()`). */
export interface KnownOptions {
  key: Record<string, unknown>;
  alias: Record<string, string[]>;
  boolean: string[];
}

/** The first argument that is neither an option nor the value of a global option (bin/command-line.js, same rule). */
export function commandOf(args: readonly string[]): string | undefined {
  const valued = globalValueFlags();
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') return args[i + 1];
    if (valued.includes(a)) {
      i++;
      continue;
    }
    if (!a.startsWith('-')) return a;
  }
  return undefined;
}

/** "unknown command …" when the command is not one of `commands`. */
export function unknownCommand(args: readonly string[], commands: readonly string[]): string | undefined {
  const command = commandOf(args);
  if (command === undefined || commands.includes(command)) return undefined;
  const near = nearest(command, commands);
  return `unknown command ${JSON.stringify(command)}${near ? `: did you mean ${near}?` : ''}`;
}

/** "unknown option --x: did you mean --y?" for the first flag in `args` that `known` does not have. */
export function unknownOption(args: readonly string[], known: KnownOptions): string | undefined {
  const names = new Set<string>();
  for (const [key, aliases] of [...Object.keys(known.key).map((k) => [k, known.alias[k] ?? []] as const), ...Object.entries(known.alias)]) {
    names.add(key);
    for (const a of aliases) names.add(a);
  }
  const booleans = new Set(known.boolean.flatMap((b) => [b, ...(known.alias[b] ?? [])]));
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') break;
    if (!a.startsWith('-') || a === '-' || /^-\d/.test(a)) continue;
    if (a.startsWith('--')) {
      const [raw, inline] = splitInline(a.slice(2));
      const name = names.has(raw) ? raw : names.has(kebab(raw)) ? kebab(raw) : raw.startsWith('no-') && booleans.has(raw.slice(3)) ? raw.slice(3) : undefined;
      if (name === undefined) {
        const near = nearest(raw, [...names].filter((n) => n.length > 1 && !/[A-Z]/.test(n)));
        return `unknown option --${raw}${near ? `: did you mean --${near}?` : ''}`;
      }
      if (inline === undefined && !booleans.has(name)) i++;
      continue;
    }
    const [letters, inline] = splitInline(a.slice(1));
    for (const [j, letter] of [...letters].entries()) {
      if (!names.has(letter)) return `unknown option -${letter}`;
      if (!booleans.has(letter)) {
        if (j === letters.length - 1 && inline === undefined) i++;
        break; // the rest of the group is the value
      }
    }
  }
  return undefined;
}

function splitInline(text: string): [string, string | undefined] {
  const eq = text.indexOf('=');
  return eq < 0 ? [text, undefined] : [text.slice(0, eq), text.slice(eq + 1)];
}

const kebab = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** The candidate closest to `input` (edit distance with transpositions), if close enough to be a typo. */
export function nearest(input: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(input, c);
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  return bestDistance <= Math.max(2, Math.floor(input.length / 4)) ? best : undefined;
}

/** Optimal string alignment distance: insertions, deletions, substitutions and adjacent transpositions. */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}
