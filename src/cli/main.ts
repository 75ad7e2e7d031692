/**
 * The ocisign CLI. Parsing with yargs; every command is a CommandModule in ./commands/ whose handler lazily
 * imports its ops function. Errors are printed here, once: `ocisign: <message>` (+ details), exit code from
 * the error's code; yargs usage errors exit 2; unknown errors exit 1; stacks only with --verbose.
 */
import { readFileSync } from 'node:fs';
import yargs from 'yargs';
import { OcisignError, isOcisignError } from '../core/errors.ts';
import { commandOf, unknownCommand, unknownOption, type KnownOptions } from './argv-check.ts';
import { commands } from './commands/index.ts';
import { GLOBAL_OPTIONS, globalOptionsWithHints, outputOption } from './global-options.ts';
import { processIo, type CliIo } from './io.ts';
import { reportError } from './report-error.ts';

export function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** Runs the CLI on `args` (without node and script); resolves to the exit code. */
export async function main(args: string[], io: CliIo = processIo): Promise<number> {
  const verbose = args.includes('--verbose') || args.includes('-v');
  if (verbose) io.stderr(`ocisign: node ${process.versions.node}${process.execArgv.length > 0 ? ` ${process.execArgv.join(' ')}` : ''}`);
  try {
    await buildParser(args, io).parseAsync(args, { io });
    return 0;
  } catch (err) {
    const command = commandOf(args);
    return reportError(err, io, verbose, command !== undefined && commandNames().includes(command) ? command : undefined);
  }
}

/** The yargs parser of the CLI; `commandList` lets a test capture what a handler receives. */
export function buildParser(args: string[], io: CliIo, commandList: typeof commands = commands) {
  const parser = yargs(args)
    .scriptName('ocisign')
    .usage('$0 <command> [options]\n\nSign, attest and verify OCI images; cosign-compatible.')
    .options(globalOptionsWithHints())
    // Each command declares -o with its own default (see commands/index.ts); listed here for `ocisign --help`.
    .option('output', { ...outputOption('text', 'output format: text or json (verify: json; default: text)'), global: false })
    .group([...Object.keys(GLOBAL_OPTIONS), 'output', 'help', 'version'], 'Global options:')
    .command(commandList)
    .demandCommand(1, 'no command given')
    .strict()
    .version(version())
    .help()
    .alias('help', 'h')
    .wrap(helpWidth())
    .exitProcess(false)
    .fail((msg, err) => {
      // Validation failures carry a message (usage error, exit 2); handler errors come as `err` alone.
      if (msg && !isOcisignError(err)) throw new OcisignError('USAGE', usageProblem(args, msg, parser as unknown as YargsInternals) ?? lowerFirst(msg.replace(/\s*\n\s*/g, ' ')), { cause: err });
      throw err;
    });
  parser.showHelpOnFail(false);
  // help hints come from global-options.ts helpHint (not in @types/yargs 17)
  (parser as unknown as { usageConfiguration(c: Record<string, boolean>): unknown }).usageConfiguration({ 'hide-types': true });
  void io;
  return parser;
}

/**
 * Help is at least 100 columns wide, so yargs (which gives the flag column at most half the width) never cuts a
 * flag name such as --certificate-github-workflow-repository; wider terminals get up to 120.
 */
function helpWidth(): number {
  return Math.max(100, Math.min(120, process.stdout.columns || 0));
}

/** A misspelled flag or command, named, with the nearest known one (see argv-check.ts). */
/** The parts of the yargs instance (untyped in @types/yargs) the fail handler reads; during a command's parse they describe that command. */
interface YargsInternals {
  getOptions(): unknown;
  getInternalMethods(): { getContext(): { commands: string[] } };
}

function usageProblem(args: string[], msg: string, y: YargsInternals): string | undefined {
  const inCommand = y.getInternalMethods().getContext().commands.length > 0;
  const known = y.getOptions() as KnownOptions;
  if (!inCommand) {
    return unknownOption(args.slice(0, Math.max(0, args.indexOf(commandOf(args) ?? '\0'))), known) ?? unknownCommand(args, commandNames());
  }
  return unknownOption(args, known) ?? (/^not enough non-option arguments/i.test(msg) ? missingArguments(args) : invalidChoice(msg, args));
}

/** yargs' "Invalid values: Argument: output, Given: "yaml", Choices: "text", "json"" as one plain sentence. */
function invalidChoice(msg: string, args: string[]): string | undefined {
  const m = /^Invalid values:\s*Argument: (\S+), Given: (.*), Choices: (.*)$/s.exec(msg.trim());
  if (!m) return undefined;
  const command = commands.find((c) => String(c.command).split(' ')[0] === commandOf(args));
  const positional = command !== undefined && new RegExp(`[<[]${m[1]}[\\].>]`).test(String(command.command));
  return `invalid value ${m[2]!.trim()} for ${positional ? `<${m[1]}>` : `--${m[1]}`} (one of: ${m[3]!.replace(/"/g, '').trim()})`;
}

/** "missing arguments: ocisign verify <images..>" instead of yargs' count of non-option arguments. */
function missingArguments(args: string[]): string | undefined {
  const command = commands.find((c) => String(c.command).split(' ')[0] === commandOf(args));
  return command ? `missing arguments: ocisign ${String(command.command)}` : undefined;
}

function commandNames(): string[] {
  return commands.map((c) => String(c.command).split(' ')[0]!);
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

/** Entry point used by bin/ocisign. */
export async function runCli(): Promise<void> {
  process.exitCode = await main(process.argv.slice(2), processIo);
}
