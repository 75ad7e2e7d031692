import type { Dispatcher } from 'undici';
import type { Limits, Timeouts } from '../core/limits.ts';

export interface Logger {
  /** Warnings the user should see (stderr), e.g. "signing a tag is unsafe", "TLS verification is OFF". */
  warn(message: string): void;
  /** Diagnostics shown only with --verbose. */
  debug(message: string): void;
}

export const silentLogger: Logger = { warn() {}, debug() {} };

export interface Credentials {
  username?: string;
  password?: string;
  /** An identity/refresh token (docker config `identitytoken`), exchanged with the token server. */
  identityToken?: string;
  /** A registry bearer token used as is. */
  registryToken?: string;
}

/** Everything the registry backend needs; built once by the CLI (the only place that reads env/flags). */
export interface RegistryClientOptions {
  /** The one shared undici dispatcher (an Agent, or a ProxyAgent/EnvHttpProxyAgent). Never the global one. */
  dispatcher?: Dispatcher;
  /** Explicit credentials (--registry-username/--registry-password); used only for `credentialsHost`. */
  credentials?: Credentials;
  /** The host the explicit credentials belong to; when unset, they apply to every registry named on the command line. */
  credentialsHost?: string;
  /** Path of the docker config directory ($DOCKER_CONFIG or ~/.docker); undefined = no config file. */
  dockerConfigDir?: string;
  /** Plain HTTP allowed for non-loopback hosts (--allow-http-registry). Loopback always may use HTTP. */
  allowHttp?: boolean;
  /** Skip TLS verification (--allow-insecure-registry). */
  insecure?: boolean;
  /** Extra CA certificates in PEM (--registry-cacert, NODE_EXTRA_CA_CERTS). */
  caCerts?: string[];
  limits?: Partial<Limits>;
  /**
   * Per-request deadlines (DEFAULT_TIMEOUTS: headers 30 s, body silence 30 s). `connectMs` applies to the dispatcher
   * createDispatcher makes; a dispatcher passed in keeps its own connect timeout.
   */
  timeouts?: Partial<Timeouts>;
  /**
   * The whole operation's deadline (the CLI's `--timeout`): when it aborts, every request in flight or to come, and
   * every retry pause, ends with IO naming what was being read or written. Abort it with a `DeadlineExceeded`
   * (core/deadline.ts) to say which deadline it was.
   */
  signal?: AbortSignal;
  logger?: Logger;
  /** Retry policy for idempotent steps. */
  retry?: { attempts: number; baseDelayMs: number; maxDelayMs: number };
  /** Environment for credential helpers and proxies; defaults to process.env only in the CLI. */
  env?: Record<string, string | undefined>;
}
