import { assertDigest } from '../oci/digest.ts';
import { goJsonString, goJsonStringMap } from './go-json.ts';
import { SIMPLE_SIGNING_TYPE } from './media-types.ts';

export interface SimpleSigningInput {
  /** The tag-less repository of the signed image, e.g. `ghcr.io/acme/app` (cosign: `ref.Context().Name()`). */
  dockerReference: string;
  /** The signed manifest digest. */
  digest: string;
  /** `-a key=value` annotations; `undefined` or empty gives `"optional":null` as cosign writes. */
  annotations?: Readonly<Record<string, string>>;
}

/**
 * The simple-signing payload, byte-identical to cosign's `json.Marshal(payload.SimpleContainerImage)`:
 * `{"critical":{"identity":{"docker-reference":…},"image":{"docker-manifest-digest":…},"type":…},"optional":…}`.
 */
export function buildSimpleSigningPayload(input: SimpleSigningInput): Uint8Array {
  assertDigest(input.digest, 'image digest');
  const annotations = input.annotations ?? {};
  const optional = Object.keys(annotations).length === 0 ? 'null' : goJsonStringMap(annotations);
  const text =
    `{"critical":{"identity":{"docker-reference":${goJsonString(input.dockerReference)}},` +
    `"image":{"docker-manifest-digest":${goJsonString(input.digest)}},` +
    `"type":${goJsonString(SIMPLE_SIGNING_TYPE)}},"optional":${optional}}`;
  return new TextEncoder().encode(text);
}
