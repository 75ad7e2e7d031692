/**
 * A fault-injecting HTTP proxy on 127.0.0.1 (random port) in front of a plain-HTTP registry, for faults a
 * real registry won't produce. Requests pass through unchanged (Host kept, so the registry's absolute
 * Location headers point back at the proxy) unless a fault is armed:
 *
 *   const proxy = await startFaultProxy({ upstream: registry.url });
 *   proxy.inject({ match: /^GET .*\/manifests\/sha256-.*\.sig$/, count: 1, fault: { kind: 'not-found' } });
 *                                               a rule: the next `count` requests matching `METHOD /path?query`
 *                                               get the fault (count omitted = every one), after `skip` matching
 *                                               ones passed; rules are tried in the order injected;
 *                                               `proxy.clearFaults()` drops them all.
 *     { kind: 'status', status, retryAfter? }   answer this status with a distribution-style JSON error
 *     { kind: 'not-found' }                     404 MANIFEST_UNKNOWN / BLOB_UNKNOWN, though the thing exists
 *     { kind: 'no-route' }                      404 `404 page not found` (text/plain): what distribution's router
 *                                               answers for a path it has no route for (e.g. /referrers/)
 *     { kind: 'stall-headers' }                 forward upstream (writes happen), never answer
 *     { kind: 'stall-body' }                    forward, send the headers and half the body, then nothing
 *     { kind: 'reset' }                         drop the connection before forwarding (nothing reaches upstream)
 *     { kind: 'reset-body' }                    forward, send the headers and half the body, then a TCP reset
 *     { kind: 'truncate' }                      forward, send the headers and half the body, then close cleanly
 *     { kind: 'long-content-length', extra? }   forward, declare `extra` (default 100) bytes more than the
 *                                               body, send the body, then close
 *   Body faults apply to responses with a body; a response without one (HEAD, 201) passes unchanged.
 *
 * The older one-fault-at-a-time API still works:
 *   proxy.corruptBlobs = true;                  (a) flip a byte in every blob GET body (size unchanged)
 *   proxy.failNext({ status: 503, count: 2, retryAfter: '1', match: /^GET .*\/manifests\// });
 *                                               (b) answer status N times (with Retry-After), then pass
 *   proxy.resetNext({ count: 1, match })        drop the connection of the next N matching requests
 *   proxy.redirectBlobs = true;                 (c) blob GETs: fetch upstream (with the client's auth), then
 *                                               307 to a second loopback server on another port, which
 *                                               records in `redirectTarget.authorizations` what arrived
 *   proxy.serveManifest({ match, bytes, contentLength })   answer matching manifest GETs with these bytes
 *   proxy.requests                              every request seen: { method, path }
 *   await proxy.stop()                          also ends stalled connections
 */
