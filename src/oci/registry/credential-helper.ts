import { spawn } from 'node:child_process';
import { OcisignError } from '../../core/errors.ts';
import type { Credentials } from '../client-options.ts';

export interface HelperOptions {
  env?: Record<string, string | undefined>;
  timeoutMs?: number;
}

const MAX_OUTPUT = 64 * 1024;

/**
 * Run `docker-credential-<name> get` with the server URL on stdin. Returns undefined when the helper
 * says "credentials not found"; throws AUTH when it fails otherwise. Secrets never reach an error message.
 */
export async function runCredentialHelper(name: string, serverUrl: string, options: HelperOptions = {}): Promise<Credentials | undefined> {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) {
    throw new OcisignError('BAD_INPUT', `invalid credential helper name ${JSON.stringify(name)}`);
  }
  const program = `docker-credential-${name}`;
  const result = await run(program, serverUrl, options);
  if (result.code !== 0) {
    if (/credentials not found/i.test(result.stdout + result.stderr)) return undefined;
    const why = firstLine(result.stderr) || firstLine(result.stdout) || `exit code ${result.code}`;
    throw new OcisignError('AUTH', `credential helper ${program} failed for ${serverUrl}: ${why}`);
  }
  return parseHelperOutput(result.stdout, program, serverUrl);
}

function parseHelperOutput(stdout: string, program: string, serverUrl: string): Credentials | undefined {
  let doc: { Username?: unknown; Secret?: unknown };
  try {
    doc = JSON.parse(stdout) as typeof doc;
  } catch {
    throw new OcisignError('AUTH', `credential helper ${program} printed invalid JSON for ${serverUrl}`);
  }
  if (typeof doc.Secret !== 'string' || doc.Secret === '') return undefined;
  const username = typeof doc.Username === 'string' ? doc.Username : '';
  // docker's convention: Username "<token>" means the secret is an identity (refresh) token
  if (username === '<token>') return { identityToken: doc.Secret };
  return { username, password: doc.Secret };
}

interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

function run(program: string, input: string, options: HelperOptions): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, ['get'], {
      env: options.env as NodeJS.ProcessEnv | undefined,
      stdio: ['pipe', 'pipe', 'pipe'],
      timeout: options.timeoutMs ?? 15_000,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { if (stdout.length < MAX_OUTPUT) stdout += d.toString('utf8'); });
    child.stderr.on('data', (d: Buffer) => { if (stderr.length < MAX_OUTPUT) stderr += d.toString('utf8'); });
    child.on('error', (err: NodeJS.ErrnoException) => {
      const why = err.code === 'ENOENT' ? 'not found on PATH' : err.message;
      reject(new OcisignError('AUTH', `credential helper ${program}: ${why}`, { cause: err }));
    });
    child.on('close', (code, signal) => {
      if (signal) reject(new OcisignError('AUTH', `credential helper ${program} killed by ${signal} (timeout?)`));
      else resolve({ code: code ?? 1, stdout, stderr });
    });
    child.stdin.on('error', () => {}); // a helper that exits without reading stdin
    child.stdin.end(input);
  });
}

function firstLine(text: string): string {
  return text.trim().split('\n')[0]!.slice(0, 200);
}
