/**
 * The options every command takes (cosign's names), as yargs option definitions. bin/command-line.js keeps the
 * list of those that take a value, to find the command before loading the CLI (test/cli/shim.test.ts checks it).
 */
import type { Options } from 'yargs';

export const GLOBAL_OPTIONS = {
  verbose: { alias: 'v', type: 'boolean', default: false, describe: 'log debug information and stack traces' },
  'registry-username': { type: 'string', describe: 'registry basic-auth username' },
  'registry-password': { type: 'string', describe: 'registry basic-auth password' },
  'registry-cacert': { type: 'string', normalize: true, describe: 'PEM file of extra CA certificates for registries' },
  'allow-http-registry': { type: 'boolean', default: false, describe: 'allow plain HTTP to non-loopback registries' },
  'allow-insecure-registry': { type: 'boolean', default: false, describe: 'skip TLS verification (dangerous)' },
  timeout: { type: 'string', default: '3m0s', describe: 'deadline for the whole command (30s, 2m, 1m30s; 0: none)' },
  'request-timeout': { type: 'string', default: '30s', describe: 'deadline for each registry answer: its headers, and each pause in its body' },
} as const satisfies Record<string, Options>;

/**
 * `-o, --output`: each command declares it with its own default and meaning (verify prints JSON by default, as
 * cosign); at the top level it is listed for `ocisign --help` only.
 */
export function outputOption(defaultMode: 'text' | 'json', describe = 'output format') {
  return { alias: 'o', choices: ['text', 'json'] as const, default: defaultMode, describe } as const;
}

/** Flags (with their aliases) of the global options that take a value, `-o/--output` included. */
export function globalValueFlags(): string[] {
  const out = ['-o', '--output'];
  for (const [name, o] of Object.entries(GLOBAL_OPTIONS)) {
    if (o.type === 'boolean') continue;
    out.push(`--${name}`);
    if ('alias' in o) out.push(`-${o.alias as string}`);
  }
  return out;
}

/**
 * What help says after a description: "(default: json; one of: text, json)", "(required)". yargs' own hints are
 * off (hide-types): its right-aligned column glued them to descriptions that filled the line.
 */
export function helpHint(defaultValue: unknown, choices: readonly unknown[] | undefined, required: boolean): string {
  const parts: string[] = [];
  if (required) parts.push('required');
  if (defaultValue !== undefined && defaultValue !== false && !(Array.isArray(defaultValue) && defaultValue.length === 0)) parts.push(`default: ${String(defaultValue)}`);
  if (choices && choices.length > 0) parts.push(`one of: ${choices.join(', ')}`);
  return parts.length > 0 ? `(${parts.join('; ')})` : '';
}

/** GLOBAL_OPTIONS with their hints in the description (the top level declares them once). */
export function globalOptionsWithHints(): Record<string, Options> {
  const out: Record<string, Options> = {};
  for (const [name, o] of Object.entries(GLOBAL_OPTIONS)) {
    const hint = helpHint('default' in o ? o.default : undefined, undefined, false);
    out[name] = { ...o, describe: hint ? `${o.describe} ${hint}` : o.describe };
  }
  return out;
}
