/**
 * A real registry WITH the OCI 1.1 referrers API for tests: go-containerregistry's pkg/registry built with
 * `registry.WithReferrersSupport(true)` (scripts/regsrv/main.go, built by scripts/install-sid-peers.sh into
 * .work/tools/bin/regsrv), plain HTTP on 127.0.0.1, random port, everything in memory.
 *
 *   referrersRegistryAvailable(): string | undefined   undefined when regsrv can run, else the skip reason
 *   startReferrersRegistry({ listing }) → { host: '127.0.0.1:PORT', url: 'http://…', stop() }
 *     listing 'spec' (default): the listing as distribution-spec 1.1 says (and zot does): each descriptor's
 *       artifactType is the manifest's artifactType, else its config mediaType; the manifest's annotations are
 *       copied; `?artifactType=` filters (OCI-Filters-Applied); sorted by digest; a manifest PUT with a subject
 *       answers OCI-Subject.
 *     listing 'ggcr': pkg/registry's own listing unchanged: artifactType = config mediaType (so cosign bundles
 *       and `oras attach` artifacts all show as application/vnd.oci.empty.v1+json), no annotations, no filter,
 *       random order, no OCI-Subject.
 *
 * Both: `GET /v2/<repo>/referrers/<digest>` answers 200 with an OCI index (404 NAME_UNKNOWN for a repository that
 * does not exist yet); no auth, no TLS. Set REGSRV_LOG=1 to see requests on stderr.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';
import { killOnExit, stopChild } from './child-processes.ts';
import { toolsBin } from './peers.ts';

export const REGSRV_BIN = join(toolsBin, 'regsrv');

export interface ReferrersRegistry {
  /** `127.0.0.1:PORT` */
  host: string;
  /** `http://127.0.0.1:PORT` */
  url: string;
  stop(): Promise<void>;
}

/** undefined when the referrers registry can be started here, else why not (for t.skip). */
export function referrersRegistryAvailable(): string | undefined {
  try {
    accessSync(REGSRV_BIN, constants.X_OK);
    return undefined;
  } catch {
    return `${REGSRV_BIN} not built (run scripts/install-sid-peers.sh as root)`;
  }
}

export interface ReferrersRegistryOptions {
  /** 'spec' (default) or 'ggcr' (pkg/registry's own listing, see above). */
  listing?: 'spec' | 'ggcr';
}

/** Start regsrv on a random loopback port; resolves once it listens (it prints the bound address). */
export async function startReferrersRegistry(options: ReferrersRegistryOptions = {}): Promise<ReferrersRegistry> {
  const missing = referrersRegistryAvailable();
  if (missing) throw new Error(missing);
  const args = [...(options.listing === 'ggcr' ? ['-ggcr-listing'] : []), '127.0.0.1:0'];
  const child = spawn(REGSRV_BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  killOnExit(child);
  const host = await boundAddress(child);
  // A forgotten stop() must not keep the test process alive; the exit hook above still kills the registry.
  child.unref();
  for (const stream of [child.stdout, child.stderr] as unknown as { unref?(): void }[]) stream.unref?.();
  return { host, url: `http://${host}`, stop: () => stopChild(child) };
}

function boundAddress(child: ChildProcess): Promise<string> {
  let out = '';
  let log = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`regsrv did not start in 15 s: ${log.slice(-500)}`)), 15_000);
    const fail = (err: Error): void => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(err);
    };
    child.on('error', fail);
    child.on('exit', (code) => fail(new Error(`regsrv exited with ${code}: ${log.slice(-500)}`)));
    // Keep draining both pipes so the registry never blocks on a full pipe.
    child.stderr!.on('data', (d: Buffer) => void (log = (log + d.toString('utf8')).slice(-8192)));
    child.stdout!.on('data', (d: Buffer) => {
      if (out.includes('\n')) return;
      out += d.toString('utf8');
      const line = /^(127\.0\.0\.1:\d+)\n/.exec(out);
      if (line) {
        clearTimeout(timer);
        child.removeAllListeners('exit');
        resolve(line[1]!);
      } else if (out.includes('\n')) {
        fail(new Error(`regsrv printed an unexpected first line: ${out.trim().slice(0, 200)}`));
      }
    });
  });
}

// Plain reads for assertions, on either registry (this one or docker-registry 2.8): what a test checks after a
// peer wrote something. Each request has a 10 s deadline.

const INDEX = 'application/vnd.oci.image.index.v1+json';
const MANIFEST_TYPES = [INDEX, 'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json', 'application/vnd.docker.distribution.manifest.list.v2+json'].join(', ');

export interface IndexDescriptor {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
}

export interface OciIndex {
  schemaVersion: number;
  mediaType: string;
  manifests: IndexDescriptor[];
}

export interface RegistryRead {
  status: number;
  contentType: string | null;
  headers: Headers;
  bytes: Buffer;
}

/** GET `${url}/v2/${path}` (url as in TestRegistry.url / ReferrersRegistry.url). */
export async function registryGet(url: string, path: string, accept = MANIFEST_TYPES): Promise<RegistryRead> {
  const res = await fetch(`${url}/v2/${path}`, { headers: { accept }, signal: AbortSignal.timeout(10_000) });
  return { status: res.status, contentType: res.headers.get('content-type'), headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
}

async function json<T>(read: Promise<RegistryRead>, what: string): Promise<T | undefined> {
  const r = await read;
  if (r.status === 404) return undefined;
  if (r.status !== 200) throw new Error(`${what}: HTTP ${r.status}: ${r.bytes.toString('utf8').slice(0, 300)}`);
  return JSON.parse(r.bytes.toString('utf8')) as T;
}

/** The referrers API listing of `digest` in `repo`, or undefined when the registry answers 404 (no API). */
export function listReferrers(url: string, repo: string, digest: string): Promise<OciIndex | undefined> {
  return json(registryGet(url, `${repo}/referrers/${digest}`, INDEX), `referrers of ${repo}@${digest}`);
}

/** The referrers tag-schema index (`sha256-<hex>`) of `digest` in `repo`, or undefined when the tag is absent. */
export function fallbackIndex(url: string, repo: string, digest: string): Promise<OciIndex | undefined> {
  return json(registryGet(url, `${repo}/manifests/${digest.replace(':', '-')}`, INDEX), `fallback index of ${repo}@${digest}`);
}

/** A manifest (any of the four types) as parsed JSON plus its bytes, or undefined when absent. */
export async function readManifest(url: string, repo: string, reference: string): Promise<{ json: Record<string, unknown>; bytes: Buffer } | undefined> {
  const r = await registryGet(url, `${repo}/manifests/${reference}`);
  if (r.status === 404) return undefined;
  if (r.status !== 200) throw new Error(`manifest ${repo}@${reference}: HTTP ${r.status}`);
  return { json: JSON.parse(r.bytes.toString('utf8')) as Record<string, unknown>, bytes: r.bytes };
}

/** A blob's bytes. */
export async function readBlob(url: string, repo: string, digest: string): Promise<Buffer> {
  const r = await registryGet(url, `${repo}/blobs/${digest}`, '*/*');
  if (r.status !== 200) throw new Error(`blob ${repo}@${digest}: HTTP ${r.status}`);
  return r.bytes;
}
