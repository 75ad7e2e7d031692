// Runs bin/ocisign from source (OCISIGN_FROM_SOURCE=1) as a real process on the test's Node.
import { spawn } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BIN = resolve(dirname(fileURLToPath(import.meta.url)), '../../bin/ocisign');

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export interface SpawnOptions {
  /** The whole environment; an undefined value leaves the variable unset. */
  env: Record<string, string | undefined>;
  cwd?: string;
  /** Written to standard input, which is then closed; without it standard input is not connected. */
  stdin?: string;
}

/** Spawn a command and collect its output; never rejects for a non-zero exit (a signal is exit 128). */
export function spawnCollect(command: string, args: string[], options: SpawnOptions): Promise<CliRun> {
  return new Promise((done, reject) => {
    const child = spawn(command, args, { env: options.env, cwd: options.cwd, stdio: [options.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => (stdout += String(d)));
    child.stderr!.on('data', (d) => (stderr += String(d)));
    if (options.stdin !== undefined) {
      child.stdin!.on('error', () => {}); // the CLI may exit without reading its input
      child.stdin!.end(options.stdin);
    }
    child.on('error', reject);
    child.on('close', (code, signal) => done({ code: code ?? (signal ? 128 : -1), stdout, stderr }));
  });
}

/**
 * bin/ocisign with the test process's environment, COSIGN_REPOSITORY unset, and `env` over it (an undefined value
 * unsets the variable).
 */
export function runCli(args: string[], options: { env?: Record<string, string | undefined>; fromSource?: boolean; stdin?: string; cwd?: string } = {}): Promise<CliRun> {
  const env = { ...process.env, COSIGN_REPOSITORY: undefined, OCISIGN_FROM_SOURCE: options.fromSource === false ? '0' : '1', ...options.env };
  return spawnCollect(process.execPath, [BIN, ...args], { env, ...(options.cwd ? { cwd: options.cwd } : {}), ...(options.stdin !== undefined ? { stdin: options.stdin } : {}) });
}
