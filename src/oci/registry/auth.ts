import type { Dispatcher } from 'undici';
import { OcisignError } from '../../core/errors.ts';
import type { Timeouts } from '../../core/limits.ts';
import type { Credentials, Logger } from '../client-options.ts';
import { challengeScopes, mergeScopes } from './scopes.ts';
import type { RetryPolicy } from './retry.ts';
import { fetchToken } from './token.ts';
import { parseChallenges, type Challenge } from './www-authenticate.ts';

export interface AuthenticatorOptions {
  /** The registry host the credentials belong to (as in the reference, e.g. `index.docker.io`). */
  registry: string;
  dispatcher: Dispatcher;
  /** Looked up lazily, once. */
  loadCredentials(): Promise<Credentials | undefined>;
  maxErrorBodyBytes: number;
  /** Deadlines and retries of token requests: the registry's. */
  timeouts: Timeouts;
  retry: RetryPolicy;
  signal?: AbortSignal;
  logger: Logger;
}

interface CachedToken {
  value: string;
  expiresAt: number;
}

/**
 * Authorization for one registry: anonymous, Basic, or Bearer tokens cached per scope set until they
 * expire. The caller attaches the header only to requests to the registry's own origin.
 */
export class Authenticator {
  /** Token-server round trips so far (tests count them). */
  tokenRequests = 0;
  private challenge: Challenge | undefined;
  private readonly options: AuthenticatorOptions;
  private readonly tokens = new Map<string, CachedToken>();
  private readonly pending = new Map<string, Promise<string>>();
  private credentials: Promise<Credentials | undefined> | undefined;

  constructor(options: AuthenticatorOptions) {
    this.options = options;
  }

  /** Remember the challenge of an unauthenticated request (the ping, or a 401). */
  setChallenge(header: string | undefined): void {
    const challenges = parseChallenges(header);
    this.challenge = challenges.find((c) => c.scheme === 'bearer') ?? challenges.find((c) => c.scheme === 'basic') ?? this.challenge;
  }

  /** The Authorization header for a request needing `scopes`, or undefined to go anonymous. */
  async authorization(scopes: string[]): Promise<string | undefined> {
    const challenge = this.challenge;
    if (!challenge) return undefined;
    const creds = await this.loadCredentials();
    if (challenge.scheme === 'basic') return basicHeader(creds);
    if (challenge.scheme !== 'bearer') return undefined;
    if (creds?.registryToken) return `Bearer ${creds.registryToken}`;
    return `Bearer ${await this.token(challenge, mergeScopes(scopes))}`;
  }

  /**
   * After a 401: take the new challenge (and the scope it asks for) and forget the cached token. Returns
   * the scopes to retry with, or undefined when a retry could not change anything (same header as `sent`).
   */
  async reauthorize(header: string | undefined, scopes: string[], sent: string | undefined): Promise<{ scopes: string[] } | undefined> {
    this.setChallenge(header);
    const challenge = this.challenge;
    if (!challenge) return undefined;
    const wanted = mergeScopes([...scopes, ...challengeScopes(challenge.params.scope)]);
    if (challenge.scheme === 'bearer') this.tokens.delete(cacheKey(challenge, wanted));
    const next = await this.authorization(wanted);
    return next === undefined || next === sent ? undefined : { scopes: wanted };
  }

  private loadCredentials(): Promise<Credentials | undefined> {
    this.credentials ??= this.options.loadCredentials();
    return this.credentials;
  }

  private async token(challenge: Challenge, scopes: string[]): Promise<string> {
    const key = cacheKey(challenge, scopes);
    const cached = this.tokens.get(key);
    if (cached && cached.expiresAt > Date.now()) return cached.value;
    let pending = this.pending.get(key);
    if (!pending) {
      pending = this.fetch(challenge, scopes, key).finally(() => this.pending.delete(key));
      this.pending.set(key, pending);
    }
    return pending;
  }

  private async fetch(challenge: Challenge, scopes: string[], key: string): Promise<string> {
    const realm = challenge.params.realm;
    if (!realm) throw new OcisignError('AUTH', `authentication failed for ${this.options.registry}: bearer challenge without realm`);
    this.tokenRequests++;
    this.options.logger.debug(`requesting token for ${this.options.registry} scope ${scopes.join(' ') || '(none)'}`);
    const token = await fetchToken({
      realm,
      service: challenge.params.service,
      scopes,
      credentials: await this.loadCredentials(),
      registry: this.options.registry,
      dispatcher: this.options.dispatcher,
      maxErrorBodyBytes: this.options.maxErrorBodyBytes,
      timeouts: this.options.timeouts,
      retry: this.options.retry,
      ...(this.options.signal ? { signal: this.options.signal } : {}),
      logger: this.options.logger,
    });
    // renew a little early so a token never expires in flight
    const lifetimeMs = token.ttlSeconds * 1000;
    this.tokens.set(key, { value: token.value, expiresAt: Date.now() + lifetimeMs - Math.min(10_000, lifetimeMs / 10) });
    return token.value;
  }
}

function cacheKey(challenge: Challenge, scopes: string[]): string {
  return JSON.stringify([challenge.params.realm, challenge.params.service ?? '', scopes]);
}

function basicHeader(creds: Credentials | undefined): string | undefined {
  if (creds?.username === undefined || creds.password === undefined) return undefined;
  return `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}`;
}