import { randomBytes } from 'node:crypto';
import { createServer, request, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

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

export type Fault =
  | { kind: 'status'; status: number; retryAfter?: string }
  | { kind: 'not-found' }
  | { kind: 'no-route' }
  | { kind: 'stall-headers' }
  | { kind: 'stall-body' }
  | { kind: 'reset' }
  | { kind: 'reset-body' }
  | { kind: 'truncate' }
  | { kind: 'long-content-length'; extra?: number };

export type FaultKind = Fault['kind'];

export interface FaultRule {
  /** Tested against `METHOD /path?query`. */
  match: RegExp;
  /** How many matching requests get the fault; default: all of them. */
  count?: number;
  /** Let this many matching requests pass first (e.g. 1: fail the read-back, not the first read). */
  skip?: number;
  fault: Fault;
}

/** An injected rule: `hits` counts the requests that got the fault, `seen` every request it matched. */
export interface InjectedFault {
  readonly rule: FaultRule;
  seen: number;
  hits: number;
  /** Disarm this rule only (other tests' rules stay). */
  remove(): void;
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
  inject(rule: FaultRule): InjectedFault;
  clearFaults(): void;
  failNext(spec: FailSpec): void;
  resetNext(spec: { count: number; match?: RegExp }): void;
  serveManifest(spec: ManifestSpec | undefined): void;
  stop(): Promise<void>;
}

const BLOB_GET = /^GET \/v2\/.+\/blobs\/sha(256|512):[a-f0-9]+$/;
const NOT_PING = /^(?!\w+ \/v2\/$)/;

type Stash = Map<string, { body: Buffer; headers: Record<string, string> }>;

export async function startFaultProxy(options: { upstream: string }): Promise<FaultProxy> {
  const upstream = new URL(options.upstream);
  const stash: Stash = new Map();
  const target = await listen(createServer((req, res) => serveStashed(req, res, stash, proxy.redirectTarget)));
  let fail: FailSpec | undefined;
  let reset: { count: number; match?: RegExp } | undefined;
  let manifest: ManifestSpec | undefined;
  let rules: InjectedFault[] = [];

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
      sendError(res, fail.status, 'TOOMANYREQUESTS', fail.retryAfter);
      return;
    }
    const rule = rules.find((r) => (r.rule.count === undefined || r.hits < r.rule.count) && r.rule.match.test(line) && r.seen++ >= (r.rule.skip ?? 0));
    if (rule) {
      rule.hits++;
      applyFault(rule.rule.fault, req, res, upstream);
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
    inject: (rule) => {
      const injected: InjectedFault = { rule, seen: 0, hits: 0, remove: () => void (rules = rules.filter((r) => r !== injected)) };
      rules.push(injected);
      return injected;
    },
    clearFaults: () => {
      rules = [];
    },
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

function sendError(res: ServerResponse, status: number, code: string, retryAfter?: string): void {
  const body = JSON.stringify({ errors: [{ code, message: 'injected fault' }] });
  res.writeHead(status, { 'content-type': 'application/json', ...(retryAfter ? { 'retry-after': retryAfter } : {}) });
  res.end(body);
}

function applyFault(fault: Fault, req: IncomingMessage, res: ServerResponse, upstream: URL): void {
  switch (fault.kind) {
    case 'status':
      return sendError(res, fault.status, fault.status === 429 ? 'TOOMANYREQUESTS' : 'UNAVAILABLE', fault.retryAfter);
    case 'not-found':
      return sendError(res, 404, /\/blobs\//.test(req.url ?? '') ? 'BLOB_UNKNOWN' : 'MANIFEST_UNKNOWN');
    case 'no-route':
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' });
      return void res.end('404 page not found\n');
    case 'reset':
      req.socket.resetAndDestroy();
      return;
    case 'stall-headers':
      // the upstream does the work (a PUT is stored); the client never hears about it
      return void fetchUpstream(req, upstream, () => {});
    default:
      return void fetchUpstream(req, upstream, (up) => damageBody(fault, up, res, req.socket));
  }
}

interface Upstream {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** Forward the request and buffer the whole upstream answer. */
function fetchUpstream(req: IncomingMessage, upstream: URL, done: (up: Upstream) => void): void {
  const out = request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (up) => {
    const chunks: Buffer[] = [];
    up.on('data', (c: Buffer) => chunks.push(c));
    up.on('end', () => done({ status: up.statusCode ?? 502, headers: up.headers, body: Buffer.concat(chunks) }));
  });
  out.on('error', () => req.socket.destroy());
  req.pipe(out);
}

function damageBody(fault: Fault, up: Upstream, res: ServerResponse, socket: Socket): void {
  const headers = { ...up.headers };
  delete headers['transfer-encoding'];
  if (up.body.length === 0) {
    res.writeHead(up.status, headers);
    res.end();
    return;
  }
  if (fault.kind === 'long-content-length') {
    res.writeHead(up.status, { ...headers, 'content-length': String(up.body.length + (fault.extra ?? 100)) });
    res.write(up.body, () => socket.end());
    return;
  }
  res.writeHead(up.status, { ...headers, 'content-length': String(up.body.length) });
  res.write(up.body.subarray(0, Math.max(1, up.body.length >> 1)), () => {
    if (fault.kind === 'reset-body') socket.resetAndDestroy();
    else if (fault.kind === 'truncate') socket.end();
    // stall-body: nothing more, ever (stop() ends the connection)
  });
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
function redirectViaStash(req: IncomingMessage, res: ServerResponse, upstream: URL, stash: Stash, target: RedirectTarget): void {
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

function serveStashed(req: IncomingMessage, res: ServerResponse, stash: Stash, target: RedirectTarget): void {
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
