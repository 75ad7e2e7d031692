/** Stable error codes; each maps to one process exit code (see EXIT_CODES). */
export type ErrorCode =
  | 'INTERNAL'
  | 'USAGE'
  | 'BAD_INPUT'
  | 'IO'
  | 'AUTH'
  | 'NO_SIGNATURES'
  | 'NOT_FOUND'
  | 'NO_MATCHING_SIGNATURE'
  | 'NO_CERTIFICATE'
  | 'POLICY_VIOLATION';

export const EXIT_CODES: Record<ErrorCode, number> = {
  INTERNAL: 1,
  USAGE: 2,
  BAD_INPUT: 3,
  IO: 4,
  AUTH: 4,
  NO_SIGNATURES: 10,
  NOT_FOUND: 11,
  NO_MATCHING_SIGNATURE: 12,
  NO_CERTIFICATE: 13,
  POLICY_VIOLATION: 14,
};

/**
 * The one error class of ocisign. `message` is lower-case and names what failed on what,
 * e.g. "reading signatures of 127.0.0.1:5000/app@sha256:…: connection refused".
 */
export class OcisignError extends Error {
  readonly code: ErrorCode;
  /** Extra lines (e.g. per-signature reasons) printed after the message. */
  readonly details: string[];

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; details?: string[] } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'OcisignError';
    this.code = code;
    this.details = options.details ?? [];
  }

  get exitCode(): number {
    return EXIT_CODES[this.code];
  }
}

export function isOcisignError(err: unknown, code?: ErrorCode): err is OcisignError {
  return err instanceof OcisignError && (code === undefined || err.code === code);
}

/**
 * Prefix an error's message with the operation it happened in, keeping its code. A message that already starts
 * with this context (a lower layer said "resolving X: …" and its caller adds "resolving X") is kept as it is.
 */
export function withContext(context: string, err: unknown): OcisignError {
  if (err instanceof OcisignError && err.message.startsWith(`${context}: `)) return err;
  if (err instanceof OcisignError) {
    return new OcisignError(err.code, `${context}: ${err.message}`, { cause: err.cause ?? err, details: err.details });
  }
  return new OcisignError('INTERNAL', `${context}: ${describeError(err)}`, { cause: err });
}

/** A short one-line description of any thrown value, including undici/system error codes. */
export function describeError(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    const inner = err.cause instanceof Error ? err.cause : undefined;
    const innerCode = inner ? (inner as { code?: unknown }).code : undefined;
    let text = err.message || String(code ?? err.name);
    if (typeof innerCode === 'string' && !text.includes(innerCode)) text += ` (${innerCode})`;
    else if (typeof code === 'string' && !text.includes(code)) text += ` (${code})`;
    return text.split('\n')[0]!;
  }
  return String(err);
}
