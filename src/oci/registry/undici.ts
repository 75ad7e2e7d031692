/**
 * The parts of undici ocisign uses, loaded from their own modules. `import 'undici'` evaluates all of undici
 * (fetch, WebSocket, caches, mocks, interceptors) — about 140 ms of CPU on every CLI start; the agent and the
 * request API are a third of that (measured again for `verify`: ~50 ms of CPU more with the public entry point).
 * Everything here is undici's own code; only the entry point differs. These lib/ paths are not undici's public API,
 * so package.json pins undici to one exact version, and test/oci/registry/undici-pin.test.ts fails when the installed
 * version differs from the pin or these modules stop being the classes the public API exports: review this file
 * before moving the pin.
 */
import type * as Undici from 'undici';
import AgentModule from 'undici/lib/dispatcher/agent.js';
import DispatcherModule from 'undici/lib/dispatcher/dispatcher.js';
import EnvHttpProxyAgentModule from 'undici/lib/dispatcher/env-http-proxy-agent.js';
import api from 'undici/lib/api/index.js';

// undici's index attaches the request/stream/pipeline API to every dispatcher this way.
Object.assign((DispatcherModule as { prototype: object }).prototype, api);

export type { Dispatcher } from 'undici';
export const Agent = AgentModule as unknown as typeof Undici.Agent;
export const EnvHttpProxyAgent = EnvHttpProxyAgentModule as unknown as typeof Undici.EnvHttpProxyAgent;

export type RequestOptions = Omit<Undici.Dispatcher.RequestOptions, 'origin' | 'path' | 'method'> & {
  dispatcher: Undici.Dispatcher;
  method?: Undici.Dispatcher.HttpMethod;
};

type DispatcherClass = new () => Undici.Dispatcher;

/**
 * A dispatcher whose every `request()` also carries `signal` (joined with the request's own), delegating the rest to
 * `inner`. The CLI wraps its one dispatcher with its whole-command deadline this way, so the deadline reaches every
 * HTTP client it is given (registries, token servers, Fulcio, Rekor, TSA) without each passing a signal on.
 */
export function withSignal(inner: Undici.Dispatcher, signal: AbortSignal): Undici.Dispatcher {
  return new SignalDispatcher(inner, signal);
}

class SignalDispatcher extends (DispatcherModule as unknown as DispatcherClass) {
  readonly #inner: Undici.Dispatcher;
  readonly #signal: AbortSignal;

  constructor(inner: Undici.Dispatcher, signal: AbortSignal) {
    super();
    this.#inner = inner;
    this.#signal = signal;
  }

  override dispatch(options: Undici.Dispatcher.DispatchOptions, handler: Undici.Dispatcher.DispatchHandler): boolean {
    return this.#inner.dispatch(options, handler);
  }

  override close(...args: []): Promise<void> {
    return this.#inner.close(...args);
  }

  override destroy(...args: []): Promise<void> {
    return this.#inner.destroy(...args);
  }

  override request(options: Undici.Dispatcher.RequestOptions): Promise<Undici.Dispatcher.ResponseData> {
    const own = options.signal as AbortSignal | undefined;
    return super.request({ ...options, signal: own ? AbortSignal.any([own, this.#signal]) : this.#signal });
  }
}

/** undici's `request(url, options)`, always on the given dispatcher (never the global one). */
export function request(url: string | URL, options: RequestOptions): Promise<Undici.Dispatcher.ResponseData> {
  const target = typeof url === 'string' ? new URL(url) : url;
  const { dispatcher, ...rest } = options;
  return dispatcher.request({
    ...rest,
    origin: target.origin,
    path: `${target.pathname}${target.search}`,
    method: options.method ?? (options.body ? 'PUT' : 'GET'),
  });
}
