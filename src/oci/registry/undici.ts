/**
 * The parts of undici ocisign uses, loaded from their own modules. `import 'undici'` evaluates all of undici
 * (fetch, WebSocket, caches, mocks, interceptors) — about 140 ms of CPU on every CLI start; the agent and the
 * request API are a third of that. Everything here is undici's own code; only the entry point differs.
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
