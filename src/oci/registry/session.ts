import { request, type Dispatcher } from './undici.ts';
import { OcisignError, describeError } from '../../core/errors.ts';
import { isTimeout } from '../../core/deadline.ts';
import type { Limits, Timeouts } from '../../core/limits.ts';
import type { Logger } from '../client-options.ts';
import type { Authenticator } from './auth.ts';
import { abandon, discard, header } from './http-body.ts';
import { errorCode, errorFromResponse, isCertificateError, transportError, transportReason } from './http-error.ts';
import { isDockerHub, isLoopbackHost, sameOrigin, schemesFor } from './hosts.ts';
import { isConnectionReset, isRetryableStatus, parseRetryAfter, retryDelay, sleep, type RetryPolicy } from './retry.ts';
import { mergeScopes } from './scopes.ts';

export interface SessionOptions {
  /** The registry host as in references (`index.docker.io`, `127.0.0.1:5000`). */
  registry: string;
  /** The host the API is reached at (`registry-1.docker.io` for Docker Hub). */
  apiHost: string;
  dispatcher: Dispatcher;
  auth: Authenticator;
  allowHttp: boolean;
  limits: Limits;
  retry: RetryPolicy;
  /** Per-request deadlines (connect is the dispatcher's). */
  timeouts: Timeouts;
  /** The whole operation's deadline: every request and every retry pause ends when it aborts. */
  signal?: AbortSignal;
  logger: Logger;
}

export type RequestBody = Uint8Array | string | AsyncIterable<Uint8Array>;

export interface RequestSpec {
  method: 'GET' | 'HEAD' | 'PUT' | 'POST' | 'PATCH' | 'DELETE';
  /** A path on the registry (`/v2/…`) or an absolute URL (a `Location`). */
  target: string | URL;
  headers?: Record<string, string>;
  body?: RequestBody;
  /** Token scopes this request needs. */
  scopes: string[];
  /** What is being done, for messages: "getting manifest". */
  op: string;
  /** What it is done on, for messages: "127.0.0.1:5000/app:v1". */
  ref: string;
  /** Retry on 429/502/503/504, connection resets and stalls (only for idempotent steps). */
  idempotent: boolean;
  /** Follow 3xx `Location` (GET/HEAD of blobs): Authorization only to the registry's own origin. */
  followRedirects?: boolean;
}

export type Response = Dispatcher.ResponseData & { url: URL };

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 5;

/** One registry host: its base URL (found once by a ping), its authenticator, and the request loop. */
export class RegistrySession {
  readonly options: SessionOptions;
  private base: Promise<URL> | undefined;

  constructor(options: SessionOptions) {
    this.options = options;
  }

  get auth(): Authenticator {
    return this.options.auth;
  }

  /** `https://host` or, for loopback / --allow-http-registry, `http://host` when the server has no TLS. */
  baseUrl(op: string, ref: string): Promise<URL> {
    this.base ??= this.ping(op, ref).catch((err: unknown) => {
      this.base = undefined;
      throw err;
    });
    return this.base;
  }

