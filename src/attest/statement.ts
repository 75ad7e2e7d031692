import { goJsonString } from '../cosign/go-json.ts';
import { parseJsonBounded } from '../core/json.ts';
import { assertDigest } from '../oci/digest.ts';

const MAX_STATEMENT_BYTES = 128 * 1024 * 1024;

export const STATEMENT_V01 = 'https://in-toto.io/Statement/v0.1';
export const STATEMENT_V1 = 'https://in-toto.io/Statement/v1';
export type StatementVersion = 'v1' | 'v0.1';

export interface StatementInput {
  version: StatementVersion;
  predicateType: string;
  /** The predicate's JSON text (see buildPredicateJson). */
  predicateJson: string;
  /** Subject name: the image's repository (`registry/repo`), as cosign. */
  subjectName: string;
  /** The image digest, `sha256:<hex>`. */
  digest: string;
}

/** The in-toto Statement bytes in cosign 2's field order: `_type, predicateType, subject, predicate`. */
export function buildStatement(input: StatementInput): Uint8Array {
  assertDigest(input.digest, 'subject digest');
  const [alg, hex] = input.digest.split(':') as [string, string];
  const type = input.version === 'v0.1' ? STATEMENT_V01 : STATEMENT_V1;
  const subject = `[{"name":${goJsonString(input.subjectName)},"digest":{${goJsonString(alg)}:${goJsonString(hex)}}}]`;
  const head = `{"_type":${goJsonString(type)},"predicateType":${goJsonString(input.predicateType)},"subject":${subject},"predicate":`;
  const encoder = new TextEncoder();
  const headBytes = encoder.encode(head);
  const body = encoder.encode(input.predicateJson);
  const out = new Uint8Array(headBytes.byteLength + body.byteLength + 1);
  out.set(headBytes, 0);
  out.set(body, headBytes.byteLength);
  out[out.byteLength - 1] = 0x7d; // }
  return out;
}

/** A parsed statement (the decoded DSSE payload). */
export interface Statement {
  _type: string;
  predicateType: string;
  subject: { name?: string; digest: Record<string, string> }[];
  predicate: unknown;
  /** The whole statement object as parsed (unknown fields kept), for policies. */
  raw: Record<string, unknown>;
}

/** Parse a DSSE payload as an in-toto Statement; a string is the reason it is not one. */
export function parseStatement(payload: Uint8Array): Statement | string {
  const parsed = parseJsonBounded(payload, { maxBytes: MAX_STATEMENT_BYTES });
  if (!parsed.ok) return `payload is not a JSON in-toto statement: ${parsed.reason}`;
  const raw = parsed.value;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return 'payload is not a JSON object';
  const s = raw as Record<string, unknown>;
  if (s._type !== STATEMENT_V01 && s._type !== STATEMENT_V1) return `statement _type ${JSON.stringify(s._type)} is not an in-toto statement`;
  if (typeof s.predicateType !== 'string' || s.predicateType === '') return 'statement has no predicateType';
  if (!Array.isArray(s.subject) || s.subject.length === 0) return 'statement has no subject';
  const subject = s.subject.map(parseSubject);
  if (subject.some((x) => x === undefined)) return 'statement has a malformed subject';
  return { _type: s._type, predicateType: s.predicateType, subject: subject as Statement['subject'], predicate: s.predicate, raw: s };
}

function parseSubject(x: unknown): Statement['subject'][number] | undefined {
  if (x === null || typeof x !== 'object') return undefined;
  const { name, digest } = x as { name?: unknown; digest?: unknown };
  if (digest === null || typeof digest !== 'object' || Array.isArray(digest)) return undefined;
  const d: Record<string, string> = {};
  for (const [k, v] of Object.entries(digest)) if (typeof v === 'string') d[k] = v;
  return { name: typeof name === 'string' ? name : undefined, digest: d };
}

/** cosign's IntotoSubjectClaimVerifier: some subject's sha256 equals the image digest's hex. */
export function subjectNamesDigest(statement: Statement, digest: string): boolean {
  const [alg, hex] = digest.split(':');
  return statement.subject.some((s) => s.digest[alg ?? ''] !== undefined && s.digest[alg ?? '']!.toLowerCase() === hex);
}
