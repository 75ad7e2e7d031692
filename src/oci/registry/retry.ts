/** Retry policy for idempotent registry steps: exponential backoff with jitter, honouring Retry-After. */

export interface RetryPolicy {
  /** Total tries, including the first. */
  attempts: number;
  baseDelayMs: number;
  /** Cap for backoff and for Retry-After. */
  maxDelayMs: number;
}

export const DEFAULT_RETRY: Readonly<RetryPolicy> = Object.freeze({ attempts: 4, baseDelayMs: 250, maxDelayMs: 10_000 });

const RETRYABLE_STATUS = new Set([429, 502, 503, 504]);
const RESET_CODES = new Set([
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_RES_CONTENT_LENGTH_MISMATCH',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

export function isRetryableStatus(status: number, method = 'PUT'): boolean {
  // A 500 on a read is retried too: distribution 2.8's filesystem driver answers 500 "invalid checksum digest
  // format" when a reader catches a link file that a concurrent writer is rewriting (16 racing signers show it).
  return RETRYABLE_STATUS.has(status) || (status === 500 && (method === 'GET' || method === 'HEAD'));
}

/**
 * A transient failure of an exchange: a dropped or reset connection, a truncated body, a per-request deadline
 * (not a refused connection: nobody is listening; not the command's deadline: no time is left).
 */
export function isConnectionReset(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && RESET_CODES.has(code)) return true;
  }
  return false;
}

/** Retry-After as milliseconds (delta-seconds or an HTTP date), or undefined when absent/invalid. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** The delay before retry number `retry` (1-based): Retry-After when given, else backoff with full jitter. */
export function retryDelay(policy: RetryPolicy, retry: number, retryAfterMs?: number): number {
  if (retryAfterMs !== undefined) return Math.min(retryAfterMs, policy.maxDelayMs);
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
  return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
}

export { sleep } from '../../core/deadline.ts';