  /** Send a request with auth, retries and redirects; the caller checks the status and consumes the body. */
  async send(spec: RequestSpec): Promise<Response> {
    const base = await this.baseUrl(spec.op, spec.ref);
    const replayable = !(spec.body && typeof spec.body === 'object' && Symbol.asyncIterator in spec.body);
    let url = typeof spec.target === 'string' ? new URL(spec.target, base) : spec.target;
    let scopes = mergeScopes(spec.scopes);
    let attempt = 1;
    let authRetried = false;
    let hops = 0;
    for (;;) {
      const own = sameOrigin(url, base);
      const authorization = own ? await this.auth.authorization(scopes) : undefined;
      let res: Dispatcher.ResponseData;
      try {
        res = await request(url, {
          ...this.deadlines(),
          method: spec.method,
          headers: { ...spec.headers, ...(authorization ? { authorization } : {}) },
          body: spec.body as Uint8Array | string | undefined,
          // undici closes the connection after every HEAD (for servers that wrongly send a body); registries
          // don't, and resolving many images by HEAD would otherwise pay a new connection (and TLS handshake) each.
          ...(spec.method === 'HEAD' ? { reset: false } : {}),
        });
      } catch (err) {
        if (spec.idempotent && replayable && isConnectionReset(err) && attempt < this.options.retry.attempts) {
          await this.pause(spec, url, attempt++, undefined, transportReason(err, url.host, this.options.timeouts));
          continue;
        }
        throw this.failure(err, spec, url);
      }
      const status = res.statusCode;
      if (status === 401 && own && !authRetried && replayable) {
        authRetried = true;
        const next = await this.reauthorize(res, scopes, authorization);
        if (next) {
          scopes = next;
          continue;
        }
        return { ...res, url };
      }
      if (isRetryableStatus(status, spec.method) && spec.idempotent && replayable && attempt < this.options.retry.attempts) {
        const after = parseRetryAfter(header(res.headers, 'retry-after'));
        await discard(res.body);
        await this.pause(spec, url, attempt++, after, `${status}`);
        continue;
      }
      const location = header(res.headers, 'location');
      if (REDIRECTS.has(status) && spec.followRedirects && location) {
        await discard(res.body);
        if (++hops > MAX_REDIRECTS) throw new OcisignError('IO', `${spec.op} ${spec.ref}: too many redirects`);
        url = this.redirectTarget(spec, url, location);
        continue;
      }
      return { ...res, url };
    }
  }

  /** Send, then throw the mapped error unless the status is one of `ok`. */
  async expect(spec: RequestSpec, ok: number[]): Promise<Response> {
    const res = await this.send(spec);
    if (!ok.includes(res.statusCode)) throw await errorFromResponse(res, spec.op, spec.ref, this.options.limits.maxErrorBodyBytes);
    return res;
  }

