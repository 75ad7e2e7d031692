/**
 * The registry backend of `Repository` (OCI distribution spec) on one undici dispatcher.
 *
 * Sessions (base URL found by a ping, credentials, token cache) are shared by every repository opened
 * with the same `RegistryClientOptions` object and registry host, so a copy between two repositories of
 * one registry asks for each token once. When `options.dispatcher` is absent, one dispatcher is made per
 * options object with `createDispatcher(options)`; the CLI should pass its own.
 *
 * Transport security: HTTPS with verification by default. For loopback hosts (and with allowHttp) the
 * ping tries HTTPS and falls back to plain HTTP when the server does not speak TLS (docker/crane's rule);
 * a certificate error never falls back. `insecure` only has effect through createDispatcher.
 */
import type { Dispatcher } from 'undici';
import { OcisignError } from '../../core/errors.ts';
import { DEFAULT_LIMITS, DEFAULT_TIMEOUTS, type Limits } from '../../core/limits.ts';
import { silentLogger, type RegistryClientOptions } from '../client-options.ts';
import type { Descriptor, RawManifest } from '../manifest.ts';
import type { RegistryReference } from '../reference.ts';
import type { BlobSource, ListReferrersOptions, PushReferrerOptions, PushReferrerResult, PutBlobOptions, ReferrersListing, Repository } from '../repository.ts';
import { Authenticator } from './auth.ts';
import { hasBlob, openBlob, readBlob } from './blob-read.ts';
import { putBlob } from './blob-write.ts';
import type { RepoContext } from './context.ts';
import { createDispatcher } from './dispatcher.ts';
import { resolveCredentials } from './docker-config.ts';
import { apiHostFor } from './hosts.ts';
import { deleteManifest, getManifest, headManifest, putManifest } from './manifests.ts';
import { DEFAULT_RETRY } from './retry.ts';
import { RegistrySession } from './session.ts';
import { listTags } from './tags.ts';
import { listReferrers, prepareReferrer, pushReferrer } from './referrers.ts';

export { createDispatcher } from './dispatcher.ts';

/** A Repository in a registry. `from` in putBlob mounts when it is a RegistryRepository of the same registry. */
export class RegistryRepository implements Repository {
  readonly reference: RegistryReference;
  readonly displayName: string;
  private readonly ctx: RepoContext;

  constructor(reference: RegistryReference, session: RegistrySession, limits: Limits) {
    this.reference = { kind: 'registry', registry: reference.registry, repository: reference.repository };
    this.displayName = `${reference.registry}/${reference.repository}`;
    this.ctx = { session, name: reference.repository, display: this.displayName, limits };
  }

  /** The session of this repository's registry (its authenticator counts token requests). */
  get session(): RegistrySession {
    return this.ctx.session;
  }

  resolve(ref: string): Promise<Descriptor | undefined> {
    return headManifest(this.ctx, ref);
  }

  getManifest(ref: string): Promise<RawManifest | undefined> {
    return getManifest(this.ctx, ref);
  }

  putManifest(ref: string, manifest: RawManifest): Promise<Descriptor> {
    return putManifest(this.ctx, ref, manifest);
  }

  deleteManifest(digest: string): Promise<void> {
    return deleteManifest(this.ctx, digest);
  }

  listTags(): Promise<string[]> {
    return listTags(this.ctx);
  }

  hasBlob(digest: string): Promise<boolean> {
    return hasBlob(this.ctx, digest);
  }

  openBlob(digest: string, size?: number): Promise<AsyncIterable<Uint8Array>> {
    return openBlob(this.ctx, digest, size);
  }

  readBlob(digest: string, maxBytes: number): Promise<Uint8Array> {
    return readBlob(this.ctx, digest, maxBytes);
  }

  putBlob(descriptor: Pick<Descriptor, 'digest' | 'size'>, source: BlobSource, from?: Repository, options?: PutBlobOptions): Promise<void> {
    const mountable = from?.reference.kind === 'registry' && from.reference.registry === this.reference.registry
      && from.reference.repository !== this.reference.repository;
    return putBlob(this.ctx, descriptor, source, mountable ? from.reference.repository : undefined, options);
  }

  listReferrers(digest: string, options?: ListReferrersOptions): Promise<ReferrersListing> {
    return listReferrers(this.ctx, digest, options);
  }

  pushReferrer(manifest: RawManifest, subject: Descriptor, options?: PushReferrerOptions): Promise<PushReferrerResult> {
    return pushReferrer(this.ctx, manifest, subject, options);
  }

  prepareReferrer(subjectDigest: string): void {
    prepareReferrer(this.ctx, subjectDigest);
  }
}

const sessions = new WeakMap<RegistryClientOptions, Map<string, RegistrySession>>();
const dispatchers = new WeakMap<RegistryClientOptions, Dispatcher>();

/** Open a repository of a registry. Nothing is sent until the first operation. */
export function createRegistryRepository(ref: RegistryReference, options: RegistryClientOptions): Repository {
  if (ref.kind !== 'registry' || !ref.registry || !ref.repository) {
    throw new OcisignError('BAD_INPUT', `not a registry reference: ${JSON.stringify(ref)}`);
  }
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  return new RegistryRepository(ref, sessionFor(ref.registry, options, limits), limits);
}

function sessionFor(registry: string, options: RegistryClientOptions, limits: Limits): RegistrySession {
  let byHost = sessions.get(options);
  if (!byHost) sessions.set(options, (byHost = new Map()));
  let session = byHost.get(registry);
  if (!session) {
    session = newSession(registry, options, limits);
    byHost.set(registry, session);
  }
  return session;
}

function newSession(registry: string, options: RegistryClientOptions, limits: Limits): RegistrySession {
  const logger = options.logger ?? silentLogger;
  if (options.insecure) {
    logger.warn(`TLS certificate verification is OFF for ${registry} (--allow-insecure-registry): anyone on the network can impersonate it`);
  }
  const dispatcher = dispatcherFor(options);
  const timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
  const retry = { ...DEFAULT_RETRY, ...options.retry };
  const auth = new Authenticator({
    registry,
    dispatcher,
    loadCredentials: () => resolveCredentials(registry, options),
    maxErrorBodyBytes: limits.maxErrorBodyBytes,
    timeouts,
    retry,
    ...(options.signal ? { signal: options.signal } : {}),
    logger,
  });
  return new RegistrySession({
    registry,
    apiHost: apiHostFor(registry),
    dispatcher,
    auth,
    allowHttp: options.allowHttp === true,
    limits,
    retry,
    timeouts,
    ...(options.signal ? { signal: options.signal } : {}),
    logger,
  });
}

function dispatcherFor(options: RegistryClientOptions): Dispatcher {
  if (options.dispatcher) return options.dispatcher;
  let dispatcher = dispatchers.get(options);
  if (!dispatcher) {
    dispatcher = createDispatcher({ insecure: options.insecure, caCerts: options.caCerts, env: options.env, timeouts: options.timeouts });
    dispatchers.set(options, dispatcher);
  }
  return dispatcher;
}
