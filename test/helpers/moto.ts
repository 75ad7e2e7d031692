/**
 * AWS KMS for tests: moto 5.2's server mode (Debian unstable's python3-moto), run with chroot in the Debian unstable
 * root scripts/install-kms-emulators.sh builds at .work/moto-root, on 127.0.0.1 and a random port.
 *
 *   motoAvailable(): string | undefined      undefined when it can start here, else the reason for t.skip(reason)
 *   startMoto({ tls }) → Moto                 tls: HTTPS with a throw-away CA (what cosign needs: it always speaks
 *                                             HTTPS to an awskms:// endpoint); otherwise plain HTTP
 *   Moto = { host: '127.0.0.1:PORT', url, caFile?, env, createKey(spec, usage?), stop() }
 *
 * `env` holds dummy credentials, the region, and AWS_CA_BUNDLE in TLS mode; it never contains real credentials.
 * The server dies with the test process: stop(), an exit hook, and a watchdog in the server that exits when its
 * parent (this process) is gone, even after a SIGKILL.
 *
 * moto's limit: Sign with MessageType DIGEST hashes the digest again, so such signatures are invalid (cosign always
 * signs with DIGEST). Use RAW (ocisign for payloads up to 4096 bytes) for anything that must verify.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killOnExit, stopChild } from './child-processes.ts';
import { repoRoot } from './peers.ts';
import { createTestCa } from './tls.ts';

export const MOTO_ROOT = join(repoRoot, '.work', 'moto-root');
const READY_TIMEOUT_MS = 90_000;

export interface Moto {
  host: string;
  url: string;
  caFile?: string;
  /** AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (dummies), AWS_REGION, AWS_EC2_METADATA_DISABLED, AWS_CA_BUNDLE (tls). */
  env: Record<string, string>;
  /** Create a KMS key through the SDK (test set-up); returns its KeyId. */
  createKey(keySpec: string, keyUsage?: string): Promise<string>;
  stop(): Promise<void>;
}

/** undefined when moto can be started here, else why not. */
export function motoAvailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'moto runs with chroot, which needs root';
  if (!existsSync(join(MOTO_ROOT, '.ocisign-ready'))) {
    return `no moto root at ${MOTO_ROOT} (run scripts/install-kms-emulators.sh as root; it builds it once with debootstrap)`;
  }
  return undefined;
}

// Exits when the parent (the test process) goes away, then runs moto's own server entry point.
const LAUNCHER = `
import os, sys, threading, time
parent = os.getppid()
def watch():
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(0)
threading.Thread(target=watch, daemon=True).start()
from moto.server import main
main(sys.argv[1:])
`;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

export async function startMoto(options: { tls?: boolean } = {}): Promise<Moto> {
  const reason = motoAvailable();
  if (reason) throw new Error(reason);
  const dir = await mkdtemp(join(tmpdir(), 'ocisign-moto-'));
  // Files the server reads must be inside the root it is chrooted to.
  const inRoot = await mkdtemp(join(MOTO_ROOT, 'tmp', 'ocisign-moto-'));
  const args = ['-H', '127.0.0.1'];
  let caFile: string | undefined;
  if (options.tls) {
    const ca = await createTestCa(dir);
    caFile = ca.caFile;
    await copyFile(ca.serverCertFile, join(inRoot, 'cert.pem'));
    await copyFile(ca.serverKeyFile, join(inRoot, 'key.pem'));
    const rel = inRoot.slice(MOTO_ROOT.length);
    args.push('--ssl-cert', `${rel}/cert.pem`, '--ssl-key', `${rel}/key.pem`);
  }
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    try {
      const child = await launch([...args, '-p', String(port)]);
      return motoHandle(child, port, options.tls === true, caFile, [dir, inRoot]);
    } catch (err) {
      if (attempt >= 3) {
        await rm(dir, { recursive: true, force: true });
        await rm(inRoot, { recursive: true, force: true });
        throw err;
      }
    }
  }
}

function launch(args: string[]): Promise<ChildProcess> {
  const child = spawn('chroot', [MOTO_ROOT, 'python3', '-c', LAUNCHER, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8', HOME: '/root' },
  });
  killOnExit(child);
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => fail(new Error(`moto did not start within ${READY_TIMEOUT_MS} ms: ${output.trim().slice(-500)}`)), READY_TIMEOUT_MS);
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (/Running on http/.test(output)) {
        cleanup();
        resolve(child);
      }
    };
    const onExit = (code: number | null) => fail(new Error(`moto exited (${code}) before it was ready: ${output.trim().slice(-500)}`));
    function cleanup() {
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      child.stderr!.off('data', onData);
      child.off('exit', onExit);
      // keep draining, so a full pipe never blocks the server
      child.stdout!.resume();
      child.stderr!.resume();
    }
    function fail(err: Error) {
      cleanup();
      child.kill('SIGKILL');
      reject(err);
    }
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', onExit);
  });
}

function motoHandle(child: ChildProcess, port: number, tls: boolean, caFile: string | undefined, dirs: string[]): Moto {
  const host = `127.0.0.1:${port}`;
  const url = `${tls ? 'https' : 'http'}://${host}`;
  const env: Record<string, string> = {
    AWS_ACCESS_KEY_ID: 'testing-access-key',
    AWS_SECRET_ACCESS_KEY: 'testing-secret-key-never-printed',
    AWS_REGION: 'us-east-1',
    AWS_EC2_METADATA_DISABLED: 'true',
    ...(caFile ? { AWS_CA_BUNDLE: caFile } : {}),
  };
  return {
    host,
    url,
    ...(caFile ? { caFile } : {}),
    env,
    async createKey(keySpec, keyUsage = 'SIGN_VERIFY') {
      const { KMSClient, CreateKeyCommand } = await import('@aws-sdk/client-kms');
      const client = new KMSClient({
        endpoint: url,
        region: env.AWS_REGION!,
        credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID!, secretAccessKey: env.AWS_SECRET_ACCESS_KEY! },
        ...(caFile ? { requestHandler: { httpsAgent: { ca: readFileSync(caFile, 'utf8') } } } : {}),
      });
      try {
        const out = await client.send(new CreateKeyCommand({ KeySpec: keySpec as 'ECC_NIST_P256', KeyUsage: keyUsage as 'SIGN_VERIFY' }));
        return out.KeyMetadata!.KeyId!;
      } finally {
        client.destroy();
      }
    },
    async stop() {
      await stopChild(child);
      for (const d of dirs) await rm(d, { recursive: true, force: true });
    },
  };
}
