import { OcisignError } from '../core/errors.ts';

/**
 * Where a password can come from. The CLI builds one from process.env/stdin/stderr
 * (`terminalPasswordSource`); tests and library users pass their own functions.
 */
export interface PasswordSource {
  /** The value of COSIGN_PASSWORD, or undefined when the variable is not set (set-but-empty is ''). */
  envPassword(): string | undefined;
  /** True when an interactive prompt is possible (stdin is a TTY). */
  isInteractive(): boolean;
  /** Ask for a line without echo. */
  prompt(question: string): Promise<string>;
  /** All of stdin (for piped passwords). */
  readAll(): Promise<string>;
}

export interface ReadPasswordOptions {
  /**
   * For a new key (generate-key-pair, import-key-pair): ask twice on a TTY and require both to match, and refuse
   * an empty password read from stdin (no terminal and nothing piped would otherwise encrypt with '' silently).
   */
  confirm?: boolean;
}

/**
 * cosign's password order: COSIGN_PASSWORD if set (even empty), else a TTY prompt (confirmed when asked),
 * else all of stdin with one trailing newline removed (cosign keeps it; a piped `echo pw |` is the common case).
 * Unlike cosign, a new key is not encrypted with an empty password that came from an empty stdin (USAGE, exit 2).
 */
export async function readPassword(source: PasswordSource, options: ReadPasswordOptions = {}): Promise<string> {
  const fromEnv = source.envPassword();
  if (fromEnv !== undefined) return fromEnv;
  if (source.isInteractive()) {
    const first = await source.prompt('Enter password for private key: ');
    if (!options.confirm) return first;
    const second = await source.prompt('Enter password for private key again: ');
    if (first !== second) throw new OcisignError('BAD_INPUT', 'reading password: passwords do not match');
    return first;
  }
  const piped = trimOneNewline(await source.readAll());
  if (piped === '' && options.confirm) {
    throw new OcisignError('USAGE', 'no password for the new key: set COSIGN_PASSWORD (COSIGN_PASSWORD= for an empty one), pipe it on stdin, or run in a terminal');
  }
  return piped;
}

export function trimOneNewline(text: string): string {
  if (text.endsWith('\r\n')) return text.slice(0, -2);
  if (text.endsWith('\n')) return text.slice(0, -1);
  return text;
}

/** The streams a terminal password source needs (process.stdin / process.stderr in the CLI). */
export interface TerminalStreams {
  env: Readonly<Record<string, string | undefined>>;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (mode: boolean) => unknown };
  stderr: NodeJS.WritableStream;
}

/** A PasswordSource over real streams; nothing here reads globals. */
export function terminalPasswordSource(streams: TerminalStreams): PasswordSource {
  return {
    envPassword: () => streams.env.COSIGN_PASSWORD,
    isInteractive: () => streams.stdin.isTTY === true && typeof streams.stdin.setRawMode === 'function',
    prompt: (question) => promptNoEcho(streams, question),
    readAll: () => readAllText(streams.stdin),
  };
}

async function readAllText(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk));
  return Buffer.concat(chunks).toString('utf8');
}

/** Read one line in raw mode without echoing it; Ctrl-C / Ctrl-D abort, backspace edits. */
function promptNoEcho(streams: TerminalStreams, question: string): Promise<string> {
  const { stdin, stderr } = streams;
  stderr.write(question);
  stdin.setRawMode?.(true);
  stdin.resume();
  return new Promise((resolve, reject) => {
    let line = '';
    const finish = (err?: OcisignError): void => {
      stdin.removeListener('data', onData);
      stdin.setRawMode?.(false);
      stdin.pause();
      stderr.write('\n');
      if (err) reject(err);
      else resolve(line);
    };
    const onData = (data: Buffer | string): void => {
      for (const ch of data.toString()) {
        if (ch === '\r' || ch === '\n') return finish();
        if (ch === '\u0003' || ch === '\u0004') return finish(new OcisignError('BAD_INPUT', 'reading password: cancelled'));
        if (ch === '\u007f' || ch === '\b') line = line.slice(0, -1);
        else line += ch;
      }
    };
    stdin.on('data', onData);
  });
}
