import { OcisignError } from '../core/errors.ts';

/** How cosign builds the predicate body from the `--predicate` file for a `--type`. */
export type PredicateBody = 'custom' | 'json-object' | 'string';

export interface PredicateTypeInfo {
  /** The in-toto `predicateType` URI. */
  uri: string;
  body: PredicateBody;
}

/** cosign's `--type` names (options/predicate.go), in its order. `custom` is cosign's default. */
export const PREDICATE_TYPES: Readonly<Record<string, PredicateTypeInfo>> = Object.freeze({
  custom: { uri: 'https://cosign.sigstore.dev/attestation/v1', body: 'custom' },
  slsaprovenance: { uri: 'https://slsa.dev/provenance/v0.2', body: 'json-object' },
  slsaprovenance02: { uri: 'https://slsa.dev/provenance/v0.2', body: 'json-object' },
  slsaprovenance1: { uri: 'https://slsa.dev/provenance/v1', body: 'json-object' },
  spdx: { uri: 'https://spdx.dev/Document', body: 'string' },
  spdxjson: { uri: 'https://spdx.dev/Document', body: 'json-object' },
  cyclonedx: { uri: 'https://cyclonedx.org/bom', body: 'json-object' },
  link: { uri: 'https://in-toto.io/Link/v1', body: 'json-object' },
  vuln: { uri: 'https://cosign.sigstore.dev/attestation/vuln/v1', body: 'json-object' },
  openvex: { uri: 'https://openvex.dev/ns', body: 'json-object' },
});

/**
 * A `--type` value: one of cosign's names, or any URI (its predicate is the file parsed as a JSON object).
 * Anything else is a usage error listing the names.
 */
export function resolvePredicateType(type: string): PredicateTypeInfo {
  const known = PREDICATE_TYPES[type];
  if (known && Object.hasOwn(PREDICATE_TYPES, type)) return known;
  if (isUri(type)) return { uri: type, body: type === PREDICATE_TYPES.custom!.uri ? 'custom' : 'json-object' };
  throw new OcisignError('USAGE', `unknown predicate type ${JSON.stringify(type)}: want a URI or one of ${Object.keys(PREDICATE_TYPES).join(', ')}`);
}

/** The URI a `--type` value stands for (for matching on verify). */
export function predicateTypeUri(type: string): string {
  return resolvePredicateType(type).uri;
}

function isUri(text: string): boolean {
  return /^[a-zA-Z][a-zA-Z0-9+.-]*:\S+$/.test(text);
}
