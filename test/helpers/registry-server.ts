/**
 * A real registry for tests: Debian's `docker-registry` (CNCF distribution 2.8) on 127.0.0.1, random port.
 *
 *   registryAvailable(): string | undefined       undefined when /usr/bin/docker-registry can run, else the
 *                                                 reason to print in t.skip(reason)
 *   startRegistry({ mode }) → TestRegistry         mode:
 *     'http'       plain HTTP, no auth
 *     'tls-basic'  TLS (throw-away CA: caPem/caFile) + htpasswd Basic auth (username/password)
 *     'token'      plain HTTP + token auth; `tokenServer` is the jose-based token server
 *                  (username/password get pull,push,delete; `readOnlyUser` gets pull only;
 *                  `refreshToken` is an identity token of `username`)
 *   TestRegistry = { host: '127.0.0.1:PORT', url, caPem?, caFile?, username?, password?, dir, pid?, stop() }
 *
 * Storage lives in a temp dir (deleted by stop()); storage.delete.enabled is true. startRegistry throws
 * (message = the reason) when the registry or htpasswd (apache2-utils, for 'tls-basic') is missing.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { killOnExit, stopChild } from './child-processes.ts';
import { createSigningCert, createTestCa } from './tls.ts';
import { startTokenServer, type TokenServer } from './token-server.ts';

export const REGISTRY_BIN = '/usr/bin/docker-registry';

export type RegistryMode = 'http' | 'tls-basic' | 'token';

export interface TestRegistry {
  /** `127.0.0.1:PORT` */
  host: string;
  /** `http://127.0.0.1:PORT` or `https://…` */
  url: string;
  mode: RegistryMode;
  caPem?: string;
  caFile?: string;
  username?: string;
  password?: string;
  /** token mode: a user with pull only */
  readOnlyUser?: { username: string; password: string };
  /** token mode: an identity (refresh) token for `username` */
  refreshToken?: string;
  tokenServer?: TokenServer;
  dir: string;
  /** The registry process (bench/ reads its CPU time). */
  pid?: number;
  stop(): Promise<void>;
}

const exec = promisify(execFile);

/** undefined when the real registry can be started here, else why not (for t.skip). */
export function registryAvailable(): string | undefined {
  if (!existsSync(REGISTRY_BIN)) return `${REGISTRY_BIN} not installed (apt-get install -y docker-registry; scripts/install-test-deps.sh)`;
  return undefined;
}

function htpasswdAvailable(): string | undefined {
  try {
    execFileSync('htpasswd', ['-h'], { stdio: 'ignore' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'htpasswd not installed (apt-get install -y apache2-utils)';
  }
  return undefined;
}

export async function startRegistry(opts: { mode: RegistryMode }): Promise<TestRegistry> {
  const missing = registryAvailable() ?? (opts.mode === 'tls-basic' ? htpasswdAvailable() : undefined);
  if (missing) throw new Error(missing);
  const dir = await mkdtemp(join(tmpdir(), `ocisign-registry-${opts.mode}-`));
  const extra: Partial<TestRegistry> = {};
  const cleanups: Array<() => Promise<void>> = [];
  try {
    const config = await configure(opts.mode, dir, extra, cleanups);
    await writeFile(join(dir, 'config.yml'), config);
    const { child, port } = await launch(join(dir, 'config.yml'));
    const scheme = opts.mode === 'tls-basic' ? 'https' : 'http';
    const host = `127.0.0.1:${port}`;
    const stop = async (): Promise<void> => {
      await stopChild(child);
      for (const cleanup of cleanups) await cleanup();
      await rm(dir, { recursive: true, force: true });
    };
    return { host, url: `${scheme}://${host}`, mode: opts.mode, dir, stop, ...(child.pid !== undefined ? { pid: child.pid } : {}), ...extra };
  } catch (err) {
    for (const cleanup of cleanups) await cleanup();
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

async function configure(mode: RegistryMode, dir: string, out: Partial<TestRegistry>, cleanups: Array<() => Promise<void>>): Promise<string> {
  const lines = [
    'version: 0.1',
    'log:',
    '  level: info',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${join(dir, 'data')}`,
    '  delete:',
    '    enabled: true',
    '  maintenance:',
    '    uploadpurging:',
    '      enabled: false',
    'http:',
    '  addr: 127.0.0.1:0',
    `  secret: ${randomBytes(16).toString('hex')}`,
  ];
  if (mode === 'tls-basic') {
    const ca = await createTestCa(dir);
    out.caPem = ca.caPem;
    out.caFile = ca.caFile;
    out.username = 'tester';
    out.password = `pw-${randomBytes(6).toString('hex')}`;
    const { stdout } = await exec('htpasswd', ['-Bbn', '-C', '4', out.username, out.password]);
    await writeFile(join(dir, 'htpasswd'), stdout.trim() + '\n');
    lines.push('  tls:', `    certificate: ${ca.serverCertFile}`, `    key: ${ca.serverKeyFile}`);
    lines.push('auth:', '  htpasswd:', '    realm: ocisign-test', `    path: ${join(dir, 'htpasswd')}`);
  }
  if (mode === 'token') {
    const signing = await createSigningCert(dir, 'token-signing');
    out.username = 'tester';
    out.password = `pw-${randomBytes(6).toString('hex')}`;
    out.readOnlyUser = { username: 'reader', password: `pw-${randomBytes(6).toString('hex')}` };
    out.refreshToken = `rt-${randomBytes(12).toString('hex')}`;
    const server = await startTokenServer({
      signing,
      service: 'ocisign-test-registry',
      issuer: 'ocisign-test-issuer',
      users: {
        [out.username]: { password: out.password, refreshToken: out.refreshToken },
        [out.readOnlyUser.username]: { password: out.readOnlyUser.password, actions: ['pull'] },
      },
    });
    cleanups.push(() => server.stop());
    out.tokenServer = server;
    lines.push('auth:', '  token:', `    realm: ${server.realm}`, '    service: ocisign-test-registry',
      '    issuer: ocisign-test-issuer', `    rootcertbundle: ${signing.certFile}`);
  }
  return lines.join('\n') + '\n';
}

/** Start the registry and read the port it bound from its "listening on" log line. */
function launch(configFile: string): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(REGISTRY_BIN, ['serve', configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
  killOnExit(child);
  let log = '';
  let started = false;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`docker-registry did not start in 15 s: ${log.slice(-500)}`)), 15_000);
    const fail = (err: Error): void => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(err);
    };
    child.on('error', fail);
    child.on('exit', (code) => fail(new Error(`docker-registry exited with ${code}: ${log.slice(-500)}`)));
    child.stderr!.on('data', (d: Buffer) => {
      log = (log + d.toString('utf8')).slice(-8192); // keep draining so the registry never blocks on stderr
      const match = /listening on 127\.0\.0\.1:(\d+)/.exec(log);
      if (match && !started) {
        started = true;
        clearTimeout(timer);
        child.removeAllListeners('exit');
        resolve({ child, port: Number(match[1]) });
      }
    });
  });
}
