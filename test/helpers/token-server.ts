/**
 * A small token server for distribution's `auth.token` mode (the Docker Hub / GHCR flow), on 127.0.0.1.
 *
 *   startTokenServer({ signing, service, issuer, users }) → TokenServer
 *     users: { name: { password, actions?: string[] (default pull,push,delete), refreshToken? } }
 *   GET  /token?service=&scope=…&scope=…        Basic credentials optional (anonymous gets no access)
 *   POST /token  grant_type=refresh_token|password (form)
 *   Answers { token, access_token, expires_in, issued_at }; a wrong password → 401.
 *   JWT: ES256, header `kid` = libtrust key id of the signing key; claims iss, aud (string), sub, exp, nbf,
 *   iat, jti, access[] — each requested action granted only when the user has it.
 *   `hits` counts issued tokens, `requests` records { method, user, scopes } (tests assert caching).
 */
import { createHash, createPublicKey } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { importPKCS8, SignJWT } from 'jose';
import type { SigningCert } from './tls.ts';

export interface TokenUser {
  password: string;
  actions?: string[];
  refreshToken?: string;
}

export interface TokenServerOptions {
  signing: SigningCert;
  service: string;
  issuer: string;
  users: Record<string, TokenUser>;
  expiresIn?: number;
}

export interface TokenServer {
  url: string;
  realm: string;
  hits: number;
  requests: Array<{ method: string; user?: string; scopes: string[] }>;
  stop(): Promise<void>;
}

/** docker/libtrust key id: base32 of the first 240 bits of SHA-256(SPKI DER), 12 groups of 4. */
export function libtrustKeyId(publicKeyPem: string): string {
  const der = createPublicKey(publicKeyPem).export({ type: 'spki', format: 'der' });
  const digest = createHash('sha256').update(der).digest().subarray(0, 30);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const byte of digest) bits += byte.toString(2).padStart(8, '0');
  let out = '';
  for (let i = 0; i < bits.length; i += 5) out += alphabet[parseInt(bits.slice(i, i + 5), 2)];
  return out.match(/.{4}/g)!.join(':');
}

export async function startTokenServer(options: TokenServerOptions): Promise<TokenServer> {
  const key = await importPKCS8(options.signing.keyPem, 'ES256');
  const kid = libtrustKeyId(options.signing.certPem);
  const state: TokenServer = { url: '', realm: '', hits: 0, requests: [], stop: async () => {} };
  const server = createServer((req, res) => {
    handle(req, res).catch((err: Error) => send(res, 500, { error: err.message }));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const form = req.method === 'POST' ? new URLSearchParams(await readBody(req)) : undefined;
    const scopes = form ? (form.get('scope') ?? '').split(' ').filter(Boolean) : url.searchParams.getAll('scope');
    const user = authenticate(req, form, options.users);
    if (user === false) return send(res, 401, { errors: [{ code: 'UNAUTHORIZED', message: 'invalid credentials' }] });
    state.requests.push({ method: req.method ?? 'GET', user, scopes });
    state.hits++;
    const allowed = user === undefined ? [] : options.users[user]!.actions ?? ['pull', 'push', 'delete'];
    const now = Math.floor(Date.now() / 1000);
    const expiresIn = options.expiresIn ?? 300;
    const token = await new SignJWT({ access: grant(scopes, allowed) })
      .setProtectedHeader({ alg: 'ES256', typ: 'JWT', kid })
      .setIssuer(options.issuer)
      .setAudience(options.service)
      .setSubject(user ?? '')
      .setIssuedAt(now)
      .setNotBefore(now - 5)
      .setExpirationTime(now + expiresIn)
      .setJti(`${now}-${state.hits}`)
      .sign(key);
    send(res, 200, { token, access_token: token, expires_in: expiresIn, issued_at: new Date(now * 1000).toISOString() });
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  state.url = `http://127.0.0.1:${port}`;
  state.realm = `${state.url}/token`;
  state.stop = () => new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
  return state;
}

/** undefined = anonymous, false = bad credentials, else the user name. */
function authenticate(req: IncomingMessage, form: URLSearchParams | undefined, users: Record<string, TokenUser>): string | undefined | false {
  if (form?.get('grant_type') === 'refresh_token') {
    const found = Object.entries(users).find(([, u]) => u.refreshToken && u.refreshToken === form.get('refresh_token'));
    return found ? found[0] : false;
  }
  if (form?.get('grant_type') === 'password') return check(users, form.get('username') ?? '', form.get('password') ?? '');
  const header = req.headers.authorization;
  if (!header) return undefined;
  if (!header.startsWith('Basic ')) return false;
  const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return check(users, decoded.slice(0, colon), decoded.slice(colon + 1));
}

function check(users: Record<string, TokenUser>, name: string, password: string): string | false {
  return users[name]?.password === password ? name : false;
}

function grant(scopes: string[], allowed: string[]): Array<{ type: string; name: string; actions: string[] }> {
  const out: Array<{ type: string; name: string; actions: string[] }> = [];
  for (const scope of scopes) {
    const first = scope.indexOf(':');
    const last = scope.lastIndexOf(':');
    if (first < 0 || last <= first) continue;
    const actions = scope.slice(last + 1).split(',').filter((a) => allowed.includes(a) || (a === '*' && allowed.includes('delete')));
    out.push({ type: scope.slice(0, first), name: scope.slice(first + 1, last), actions });
  }
  return out;
}

async function readBody(req: IncomingMessage): Promise<string> {
  let text = '';
  for await (const chunk of req) text += String(chunk);
  return text;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const bytes = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(bytes) });
  res.end(bytes);
}
