// Until infra's helpers (test/helpers/referrers-registry.ts, peers.ts runCosign3/runOras) are on main: the same
// small API over the binaries infra installs in .work/tools/bin (regsrv, cosign3, oras). Swap the imports then.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const bin = resolve(import.meta.dirname, '../../.work/tools/bin');
export const REGSRV_BIN = join(bin, 'regsrv');
export const COSIGN3_BIN = join(bin, 'cosign3');
export const ORAS_BIN = join(bin, 'oras');

export function missing(...paths: string[]): string | undefined {
  for (const p of paths) {
    try {
      accessSync(p, constants.X_OK);
    } catch {
      return `${p} not installed (scripts/install-sid-peers.sh, infra)`;
    }
  }
  return undefined;
}

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});

/** go-containerregistry's registry with the referrers API, spec listing, on a random loopback port. */
export async function startReferrersRegistry(): Promise<{ host: string; url: string; stop(): Promise<void> }> {
  const why = missing(REGSRV_BIN);
  if (why) throw new Error(why);
  const child = spawn(REGSRV_BIN, ['127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  child.stderr!.resume();
  const host = await new Promise<string>((done, fail) => {
    let out = '';
    const timer = setTimeout(() => fail(new Error('regsrv did not start in 15 s')), 15_000);
    child.on('exit', (code) => fail(new Error(`regsrv exited with ${code}`)));
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /^(127\.0\.0\.1:\d+)\n/.exec(out);
      if (m) {
        clearTimeout(timer);
        child.removeAllListeners('exit');
        done(m[1]!);
      }
    });
  });
  child.unref();
  return {
    host,
    url: `http://${host}`,
    stop: () => new Promise<void>((done) => {
      live.delete(child);
      if (child.exitCode !== null) return done();
      child.once('exit', () => done());
      child.kill('SIGTERM');
    }),
  };
}

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run a peer with a throw-away HOME/DOCKER_CONFIG (no TUF cache, no credentials). */
export async function runPeer(path: string, args: string[], env: Record<string, string> = {}, timeoutMs = 300_000, cwd?: string): Promise<Run> {
  const home = await mkdtemp(join(tmpdir(), 'ocisign-peer-home-'));
  try {
    return await new Promise<Run>((done) => {
      execFile(path, args, {
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, DOCKER_CONFIG: join(home, '.docker'), ...env },
        timeout: timeoutMs,
        ...(cwd ? { cwd } : {}),
        maxBuffer: 64 << 20,
      }, (err, stdout, stderr) => done({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }));
    });
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}

/** cosign 3's signing config for key-only signing (no Fulcio, Rekor or TSA). */
export const KEY_ONLY_SIGNING_CONFIG = {
  mediaType: 'application/vnd.dev.sigstore.signingconfig.v0.2+json',
  caUrls: [], oidcUrls: [], rekorTlogUrls: [], tsaUrls: [],
  rekorTlogConfig: { selector: 'ANY' }, tsaConfig: { selector: 'ANY' },
};
