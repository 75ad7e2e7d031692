import { request, type Dispatcher } from './undici.ts';
import { OcisignError } from '../../core/errors.ts';
import type { Credentials } from '../client-options.ts';
import { readLimited, readPrefix } from './http-body.ts';
import { summarizeErrorBody, transportError } from './http-error.ts';
import { isLoopbackHost } from './hosts.ts';

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
  let res: Dispatcher.ResponseData;
  try {
    res = creds?.identityToken ? await postRefreshToken(req, realm, creds.identityToken) : await getToken(req, realm, creds);
  } catch (err) {
    throw transportError(err, op, req.registry, realm.host);
  }
  if (res.statusCode !== 200) {
    const summary = summarizeErrorBody(await readPrefix(res.body, req.maxErrorBodyBytes));
    const code = res.statusCode === 401 || res.statusCode === 403 ? 'AUTH' : 'IO';
    const head = code === 'AUTH' ? `authentication failed for ${req.registry}` : `${op} ${req.registry}`;
    throw new OcisignError(code, `${head}: token server answered ${res.statusCode}${summary ? ` ${summary}` : ''}`);
  }
  const bytes = await readLimited(res.body, res.headers, MAX_TOKEN_RESPONSE, `${op} ${req.registry}`);
  return parseTokenResponse(bytes, req.registry);
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
  return request(url, { dispatcher: req.dispatcher, method: 'GET', headers });
}

function postRefreshToken(req: TokenRequest, realm: URL, refreshToken: string): Promise<Dispatcher.ResponseData> {
  const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: 'ocisign' });
  if (req.service) form.set('service', req.service);
  if (req.scopes.length > 0) form.set('scope', req.scopes.join(' '));
  return request(realm, {
    dispatcher: req.dispatcher,
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: form.toString(),
  });
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
