/**
 * Deadlines: the reason a whole-operation deadline aborts with, and how to tell a timed-out or broken exchange from
 * other failures (callers above the HTTP client do not retry what it already retried).
 */
import { OcisignError } from './errors.ts';

/** The abort reason of a whole-command deadline; `message` says which deadline, e.g. "the command's deadline of 3m0s (--timeout) passed". */
export class DeadlineExceeded extends Error {
  readonly code = 'OCISIGN_DEADLINE';
  constructor(message: string) {
    super(message);
    this.name = 'DeadlineExceeded';
  }
}

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT', 'OCISIGN_DEADLINE']);

/** A request (or a whole operation) ran out of time: a per-request deadline or an aborted deadline signal. */
export function isTimeout(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 6; e = e.cause, depth++) {
    if (isDeadline(e)) return true;
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && TIMEOUT_CODES.has(code)) return true;
  }
  return false;
}

/**
 * The error comes from the wire, not from an answer: a system or HTTP-client error (ECONNRESET, UND_ERR_SOCKET, a
 * timeout) or a deadline somewhere in its causes.
 */
export function isTransportFailure(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 6; e = e.cause, depth++) {
    if (isDeadline(e)) return true;
    const code = (e as { code?: unknown }).code;
    if (!(e instanceof OcisignError) && typeof code === 'string' && /^(E[A-Z]+|UND_ERR_[A-Z_]+)$/.test(code)) return true;
  }
  return false;
}

/** The error is (or is caused by) a deadline signal's abort: ours, or an `AbortSignal.timeout()` a library user passed. */
export function isDeadline(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 6; e = e.cause, depth++) {
    if (e instanceof DeadlineExceeded || e.name === 'TimeoutError') return true;
  }
  return false;
}

/** A promise that resolves after `ms`, or rejects with the signal's reason when it aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (!signal) return new Promise((resolve) => setTimeout(resolve, ms));
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason as Error);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason as Error);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
