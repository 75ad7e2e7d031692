/**
 * cosign 3's `--signing-config FILE`: a Sigstore SigningConfig v0.2 (`caUrls`, `rekorTlogUrls`, `tsaUrls`,
 * each `{url, majorApiVersion, validFor: {start, end?}}`). ocisign takes from it the Fulcio, Rekor (v1 API) and
 * TSA endpoints valid now; an empty list means "not that service" (a config with no Rekor signs without a
 * transparency log, as cosign 3 does).
 */
import { readFile } from 'node:fs/promises';
import { OcisignError, describeError } from '../core/errors.ts';

export const SIGNING_CONFIG_V02 = 'application/vnd.dev.sigstore.signingconfig.v0.2+json';

export interface SigningServices {
  fulcioUrl?: string;
  rekorUrl?: string;
  /** The full timestamp endpoint. */
  tsaUrl?: string;
}

interface Service {
  url?: unknown;
  majorApiVersion?: unknown;
  validFor?: { start?: unknown; end?: unknown };
}

export async function readSigningConfig(path: string, now = new Date()): Promise<SigningServices> {
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    throw new OcisignError('BAD_INPUT', `reading signing config ${path}: ${describeError(err)}`, { cause: err });
  }
  const bad = (why: string) => new OcisignError('BAD_INPUT', `signing config ${path}: ${why}`);
  if (typeof doc !== 'object' || doc === null) throw bad('not a JSON object');
  if (doc.mediaType !== SIGNING_CONFIG_V02) throw bad(`mediaType ${JSON.stringify(doc.mediaType)} (only ${SIGNING_CONFIG_V02} is supported)`);
  const pick = (field: string, versions: number[]): string | undefined => {
    const list = doc[field] ?? [];
    if (!Array.isArray(list)) throw bad(`${field} is not a list`);
    const valid = (list as Service[]).filter((s) => isValidNow(s, now, bad));
    if (valid.length === 0) return undefined;
    const usable = valid.find((s) => versions.includes(Number(s.majorApiVersion ?? 1)));
    if (!usable) throw bad(`no ${field} entry with API version ${versions.join(' or ')} (ocisign supports Rekor v1 only)`);
    return String(usable.url);
  };
  const services: SigningServices = {};
  const fulcioUrl = pick('caUrls', [1]);
  const rekorUrl = pick('rekorTlogUrls', [1]);
  const tsaUrl = pick('tsaUrls', [1]);
  if (fulcioUrl) services.fulcioUrl = fulcioUrl;
  if (rekorUrl) services.rekorUrl = rekorUrl;
  if (tsaUrl) services.tsaUrl = tsaUrl;
  return services;
}

function isValidNow(s: Service, now: Date, bad: (why: string) => OcisignError): boolean {
  if (typeof s !== 'object' || s === null || typeof s.url !== 'string') throw bad('a service entry has no url');
  try {
    new URL(s.url);
  } catch {
    throw bad(`invalid url ${JSON.stringify(s.url)}`);
  }
  const start = typeof s.validFor?.start === 'string' ? Date.parse(s.validFor.start) : -Infinity;
  const end = typeof s.validFor?.end === 'string' ? Date.parse(s.validFor.end) : Infinity;
  return now.getTime() >= start && now.getTime() < end;
}
