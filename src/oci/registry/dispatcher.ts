import { DEFAULT_TIMEOUTS, type Timeouts } from '../../core/limits.ts';
import { Agent, EnvHttpProxyAgent, withSignal, type Dispatcher } from './undici.ts';

export interface DispatcherOptions {
  /** Skip TLS certificate verification (--allow-insecure-registry). */
  insecure?: boolean;
  /** Extra CA certificates (PEM), appended to Node's default roots, never replacing them. */
  caCerts?: string[];
  /** Where HTTP_PROXY / HTTPS_PROXY / NO_PROXY are read from; nothing is read when absent. */
  env?: Record<string, string | undefined>;
  /** Connections per origin (default 8). */
  connections?: number;
  /** Connect (TCP + TLS) deadline, and the headers / body-silence deadlines of requests that set none themselves. */
  timeouts?: Partial<Timeouts>;
  /** A whole-operation deadline every request through this dispatcher carries (see withSignal). */
  signal?: AbortSignal;
}

/**
 * The one dispatcher of a process: an undici Agent with keep-alive, bounded connections per origin and deadlines,
 * or an EnvHttpProxyAgent when a proxy is configured in `env`; with `signal`, every request also ends when it aborts.
 */
export function createDispatcher(options: DispatcherOptions = {}): Dispatcher {
  const dispatcher = createAgent(options);
  return options.signal ? withSignal(dispatcher, options.signal) : dispatcher;
}

function createAgent(options: DispatcherOptions): Dispatcher {
  const timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
  const connect = {
    timeout: timeouts.connectMs,
    rejectUnauthorized: options.insecure !== true,
    // node:tls loads only when needed (plain-HTTP runs never need it; undici loads it lazily too)
    ...(options.caCerts?.length ? { ca: [...process.getBuiltinModule('node:tls').rootCertificates, ...options.caCerts] } : {}),
  };
  // HTTP/1.1 only: every registry speaks it, parallel blob transfers use several connections anyway, and the bundled
  // CLI then never loads node:http2 (~35 ms of start-up; scripts/bundle.ts leaves undici's h2 client out).
  const agentOptions = {
    connections: options.connections ?? 8,
    keepAliveTimeout: 10_000,
    allowH2: false,
    connect,
    headersTimeout: timeouts.headersMs,
    bodyTimeout: timeouts.bodyIdleMs,
  };
  const env = options.env ?? {};
  const httpProxy = env.HTTP_PROXY ?? env.http_proxy ?? '';
  const httpsProxy = env.HTTPS_PROXY ?? env.https_proxy ?? '';
  if (!httpProxy && !httpsProxy) return new Agent(agentOptions);
  return new EnvHttpProxyAgent({
    ...agentOptions,
    httpProxy,
    httpsProxy,
    noProxy: env.NO_PROXY ?? env.no_proxy ?? '',
    requestTls: connect,
  });
}
