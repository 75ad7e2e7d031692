import { describeError, OcisignError } from '../../core/errors.ts';
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

/** The error for a failed connection: names the host and the operation, says what happened in words. */
export function transportError(err: unknown, op: string, ref: string, host: string): OcisignError {
  if (err instanceof OcisignError) return err;
  const code = errorCode(err);
  const reason =
    code === 'ECONNREFUSED' ? `connection refused by ${host}`
    : code === 'ENOTFOUND' || code === 'EAI_AGAIN' ? `cannot resolve host ${host}`
    : code === 'ECONNRESET' || code === 'UND_ERR_SOCKET' ? `connection to ${host} was reset`
    : isCertificateError(err) ? `TLS certificate of ${host} not trusted (${describeError(err)}); add its CA with --registry-cacert`
    : `${host}: ${describeError(err)}`;
  return new OcisignError('IO', `${op} ${ref}: ${reason}`, { cause: err });
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
