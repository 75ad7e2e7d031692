import { isDeadline } from '../../core/deadline.ts';
import { formatSeconds } from '../../core/duration.ts';
import { describeError, OcisignError } from '../../core/errors.ts';
import { DEFAULT_TIMEOUTS, type Timeouts } from '../../core/limits.ts';
import { readPrefix, type Body, type Headers } from './http-body.ts';

/** distribution's error body: `{"errors":[{"code":"…","message":"…","detail":…}]}`. */
export function summarizeErrorBody(text: string): string {
  try {
    const doc = JSON.parse(text) as { errors?: Array<{ code?: unknown; message?: unknown }> };
    if (Array.isArray(doc.errors) && doc.errors.length > 0) {
      return doc.errors
        .map((e) => [e.code, e.message].filter((s) => typeof s === 'string' && s !== '').join(': '))
        .join('; ');
    }
  } catch {
    // not JSON: fall through to the text
  }
  return text.replace(/\s+/g, ' ').trim().slice(0, 200);
}

export interface FailedResponse {
  statusCode: number;
  headers: Headers;
  body: Body;
}

/**
 * The error for an unexpected HTTP status. 401/403 → AUTH ("authentication failed for REF: CODE: message"),
 * everything else → IO. `op` is the operation ("getting manifest"), `ref` the reference it was on.
 */
export async function errorFromResponse(res: FailedResponse, op: string, ref: string, maxBody: number): Promise<OcisignError> {
  const summary = summarizeErrorBody(await readPrefix(res.body, maxBody));
  const status = res.statusCode;
  if (status === 401 || status === 403) {
    return new OcisignError('AUTH', `authentication failed for ${ref}: ${summary || (status === 401 ? 'UNAUTHORIZED' : 'DENIED')} (${status} on ${op})`);
  }
  return new OcisignError('IO', `${op} ${ref}: ${status}${summary ? ` ${summary}` : ''}`);
}

/**
 * The error for a failed exchange (connection, stall, reset, truncated body, the command's deadline): always IO,
 * naming the operation, what it was on and the host, in words, on one line. `timeouts` are the deadlines the request
 * ran with (for "no response headers within 30 s").
 */
export function transportError(err: unknown, op: string, ref: string, host: string, timeouts: Timeouts = DEFAULT_TIMEOUTS): OcisignError {
  if (err instanceof OcisignError) return err;
  return new OcisignError('IO', `${op} ${ref}: ${transportReason(err, host, timeouts)}`, { cause: err });
}

/** What went wrong on the wire, in words (without the operation). */
export function transportReason(err: unknown, host: string, timeouts: Timeouts = DEFAULT_TIMEOUTS): string {
  if (isDeadline(err)) return deadlineReason(err);
  const code = errorCode(err);
  switch (code) {
    case 'ECONNREFUSED':
      return `connection refused by ${host}`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `cannot resolve host ${host}`;
    case 'ECONNRESET':
    case 'EPIPE':
      return `connection to ${host} was reset`;
    case 'UND_ERR_SOCKET':
    case 'UND_ERR_CLOSED':
      return `${host} closed the connection before the end of the answer`;
    case 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH':
      return `${host} sent a body that does not match its Content-Length`;
    case 'UND_ERR_CONNECT_TIMEOUT':
    case 'ETIMEDOUT':
      return `no connection to ${host} within ${formatSeconds(timeouts.connectMs)}`;
    case 'UND_ERR_HEADERS_TIMEOUT':
      return `no response headers from ${host} within ${formatSeconds(timeouts.headersMs)}`;
    case 'UND_ERR_BODY_TIMEOUT':
      return `the answer from ${host} stalled (no data for ${formatSeconds(timeouts.bodyIdleMs)})`;
  }
  if (isCertificateError(err)) return `TLS certificate of ${host} not trusted (${describeError(err)}); add its CA with --registry-cacert`;
  return `${host}: ${describeError(err)}`;
}

function deadlineReason(err: unknown): string {
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    if (e.name === 'DeadlineExceeded') return e.message;
  }
  return 'the deadline passed';
}

export function errorCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && code !== 'UND_ERR_CONNECT') return code;
  }
  return undefined;
}

const CERT_CODES = /^(CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|ERR_TLS_CERT_ALTNAME_INVALID|HOSTNAME_MISMATCH)/;

export function isCertificateError(err: unknown): boolean {
  const code = errorCode(err);
  return code !== undefined && CERT_CODES.test(code);
}
