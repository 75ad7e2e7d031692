import { createContext, type CliContext, type GlobalArgs } from './context.ts';
import { processIo, type CliIo } from './io.ts';

/** What a command prints: `text` in text mode, `json` (serialised with 2-space indent) with `--output json`. */
export interface CommandResult {
  text: string | string[];
  json: unknown;
}

/** argv as handlers see it (yargs merges the `io` main.ts passes to parseAsync into it). */
export type HandlerArgs<A> = A & GlobalArgs & { io?: CliIo };

/**
 * The body of every command handler: builds the context, runs `fn`, prints its result on stdout, releases
 * the context. Errors propagate to main.ts, which prints them and sets the exit code.
 */
export async function runCommand<A extends GlobalArgs>(
  argv: A,
  fn: (ctx: CliContext, argv: A) => Promise<CommandResult | void>,
): Promise<void> {
  // main.ts passes its CliIo to yargs' parseAsync, which merges it into argv.
  const io = (argv as { io?: CliIo }).io ?? processIo;
  const ctx = createContext(argv, io);
  try {
    const result = await fn(ctx, argv);
    if (result) io.stdout(formatResult(result, ctx.output));
  } finally {
    await ctx.close();
  }
}

export function formatResult(result: CommandResult, output: 'text' | 'json'): string {
  if (output === 'json') return `${JSON.stringify(result.json, null, 2)}\n`;
  const text = Array.isArray(result.text) ? result.text.join('\n') : result.text;
  return text === '' ? '' : `${text}\n`;
}
