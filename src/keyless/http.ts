import { request, type Dispatcher } from '../oci/registry/undici.ts';
import { parseBoundedJson } from '../core/bounded-json.ts';
import { describeError, OcisignError } from '../core/errors.ts';
import { isTimeout } from '../core/deadline.ts';
import { DEFAULT_TIMEOUTS } from '../core/limits.ts';
import { readLimited, readPrefix, type Headers } from '../oci/registry/http-body.ts';
import { transportReason } from '../oci/registry/http-error.ts';

/** Largest response body read from Fulcio, Rekor or a TSA (a chain or an entry is a few KiB). */
export const MAX_SERVICE_RESPONSE = 1024 * 1024;
const MAX_ERROR_BODY = 64 * 1024;

export interface ServiceRequest {
  method: 'GET' | 'POST';
  url: string;
  /** Names the call in errors, e.g. `requesting a certificate from fulcio https://…`. */
  what: string;
  dispatcher: Dispatcher;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  /** Statuses that are answers, not failures (default: 2xx). */
  accept?: (status: number) => boolean;
  /** Deadline for the response headers and for each silence in the body (default 30 s). */
  timeoutMs?: number;
}

export interface ServiceResponse {
  status: number;
  headers: Headers;
  bytes: Uint8Array;
}

/**
 * One call to a Sigstore service through the given undici dispatcher. A refused connection, a stall, a broken body,
 * the deadline of a dispatcher made with a signal, or an unexpected status throws IO naming `what`, with the start of
 * the error body.
 */
export async function callService(req: ServiceRequest): Promise<ServiceResponse> {
  const ms = req.timeoutMs ?? DEFAULT_TIMEOUTS.headersMs;
  const failed = (err: unknown) => {
    const host = URL.canParse(req.url) ? new URL(req.url).host : req.url;
    const why = isTimeout(err) ? transportReason(err, host, { ...DEFAULT_TIMEOUTS, headersMs: ms, bodyIdleMs: ms }) : describeError(err);
    return new OcisignError('IO', `${req.what}: ${why}`, { cause: err });
  };
  let res: Dispatcher.ResponseData;
  try {
    res = await request(req.url, { dispatcher: req.dispatcher, method: req.method, headers: req.headers, body: req.body, headersTimeout: ms, bodyTimeout: ms });
  } catch (err) {
    throw failed(err);
  }
  const ok = req.accept ?? ((s: number) => s >= 200 && s < 300);
  if (!ok(res.statusCode)) {
    const text = (await readPrefix(res.body, MAX_ERROR_BODY)).trim().split('\n')[0] ?? '';
    throw new OcisignError('IO', `${req.what}: http ${res.statusCode}${text ? `: ${text.slice(0, 300)}` : ''}`);
  }
  let bytes: Uint8Array;
  try {
    bytes = await readLimited(res.body, res.headers, MAX_SERVICE_RESPONSE, req.what);
  } catch (err) {
    throw err instanceof OcisignError ? err : failed(err);
  }
  return { status: res.statusCode, headers: res.headers, bytes };
}

/** POST a JSON document and parse the JSON answer. */
export async function postJson(req: Omit<ServiceRequest, 'method' | 'body'> & { json: unknown }): Promise<{ status: number; headers: Headers; json: unknown }> {
  const res = await callService({
    ...req,
    method: 'POST',
    body: JSON.stringify(req.json),
    headers: { 'content-type': 'application/json', accept: 'application/json', ...req.headers },
  });
  return { status: res.status, headers: res.headers, json: parseJson(res.bytes, req.what) };
}

export function parseJson(bytes: Uint8Array, what: string): unknown {
  const r = parseBoundedJson(new TextDecoder().decode(bytes));
  if (!r.ok) throw new OcisignError('IO', `${what}: the answer is ${r.reason}`);
  return r.value;
}

/** `base` + `path` without doubled slashes (`--fulcio-url https://f.example/` works). */
export function joinUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}${path}`;
}
