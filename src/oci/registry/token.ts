import { request, type Dispatcher } from './undici.ts';
import { OcisignError } from '../../core/errors.ts';
import type { Timeouts } from '../../core/limits.ts';
import type { Credentials, Logger } from '../client-options.ts';
import { abandon, readLimited, readPrefix } from './http-body.ts';
import { summarizeErrorBody, transportError, transportReason } from './http-error.ts';
import { isLoopbackHost } from './hosts.ts';
import { isConnectionReset, isRetryableStatus, retryDelay, sleep, type RetryPolicy } from './retry.ts';

export interface TokenRequest {
  realm: string;
  service?: string;
  scopes: string[];
  /** The credentials of the registry that issued the challenge (never another host's). */
  credentials?: Credentials;
  /** Registry host, for messages. */
  registry: string;
  dispatcher: Dispatcher;
  maxErrorBodyBytes: number;
  timeouts: Timeouts;
  /** Resets, stalls and 429/5xx answers are retried within this policy (a token request changes nothing). */
  retry: RetryPolicy;
  signal?: AbortSignal;
  logger?: Logger;
}

export interface Token {
  value: string;
  /** Lifetime in seconds, from `expires_in`, else the JWT's `exp`, else 60. */
  ttlSeconds: number;
}

const MAX_TOKEN_RESPONSE = 1024 * 1024;
const DEFAULT_TTL_SECONDS = 60;

/**
 * The Bearer token flow: GET realm?service=&scope=… (Basic credentials when we have them), or, with an
 * identity token, POST grant_type=refresh_token. Credentials go to the realm only over HTTPS or loopback.
 */
export async function fetchToken(req: TokenRequest): Promise<Token> {
  const realm = parseRealm(req);
  const creds = req.credentials;
  const hasSecret = Boolean(creds?.identityToken || creds?.password);
  if (hasSecret && realm.protocol !== 'https:' && !isLoopbackHost(realm.host)) {
    throw new OcisignError('AUTH', `authentication failed for ${req.registry}: refusing to send credentials to token realm ${realm.origin} over plain http`);
  }
  const op = `requesting a token from ${realm.origin}${realm.pathname} for`;
  for (let attempt = 1; ; attempt++) {
    let why: string;
    try {
      const res = creds?.identityToken ? await postRefreshToken(req, realm, creds.identityToken) : await getToken(req, realm, creds);
      if (res.statusCode === 200) {
        try {
          return parseTokenResponse(await readLimited(res.body, res.headers, MAX_TOKEN_RESPONSE, `${op} ${req.registry}`), req.registry);
        } catch (err) {
          abandon(res.body);
          throw err;
        }
      }
      if (!isRetryableStatus(res.statusCode, 'GET') || attempt >= req.retry.attempts) throw await tokenStatusError(res, op, req);
      abandon(res.body);
      why = `${res.statusCode}`;
    } catch (err) {
      if (err instanceof OcisignError || !isConnectionReset(err) || attempt >= req.retry.attempts) throw transportError(err, op, req.registry, realm.host, req.timeouts);
      why = transportReason(err, realm.host, req.timeouts);
    }
    const ms = retryDelay(req.retry, attempt);
    req.logger?.debug(`${op} ${req.registry}: ${why}, retry ${attempt} in ${ms} ms`);
    try {
      await sleep(ms, req.signal);
    } catch (err) {
      throw transportError(err, op, req.registry, realm.host, req.timeouts);
    }
  }
}

async function tokenStatusError(res: Dispatcher.ResponseData, op: string, req: TokenRequest): Promise<OcisignError> {
  const summary = summarizeErrorBody(await readPrefix(res.body, req.maxErrorBodyBytes));
  const code = res.statusCode === 401 || res.statusCode === 403 ? 'AUTH' : 'IO';
  const head = code === 'AUTH' ? `authentication failed for ${req.registry}` : `${op} ${req.registry}`;
  return new OcisignError(code, `${head}: token server answered ${res.statusCode}${summary ? ` ${summary}` : ''}`);
}

function parseRealm(req: TokenRequest): URL {
  try {
    const url = new URL(req.realm);
    if (url.protocol === 'https:' || url.protocol === 'http:') return url;
  } catch {
    // fall through
  }
  throw new OcisignError('AUTH', `authentication failed for ${req.registry}: invalid token realm ${JSON.stringify(req.realm)}`);
}

function getToken(req: TokenRequest, realm: URL, creds: Credentials | undefined): Promise<Dispatcher.ResponseData> {
  const url = new URL(realm);
  if (req.service) url.searchParams.set('service', req.service);
  for (const scope of req.scopes) url.searchParams.append('scope', scope);
  const headers: Record<string, string> = { accept: 'application/json' };
  if (creds?.username !== undefined && creds.password !== undefined) {
    headers.authorization = `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}`;
  }
  return request(url, { ...deadlines(req), method: 'GET', headers });
}

function postRefreshToken(req: TokenRequest, realm: URL, refreshToken: string): Promise<Dispatcher.ResponseData> {
  const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: 'ocisign' });
  if (req.service) form.set('service', req.service);
  if (req.scopes.length > 0) form.set('scope', req.scopes.join(' '));
  return request(realm, {
    ...deadlines(req),
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: form.toString(),
  });
}

function deadlines(req: TokenRequest) {
  return { dispatcher: req.dispatcher, headersTimeout: req.timeouts.headersMs, bodyTimeout: req.timeouts.bodyIdleMs, ...(req.signal ? { signal: req.signal } : {}) };
}

function parseTokenResponse(bytes: Uint8Array, registry: string): Token {
  let doc: { token?: unknown; access_token?: unknown; expires_in?: unknown };
  try {
    doc = JSON.parse(new TextDecoder().decode(bytes)) as typeof doc;
  } catch {
    throw new OcisignError('AUTH', `authentication failed for ${registry}: token server sent invalid JSON`);
  }
  const value = typeof doc.token === 'string' && doc.token ? doc.token : doc.access_token;
  if (typeof value !== 'string' || value === '') {
    throw new OcisignError('AUTH', `authentication failed for ${registry}: token server sent no token`);
  }
  const ttl = typeof doc.expires_in === 'number' && doc.expires_in > 0 ? doc.expires_in : jwtTtl(value);
  return { value, ttlSeconds: ttl ?? DEFAULT_TTL_SECONDS };
}

/** Seconds until a JWT's `exp` (not verified: only the registry verifies tokens). */
function jwtTtl(token: string): number | undefined {
  const part = token.split('.')[1];
  if (!part) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as { exp?: unknown };
    return typeof claims.exp === 'number' ? Math.max(0, claims.exp - Date.now() / 1000) : undefined;
  } catch {
    return undefined;
  }
}
