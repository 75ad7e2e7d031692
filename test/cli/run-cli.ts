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

export function runCli(args: string[], options: { env?: Record<string, string | undefined>; fromSource?: boolean } = {}): Promise<CliRun> {
  const env: NodeJS.ProcessEnv = { ...process.env, OCISIGN_FROM_SOURCE: options.fromSource === false ? '0' : '1', ...options.env };
  delete env.COSIGN_REPOSITORY;
  if (options.env?.COSIGN_REPOSITORY !== undefined) env.COSIGN_REPOSITORY = options.env.COSIGN_REPOSITORY;
  return new Promise((done, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += String(d)));
    child.stderr.on('data', (d) => (stderr += String(d)));
    child.on('error', reject);
    child.on('close', (code) => done({ code: code ?? -1, stdout, stderr }));
  });
}
