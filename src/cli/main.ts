/**
 * The ocisign CLI. Parsing with yargs; every command is a CommandModule in ./commands/ whose handler lazily
 * imports its ops function. Errors are printed here, once: `ocisign: <message>` (+ details), exit code from
 * the error's code; yargs usage errors exit 2; unknown errors exit 1; stacks only with --verbose.
 */
import { readFileSync } from 'node:fs';
import yargs from 'yargs';
import { OcisignError, describeError, isOcisignError } from '../core/errors.ts';
import { commands } from './commands/index.ts';
import { processIo, type CliIo } from './io.ts';

export function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** Runs the CLI on `args` (without node and script); resolves to the exit code. */
export async function main(args: string[], io: CliIo = processIo): Promise<number> {
  const verbose = args.includes('--verbose') || args.includes('-v');
  try {
    await buildParser(args, io).parseAsync(args, { io });
    return 0;
  } catch (err) {
    return reportError(err, io, verbose);
  }
}

function buildParser(args: string[], io: CliIo) {
  const parser = yargs(args)
    .scriptName('ocisign')
    .usage('$0 <command> [options]\n\nSign, attest and verify OCI images; cosign-compatible.')
    .option('verbose', { alias: 'v', type: 'boolean', default: false, describe: 'log debug information and stack traces' })
    .option('output', { alias: 'o', choices: ['text', 'json'] as const, default: 'text' as const, describe: 'output format' })
    .option('registry-username', { type: 'string', describe: 'registry basic-auth username' })
    .option('registry-password', { type: 'string', describe: 'registry basic-auth password' })
    .option('registry-cacert', { type: 'string', normalize: true, describe: 'PEM file of extra CA certificates for registries' })
    .option('allow-http-registry', { type: 'boolean', default: false, describe: 'allow plain HTTP to non-loopback registries' })
    .option('allow-insecure-registry', { type: 'boolean', default: false, describe: 'skip TLS verification (dangerous)' })
    .option('timeout', { type: 'string', default: '3m0s', describe: 'deadline for the whole command (30s, 2m, 1m30s; 0: none)' })
    .option('request-timeout', { type: 'string', default: '30s', describe: 'deadline for each registry answer: its headers, and each pause in its body' })
    .group(['verbose', 'output', 'registry-username', 'registry-password', 'registry-cacert', 'allow-http-registry', 'allow-insecure-registry', 'timeout', 'request-timeout', 'help', 'version'], 'Global options:')
    .command(commands)
    .demandCommand(1, 'no command given')
    .strict()
    .version(version())
    .help()
    .alias('help', 'h')
    .wrap(Math.min(110, process.stdout.columns || 80))
    .exitProcess(false)
    .fail((msg, err) => {
      // Validation failures carry a message (usage error, exit 2); handler errors come as `err` alone.
      if (msg && !isOcisignError(err)) throw new OcisignError('USAGE', lowerFirst(msg.replace(/\s*\n\s*/g, ' ')), { cause: err });
      throw err;
    });
  parser.showHelpOnFail(false);
  void io;
  return parser;
}

function reportError(err: unknown, io: CliIo, verbose: boolean): number {
  if (isOcisignError(err)) {
    io.stderr(`ocisign: ${err.message}`);
    for (const line of err.details) io.stderr(`  ${line}`);
    if (err.code === 'USAGE') io.stderr('ocisign: run "ocisign --help" for usage');
    if (verbose && err.stack) io.stderr(stackOf(err));
    return err.exitCode;
  }
  io.stderr(`ocisign: internal error: ${describeError(err)}`);
  if (verbose && err instanceof Error) io.stderr(stackOf(err));
  return 1;
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

function stackOf(err: Error): string {
  let text = err.stack ?? '';
  let cause = err.cause;
  while (cause instanceof Error) {
    text += `\ncaused by: ${cause.stack ?? cause.message}`;
    cause = cause.cause;
  }
  return text;
}

/** Entry point used by bin/ocisign. */
export async function runCli(): Promise<void> {
  process.exitCode = await main(process.argv.slice(2), processIo);
}
