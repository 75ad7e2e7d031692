import { readFileBounded } from '../core/fs.ts';
import { INPUT_LIMITS } from '../core/input-limits.ts';
import { decodeJwt, type JWTPayload } from 'jose';
import type { Dispatcher } from 'undici';
import { describeError, OcisignError } from '../core/errors.ts';
import { callService, parseJson } from './http.ts';

/** Where cosign's `filesystem` provider reads a token (mounted by e.g. Kubernetes projected volumes). */
export const DEFAULT_TOKEN_FILE = '/var/run/sigstore/cosign/oidc-token';
export const SIGSTORE_AUDIENCE = 'sigstore';

/** Where identity tokens may come from; the first one found wins, in this order. */
export interface TokenSources {
  /** `--identity-token`: the token itself, or the path of a file holding it (as cosign). */
  flag?: string;
  /** The environment (SIGSTORE_ID_TOKEN, ACTIONS_ID_TOKEN_REQUEST_URL/TOKEN). */
  env: Readonly<Record<string, string | undefined>>;
  /** For the GitHub Actions token request. */
  dispatcher?: Dispatcher;
  /** Default DEFAULT_TOKEN_FILE. */
  tokenFile?: string;
}

export interface IdentityToken {
  token: string;
  /** e.g. `--identity-token`, `SIGSTORE_ID_TOKEN`, `github actions`, the file path. */
  source: string;
}

/** Find a token: `--identity-token`, `SIGSTORE_ID_TOKEN`, GitHub Actions, then the token file. */
export async function findIdentityToken(sources: TokenSources): Promise<IdentityToken> {
  if (sources.flag !== undefined && sources.flag !== '') return { token: await tokenOrFile(sources.flag), source: '--identity-token' };
  const env = sources.env;
  if (env.SIGSTORE_ID_TOKEN) return { token: env.SIGSTORE_ID_TOKEN.trim(), source: 'SIGSTORE_ID_TOKEN' };
  if (env.ACTIONS_ID_TOKEN_REQUEST_URL && env.ACTIONS_ID_TOKEN_REQUEST_TOKEN) {
    return { token: await githubActionsToken(env.ACTIONS_ID_TOKEN_REQUEST_URL, env.ACTIONS_ID_TOKEN_REQUEST_TOKEN, sources.dispatcher), source: 'github actions' };
  }
  const file = sources.tokenFile ?? DEFAULT_TOKEN_FILE;
  const fromFile = await readTokenFile(file);
  if (fromFile !== undefined) return { token: fromFile, source: file };
  throw new OcisignError(
    'USAGE',
    `keyless signing needs an identity token: pass --identity-token, set SIGSTORE_ID_TOKEN, run in GitHub Actions with "id-token: write", or provide ${file} (interactive login is not supported)`,
  );
}

async function tokenOrFile(value: string): Promise<string> {
  if (looksLikeJwt(value)) return value.trim();
  const fromFile = await readTokenFile(value);
  return fromFile ?? value.trim();
}

function looksLikeJwt(value: string): boolean {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(value.trim());
}

async function readTokenFile(path: string): Promise<string | undefined> {
  try {
    const text = (await readFileBounded(path, INPUT_LIMITS.maxTokenFileBytes, 'identity token')).toString('utf8').trim();
    return text === '' ? undefined : text;
  } catch (err) {
    const code = ((err as { cause?: NodeJS.ErrnoException }).cause)?.code;
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'ENAMETOOLONG') return undefined;
    throw err;
  }
}

/** GitHub Actions: GET $ACTIONS_ID_TOKEN_REQUEST_URL&audience=sigstore with the request token; `.value`. */
async function githubActionsToken(url: string, requestToken: string, dispatcher: Dispatcher | undefined): Promise<string> {
  const what = 'requesting an identity token from github actions';
  if (!dispatcher) throw new OcisignError('INTERNAL', `${what}: no http dispatcher given`);
  const sep = url.includes('?') ? '&' : '?';
  const res = await callService({
    method: 'GET',
    url: `${url}${sep}audience=${SIGSTORE_AUDIENCE}`,
    what,
    dispatcher,
    headers: { authorization: `Bearer ${requestToken}`, accept: 'application/json' },
  });
  const value = (parseJson(res.bytes, what) as { value?: unknown } | null)?.value;
  if (typeof value !== 'string' || value === '') throw new OcisignError('IO', `${what}: the answer has no "value"`);
  return value;
}

/** Who a token says will sign: what Fulcio puts in the certificate. */
export interface TokenIdentity {
  /** The email when the token has one (Fulcio's rule), else `sub`. */
  subject: string;
  issuer: string;
  email?: string;
  expiresAt?: Date;
}

/**
 * Decode (not verify: Fulcio does that) a token and check what would make Fulcio refuse it anyway:
 * JWT shape, `iss`, `sub`, audience `sigstore`, not expired. BAD_INPUT (exit 3) otherwise.
 */
export function inspectIdentityToken(token: string, now: Date = new Date(), source = 'identity token'): TokenIdentity {
  let claims: JWTPayload;
  try {
    claims = decodeJwt(token);
  } catch (err) {
    throw new OcisignError('BAD_INPUT', `reading ${source}: not a JWT (${describeError(err)})`, { cause: err });
  }
  const audiences = typeof claims.aud === 'string' ? [claims.aud] : (claims.aud ?? []);
  if (!audiences.includes(SIGSTORE_AUDIENCE)) {
    throw new OcisignError('BAD_INPUT', `reading ${source}: audience ${JSON.stringify(claims.aud ?? null)} is not "${SIGSTORE_AUDIENCE}"`);
  }
  if (typeof claims.iss !== 'string' || claims.iss === '') throw new OcisignError('BAD_INPUT', `reading ${source}: no "iss" claim`);
  if (typeof claims.exp === 'number' && claims.exp * 1000 < now.getTime()) {
    throw new OcisignError('BAD_INPUT', `reading ${source}: expired at ${new Date(claims.exp * 1000).toISOString()}`);
  }
  const email = typeof claims.email === 'string' && claims.email !== '' ? claims.email : undefined;
  if (email && claims.email_verified === false) throw new OcisignError('BAD_INPUT', `reading ${source}: email ${email} is not verified`);
  const subject = email ?? claims.sub;
  if (typeof subject !== 'string' || subject === '') throw new OcisignError('BAD_INPUT', `reading ${source}: no "sub" claim`);
  return {
    subject,
    issuer: claims.iss,
    ...(email ? { email } : {}),
    ...(typeof claims.exp === 'number' ? { expiresAt: new Date(claims.exp * 1000) } : {}),
  };
}
