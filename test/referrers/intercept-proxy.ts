/**
 * A loopback proxy in front of a real registry that answers chosen requests itself, for registry behaviour
 * docker-registry 2.8 does not have (a referrers API with paging or a `; charset` Content-Type, 406, OCI-Subject
 * on PUT, 412 on If-Match, a tag that resolves to the subject). Everything else is forwarded unchanged.
 *
 *   const front = await startInterceptProxy(registry.url);
 *   front.intercept = (req) => req.path.includes('/referrers/') ? { status: 406 } : undefined;
 *   front.addResponseHeaders = (req) => ({ 'oci-subject': … });   added to forwarded answers
 *   front.requests   every request seen: method, path, headers
 */
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SeenRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
}

export interface CannedResponse {
  status: number;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
}

export interface InterceptProxy {
  host: string;
  url: string;
  requests: SeenRequest[];
  intercept: ((req: SeenRequest) => CannedResponse | undefined) | undefined;
  addResponseHeaders: ((req: SeenRequest, status: number) => Record<string, string> | undefined) | undefined;
  stop(): Promise<void>;
}

export async function startInterceptProxy(upstreamUrl: string): Promise<InterceptProxy> {
  const upstream = new URL(upstreamUrl);
  const server: Server = createServer((req, res) => {
    const seen: SeenRequest = { method: req.method ?? '', path: req.url ?? '', headers: req.headers };
    proxy.requests.push(seen);
    const canned = proxy.intercept?.(seen);
    if (canned) {
      req.resume();
      const body = canned.body ?? '';
      res.writeHead(canned.status, { 'content-length': String(Buffer.byteLength(body)), ...canned.headers });
      res.end(body);
      return;
    }
    const out = request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (up) => {
      const extra = proxy.addResponseHeaders?.(seen, up.statusCode ?? 0) ?? {};
      res.writeHead(up.statusCode ?? 502, { ...up.headers, ...extra });
      up.pipe(res);
    });
    out.on('error', () => res.destroy());
    req.pipe(out);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const proxy: InterceptProxy = {
    host: `127.0.0.1:${port}`,
    url: `http://127.0.0.1:${port}`,
    requests: [],
    intercept: undefined,
    addResponseHeaders: undefined,
    stop: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
  return proxy;
}
