import { describeError, isOcisignError } from '../core/errors.ts';
import type { CliIo } from './io.ts';

/**
 * How the CLI ends on an error, once: `ocisign: <message>` and its details; usage errors point at the command's
 * help; the exit code is the error's (1, a bug in ocisign, for anything that is not an OcisignError); stacks only
 * with --verbose.
 */
export function reportError(err: unknown, io: CliIo, verbose: boolean, command: string | undefined): number {
  if (isOcisignError(err)) {
    io.stderr(`ocisign: ${err.message}`);
    for (const line of err.details) io.stderr(`  ${line}`);
    if (err.code === 'USAGE') io.stderr(`ocisign: run "ocisign ${command ? `${command} ` : ''}--help" for usage`);
    if (verbose && err.stack) io.stderr(stackOf(err));
    return err.exitCode;
  }
  io.stderr(`ocisign: internal error: ${describeError(err)}`);
  if (verbose && err instanceof Error) io.stderr(stackOf(err));
  return 1;
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
