import { SIMPLE_SIGNING_TYPE } from '../cosign/media-types.ts';
import { goJsonString, goJsonValue } from '../cosign/go-json.ts';
import { parseJsonBounded } from '../core/json.ts';

/** Signature payloads are a few hundred bytes; cosign refuses payloads over 128 MiB. */
const MAX_PAYLOAD_JSON_BYTES = 128 * 1024 * 1024;

/** The parts of a simple-signing payload that verification reads (cosign's `payload.SimpleContainerImage`). */
export interface SimpleSigningClaims {
  dockerReference: string;
  digest: string;
  type: string;
  /** `optional` as signed: null or an object (values may be non-strings, e.g. containers/image's timestamp). */
  optional: Record<string, unknown> | null;
}

/**
 * Parse payload bytes strictly enough: UTF-8 JSON object; `critical` object with `type`,
 * `image.docker-manifest-digest` and `identity.docker-reference` strings; `optional` null or object.
 * Unknown extra fields are accepted, as cosign (Go's json) does — the signature covers them and nothing
 * reads them. Keys are matched exactly (Go would also match "Critical"; no real writer emits that).
 * Returns a reason string when the payload is unusable.
 */
export function parseSimpleSigningClaims(bytes: Uint8Array): SimpleSigningClaims | string {
  const parsed = parseJsonBounded(bytes, { maxBytes: MAX_PAYLOAD_JSON_BYTES });
  if (!parsed.ok) return `payload is not usable JSON: ${parsed.reason}`;
  const doc = parsed.value;
  if (!isObject(doc)) return 'payload is not a JSON object';
  const critical = doc.critical;
  if (!isObject(critical)) return 'payload has no "critical" object';
  if (typeof critical.type !== 'string') return 'payload has no critical.type';
  if (!isObject(critical.image) || typeof critical.image['docker-manifest-digest'] !== 'string') {
    return 'payload has no critical.image.docker-manifest-digest';
  }
  if (!isObject(critical.identity) || typeof critical.identity['docker-reference'] !== 'string') {
    return 'payload has no critical.identity.docker-reference';
  }
  const optional = doc.optional ?? null;
  if (optional !== null && !isObject(optional)) return 'payload "optional" is neither null nor an object';
  return {
    type: critical.type,
    digest: critical.image['docker-manifest-digest'],
    dockerReference: critical.identity['docker-reference'],
    optional,
  };
}

/** Claims of a cosign image signature, checked against the image; returns the first failure as a reason. */
export function checkClaims(
  claims: SimpleSigningClaims,
  expect: { digest: string; annotations?: Readonly<Record<string, string>>; dockerReference?: string },
): string | undefined {
  if (claims.type !== SIMPLE_SIGNING_TYPE) return `payload type ${JSON.stringify(claims.type)} is not ${JSON.stringify(SIMPLE_SIGNING_TYPE)}`;
  if (claims.digest !== expect.digest) return `payload signs ${claims.digest}, not the image digest ${expect.digest}`;
  if (expect.dockerReference !== undefined && claims.dockerReference !== expect.dockerReference) {
    return `payload docker-reference ${JSON.stringify(claims.dockerReference)} is not ${JSON.stringify(expect.dockerReference)}`;
  }
  for (const [k, v] of Object.entries(expect.annotations ?? {})) {
    const got = claims.optional?.[k];
    if (got !== v) return `annotation ${k}=${v} not found in the payload (${got === undefined ? 'missing' : `has ${JSON.stringify(got)}`})`;
  }
  return undefined;
}

/** The claims as cosign prints them (`json.Marshal` of the parsed payload): critical, then optional. */
export function formatClaimsLikeCosign(c: SimpleSigningClaims): string {
  return (
    `{"critical":{"identity":{"docker-reference":${goJsonString(c.dockerReference)}},` +
    `"image":{"docker-manifest-digest":${goJsonString(c.digest)}},"type":${goJsonString(c.type)}},` +
    `"optional":${goJsonValue(c.optional)}}`
  );
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
