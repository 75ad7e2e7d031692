/**
 * `ocisign verify` without yargs, for the plain form a deploy gate runs: `verify --key K [--insecure-ignore-tlog]
 * IMAGE…`. Loading and running yargs with every command's options is ~40 ms of a ~250 ms cold verify
 * (bench/verify-bundles.ts). bin/ocisign tries this first; it parses only a closed set of flags into exactly the
 * argv yargs would give the verify handler (test/cli/fast-verify.test.ts holds the two side by side) and runs that
 * same handler. Anything else — another flag, a repeated flag, `--help`, a value that looks like a flag, `--` — is
 * left to the full CLI (undefined), which parses it and reports usage errors as always.
 */
import { verifyCommand } from './commands/verify.ts';
import { GLOBAL_OPTIONS } from './global-options.ts';
import { processIo, type CliIo } from './io.ts';
import { reportError } from './report-error.ts';

const BOOLEANS = new Set(['insecure-ignore-tlog', 'allow-http-registry', 'allow-insecure-registry', 'check-docker-reference', 'insecure-ignore-sct']);
const STRINGS = new Set(['timeout', 'request-timeout', 'trusted-root', 'certificate-identity', 'certificate-oidc-issuer']);
const OUTPUTS = new Set(['json', 'text']);
/** What yargs fills in for the global options every command takes (verbose, timeouts, registry flags). */
const GLOBAL_DEFAULTS = Object.fromEntries(Object.entries(GLOBAL_OPTIONS).flatMap(([name, o]) => ('default' in o ? [[name, o.default]] : [])));

/** The verify handler's argv as yargs builds it (kebab-case keys, defaults applied), or undefined: not handled here. */
export function parseFastVerify(args: readonly string[]): Record<string, unknown> | undefined {
  if (args[0] !== 'verify') return undefined;
  const argv: Record<string, unknown> = {
    ...GLOBAL_DEFAULTS,
    'insecure-ignore-tlog': false,
    'insecure-ignore-sct': false,
    'check-docker-reference': false,
    'max-workers': 8,
    output: 'json',
  };
  const keys: string[] = [];
  const images: string[] = [];
  const seen = new Set<string>();
  for (let i = 1; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith('-')) {
      images.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const flag = arg.startsWith('--') ? arg.slice(2, eq < 0 ? undefined : eq) : arg === '-o' ? 'output' : undefined;
    if (flag === undefined) return undefined;
    const inline = eq < 0 ? undefined : arg.slice(eq + 1);
    if (flag !== 'key' && seen.has(flag)) return undefined;
    seen.add(flag);
    if (BOOLEANS.has(flag)) {
      // `--flag true` / `--flag false` (a separate value) is yargs' business
      if (inline === undefined && (args[i + 1] === 'true' || args[i + 1] === 'false')) return undefined;
      if (inline !== undefined && inline !== 'true' && inline !== 'false') return undefined;
      argv[flag] = inline !== 'false';
      continue;
    }
    if (flag !== 'key' && flag !== 'output' && !STRINGS.has(flag)) return undefined;
    const value = inline ?? args[++i];
    if (value === undefined || value === '' || value.startsWith('-')) return undefined;
    if (flag === 'key') keys.push(value);
    else if (flag === 'output' && !OUTPUTS.has(value)) return undefined;
    else argv[flag] = value;
  }
  if (images.length === 0 || images.some((image) => /^\d+$/.test(image) || image === '')) return undefined;
  if (keys.length > 0) argv.key = keys.length === 1 ? keys[0] : keys;
  argv.images = images;
  return argv;
}

/** Runs `verify` when parseFastVerify takes `args`: resolves to the exit code, or undefined (run the full CLI). */
export async function runFastVerify(args: readonly string[], io: CliIo = processIo): Promise<number | undefined> {
  const argv = parseFastVerify(args);
  if (!argv) return undefined;
  try {
    await verifyCommand.handler({ ...argv, io } as never);
    return 0;
  } catch (err) {
    return reportError(err, io, false, 'verify');
  }
}
