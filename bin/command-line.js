// What bin/ocisign decides before loading the CLI: whether this Node can run it, and which command is asked for.
// Plain JavaScript that any Node parses, so an old Node gets a clear message instead of a syntax or import error.

/** Global options that take a value (kept equal to src/cli/global-options.ts by test/cli/shim.test.ts). */
export const GLOBAL_VALUE_OPTIONS = ['-o', '--output', '--registry-username', '--registry-password', '--registry-cacert', '--timeout', '--request-timeout'];

/** The command: the first argument that is neither an option nor the value of a global option. */
export function commandOf(args) {
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--') return args[i + 1] ?? '';
    if (GLOBAL_VALUE_OPTIONS.includes(a)) {
      i++;
      continue;
    }
    if (!a.startsWith('-')) return a;
  }
  return '';
}

/**
 * Whether `version` ("20.20.2") satisfies an engines range made of `^X.Y.Z` and `>=X.Y.Z` parts joined by `||`.
 * undefined when the range has another form (then nothing is refused).
 */
export function satisfiesEngines(version, range) {
  const v = parseVersion(version);
  let known = true;
  const ok = range.split('||').some((part) => {
    const m = /^\s*(\^|>=)\s*(\d+\.\d+\.\d+)\s*$/.exec(part);
    if (!m || !v) {
      known = false;
      return false;
    }
    const min = parseVersion(m[2]);
    if (compare(v, min) < 0) return false;
    return m[1] === '>=' || v[0] === min[0];
  });
  return ok ? true : known ? false : undefined;
}

/** The one line printed when this Node is too old, or undefined when it is fine. */
export function nodeVersionProblem(version, range, execPath) {
  if (satisfiesEngines(version, range) !== false) return undefined;
  return (
    `ocisign: needs Node ${range.replace(/\s*\|\|\s*/g, ' or ')}; this is Node ${version} (${execPath}). ` +
    'In a checkout: "npm ci", then "npx ocisign …" (runs the Node 24 the project pins); or install Node 24 LTS.'
  );
}

function parseVersion(text) {
  const m = /^v?(\d+)\.(\d+)\.(\d+)/.exec(text);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

function compare(a, b) {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}
