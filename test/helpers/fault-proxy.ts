/**
 * A fault-injecting HTTP proxy on 127.0.0.1 (random port) in front of a plain-HTTP registry, for faults a
 * real registry won't produce. Requests pass through unchanged (Host kept, so the registry's absolute
 * Location headers point back at the proxy) unless a fault is armed:
 *
 *   const proxy = await startFaultProxy({ upstream: registry.url });
 *   proxy.corruptBlobs = true;                  (a) flip a byte in every blob GET body (size unchanged)
 *   proxy.failNext({ status: 503, count: 2, retryAfter: '1', match: /^GET .*\/manifests\// });
 *                                               (b) answer status N times (with Retry-After), then pass
 *   proxy.resetNext({ count: 1, match })        drop the connection of the next N matching requests
 *   proxy.redirectBlobs = true;                 (c) blob GETs: fetch upstream (with the client's auth), then
 *                                               307 to a second loopback server on another port, which
 *                                               records in `redirectTarget.authorizations` what arrived
 *   proxy.serveManifest({ match, bytes, contentLength })   answer matching manifest GETs with these bytes
 *   proxy.requests                              every request seen: { method, path }
 *   await proxy.stop()
 */
import { randomBytes } from 'node:crypto';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FailSpec {
  status: number;
  count: number;
  retryAfter?: string;
  /** Tested against `METHOD /path?query`; default: everything except /v2/ pings. */
  match?: RegExp;
}

export interface ManifestSpec {
  match: RegExp;
  bytes: Uint8Array;
  /** Send Content-Length (else chunked, so the client must count while reading). */
  contentLength: boolean;
  mediaType?: string;
  /** Extra response headers, e.g. a lying Docker-Content-Digest. */
  headers?: Record<string, string>;
}

export interface RedirectTarget {
  host: string;
  url: string;
  hits: number;
  /** The Authorization header of each request that reached the redirect target (undefined = none). */
  authorizations: Array<string | undefined>;
}

export interface FaultProxy {
  host: string;
  url: string;
  corruptBlobs: boolean;
  redirectBlobs: boolean;
  redirectTarget: RedirectTarget;
  requests: Array<{ method: string; path: string }>;
  failNext(spec: FailSpec): void;
  resetNext(spec: { count: number; match?: RegExp }): void;
  serveManifest(spec: ManifestSpec | undefined): void;
  stop(): Promise<void>;
}

const BLOB_GET = /^GET \/v2\/.+\/blobs\/sha(256|512):[a-f0-9]+$/;
const NOT_PING = /^(?!\w+ \/v2\/$)/;

export async function startFaultProxy(options: { upstream: string }): Promise<FaultProxy> {
  const upstream = new URL(options.upstream);
  const stash = new Map<string, { body: Buffer; headers: Record<string, string> }>();
  const target = await listen(createServer((req, res) => serveStashed(req, res, stash, proxy.redirectTarget)));
  let fail: FailSpec | undefined;
  let reset: { count: number; match?: RegExp } | undefined;
  let manifest: ManifestSpec | undefined;

  const front = await listen(createServer((req, res) => {
    const line = `${req.method} ${req.url}`;
    proxy.requests.push({ method: req.method ?? '', path: req.url ?? '' });
    if (reset && reset.count > 0 && (reset.match ?? NOT_PING).test(line)) {
      reset.count--;
      req.socket.destroy();
      return;
    }
    if (fail && fail.count > 0 && (fail.match ?? NOT_PING).test(line)) {
      fail.count--;
      const body = JSON.stringify({ errors: [{ code: 'TOOMANYREQUESTS', message: 'injected fault' }] });
      res.writeHead(fail.status, { 'content-type': 'application/json', ...(fail.retryAfter ? { 'retry-after': fail.retryAfter } : {}) });
      res.end(body);
      return;
    }
    if (manifest && req.method === 'GET' && manifest.match.test(line)) {
      res.writeHead(200, {
        'content-type': manifest.mediaType ?? 'application/vnd.oci.image.manifest.v1+json',
        ...(manifest.contentLength ? { 'content-length': String(manifest.bytes.byteLength) } : {}),
        ...manifest.headers,
      });
      res.end(manifest.bytes);
      return;
    }
    const isBlobGet = BLOB_GET.test(line.split('?')[0]!);
    if (isBlobGet && proxy.redirectBlobs) return redirectViaStash(req, res, upstream, stash, proxy.redirectTarget);
    forward(req, res, upstream, isBlobGet && proxy.corruptBlobs);
  }));

  const proxy: FaultProxy = {
    host: `127.0.0.1:${front.port}`,
    url: `http://127.0.0.1:${front.port}`,
    corruptBlobs: false,
    redirectBlobs: false,
    redirectTarget: { host: `127.0.0.1:${target.port}`, url: `http://127.0.0.1:${target.port}`, hits: 0, authorizations: [] },
    requests: [],
    failNext: (spec) => { fail = { ...spec }; },
    resetNext: (spec) => { reset = { ...spec }; },
    serveManifest: (spec) => { manifest = spec; },
    stop: async () => {
      await close(front.server);
      await close(target.server);
    },
  };
  return proxy;
}

function forward(req: IncomingMessage, res: ServerResponse, upstream: URL, corrupt: boolean): void {
  const out = request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (up) => {
    res.writeHead(up.statusCode ?? 502, up.headers);
    if (!corrupt || up.statusCode !== 200) {
      up.pipe(res);
      return;
    }
    let first = true;
    up.on('data', (chunk: Buffer) => {
      if (first && chunk.length > 0) {
        chunk = Buffer.from(chunk);
        chunk[0] = chunk[0]! ^ 0xff;
        first = false;
      }
      res.write(chunk);
    });
    up.on('end', () => res.end());
  });
  out.on('error', () => res.destroy());
  req.pipe(out);
}

/** Fetch the blob upstream with the client's headers, keep it under a random path, 307 there. */
function redirectViaStash(req: IncomingMessage, res: ServerResponse, upstream: URL, stash: Map<string, { body: Buffer; headers: Record<string, string> }>, target: RedirectTarget): void {
  const out = request({ host: upstream.hostname, port: upstream.port, method: 'GET', path: req.url, headers: req.headers }, (up) => {
    const chunks: Buffer[] = [];
    up.on('data', (c: Buffer) => chunks.push(c));
    up.on('end', () => {
      const body = Buffer.concat(chunks);
      if (up.statusCode !== 200) {
        res.writeHead(up.statusCode ?? 502, up.headers);
        res.end(body);
        return;
      }
      const id = randomBytes(8).toString('hex');
      stash.set(id, { body, headers: { 'content-type': 'application/octet-stream', 'content-length': String(body.length) } });
      res.writeHead(307, { location: `${target.url}/storage/${id}?X-Signature=fake` });
      res.end();
    });
  });
  out.on('error', () => res.destroy());
  out.end();
}

function serveStashed(req: IncomingMessage, res: ServerResponse, stash: Map<string, { body: Buffer; headers: Record<string, string> }>, target: RedirectTarget): void {
  target.hits++;
  target.authorizations.push(req.headers.authorization);
  const id = /^\/storage\/([a-f0-9]+)/.exec(req.url ?? '')?.[1];
  const item = id ? stash.get(id) : undefined;
  if (!item) {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200, item.headers);
  res.end(req.method === 'HEAD' ? undefined : item.body);
}

async function listen(server: Server): Promise<{ server: Server; port: number }> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}
