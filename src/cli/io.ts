/** What the CLI touches outside itself; tests pass their own. */
export interface CliIo {
  /** Write results (stdout). */
  stdout(text: string): void;
  /** Write one log/error line (stderr); a newline is added. */
  stderr(line: string): void;
  env: Record<string, string | undefined>;
  /** Whether stderr is a terminal (progress only then). */
  isTTY?: boolean;
}

export const processIo: CliIo = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (line) => void process.stderr.write(`${line}\n`),
  env: process.env,
  // Read at use, not at module load (a start-up snapshot would keep the build's value).
  get isTTY() {
    return process.stderr.isTTY === true;
  },
};