  /**
   * `expect`, then `consume` the body. A failure while reading it (a reset, a truncated body, a Content-Length the
   * body does not reach, a stall) is retried like one before the headers, for idempotent steps, within the retry
   * policy; then it is IO naming the host. `consume` throws OcisignError for what retrying cannot fix (too large).
   */
  async fetch<T>(spec: RequestSpec, ok: number[], consume: (res: Response) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const res = await this.expect(spec, ok);
      try {
        return await consume(res);
      } catch (err) {
        abandon(res.body);
        if (err instanceof OcisignError) throw err;
        if (!spec.idempotent || !isConnectionReset(err) || attempt >= this.options.retry.attempts) throw this.failure(err, spec, res.url);
        await this.pause(spec, res.url, attempt, undefined, transportReason(err, res.url.host, this.options.timeouts));
      }
    }
  }

  /** Per-request options every request of this session carries: the dispatcher and the deadlines. */
  deadlines(): { dispatcher: Dispatcher; headersTimeout: number; bodyTimeout: number; signal?: AbortSignal } {
    const { dispatcher, timeouts, signal } = this.options;
    return { dispatcher, headersTimeout: timeouts.headersMs, bodyTimeout: timeouts.bodyIdleMs, ...(signal ? { signal } : {}) };
  }

  /** A failed exchange as IO naming the operation, the reference and the host. */
  failure(err: unknown, spec: Pick<RequestSpec, 'op' | 'ref'>, url: URL): OcisignError {
    return transportError(err, spec.op, spec.ref, url.host, this.options.timeouts);
  }

  private async reauthorize(res: Dispatcher.ResponseData, scopes: string[], sent: string | undefined): Promise<string[] | undefined> {
    try {
      const next = await this.auth.reauthorize(header(res.headers, 'www-authenticate'), scopes, sent);
      if (!next) return undefined;
      await discard(res.body);
      return next.scopes;
    } catch (err) {
      abandon(res.body);
      throw err;
    }
  }

  private redirectTarget(spec: RequestSpec, from: URL, location: string): URL {
    let to: URL;
    try {
      to = new URL(location, from);
    } catch {
      throw new OcisignError('IO', `${spec.op} ${spec.ref}: invalid redirect ${JSON.stringify(location)}`);
    }
    const downgrade = from.protocol === 'https:' && to.protocol === 'http:';
    const httpOk = this.options.allowHttp || isLoopbackHost(to.host);
    if ((to.protocol !== 'https:' && to.protocol !== 'http:') || (downgrade && !httpOk)) {
      throw new OcisignError('IO', `${spec.op} ${spec.ref}: refusing redirect to ${to.protocol}//${to.host}`);
    }
    this.options.logger.debug(`${spec.op} ${spec.ref}: redirected to ${to.host}`);
    return to;
  }

  private async pause(spec: RequestSpec, url: URL, attempt: number, retryAfterMs: number | undefined, why: string): Promise<void> {
    const ms = retryDelay(this.options.retry, attempt, retryAfterMs);
    const source = retryAfterMs === undefined ? 'backoff' : 'Retry-After';
    this.options.logger.debug(`${spec.op} ${spec.ref}: ${why}, retry ${attempt} in ${ms} ms (${source})`);
    try {
      await sleep(ms, this.options.signal);
    } catch (err) {
      throw this.failure(err, spec, url);
    }
  }

  private async ping(op: string, ref: string): Promise<URL> {
    const { apiHost, allowHttp } = this.options;
    const schemes = isDockerHub(this.options.registry) ? (['https'] as const) : schemesFor(apiHost, allowHttp);
    let lastError: unknown;
    for (const scheme of schemes) {
      const last = scheme === schemes[schemes.length - 1];
      try {
        const status = await this.pingOnce(new URL(`${scheme}://${apiHost}/v2/`), last);
        if (scheme === 'http' && status === 400 && !last) {
          // "Client sent an HTTP request to an HTTPS server": /v2/ never answers 400 otherwise.
          lastError = new OcisignError('IO', `${apiHost} answered plain http with 400`);
          continue;
        }
        if (scheme === 'http') this.options.logger.debug(`${apiHost}: no TLS, using plain http`);
        return new URL(`${scheme}://${apiHost}`);
      } catch (err) {
        lastError = err;
        // it speaks TLS, or it accepted and then stalled (or time is up): another scheme would not help
        if (isCertificateError(err) || isTimeout(err)) break;
      }
    }
    const error = transportError(lastError, op, ref, apiHost, this.options.timeouts);
    if (schemes.length === 1 && looksLikePlainHttpServer(lastError) && !isDockerHub(this.options.registry)) {
      throw new OcisignError('IO', `${error.message} (plain http is used only for loopback registries or with --allow-http-registry)`, { cause: lastError });
    }
    throw error;
  }

  /** GET /v2/: any HTTP answer means the scheme works; a 401 carries the auth challenge. */
  private async pingOnce(url: URL, retryResets: boolean): Promise<number> {
    for (let attempt = 1; ; attempt++) {
      let res: Dispatcher.ResponseData;
      try {
        res = await request(url, { ...this.deadlines(), method: 'GET' });
      } catch (err) {
        // a reset on plain http may be a TLS server's answer (the next scheme then); a stall is retried on any scheme
        if ((retryResets || isTimeout(err)) && isConnectionReset(err) && attempt < this.options.retry.attempts) {
          await sleep(retryDelay(this.options.retry, attempt), this.options.signal);
          continue;
        }
        throw err;
      }
      if (isRetryableStatus(res.statusCode) && attempt < this.options.retry.attempts) {
        const after = parseRetryAfter(header(res.headers, 'retry-after'));
        await discard(res.body);
        await sleep(retryDelay(this.options.retry, attempt, after), this.options.signal);
        continue;
      }
      if (res.statusCode === 401) this.auth.setChallenge(header(res.headers, 'www-authenticate'));
      await discard(res.body);
      return res.statusCode;
    }
  }
}

/** A TLS handshake answered by a plain-HTTP server (OpenSSL's "wrong version number", or a reset): hint at http. */
function looksLikePlainHttpServer(err: unknown): boolean {
  const code = errorCode(err);
  return code === 'EPROTO' || code === 'ECONNRESET' || /wrong version number|packet length too long/i.test(describeError(err));
}
