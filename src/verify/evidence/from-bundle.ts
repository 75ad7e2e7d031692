/**
 * A Sigstore bundle (v0.1–v0.3, DSSE or message signature; both spellings of the v0.3 media type) as
 * evidence. Parsed within limits and checked against the rules of its own version (v0.1 needs inclusion
 * promises, v0.2+ inclusion proofs, v0.3 a single certificate); anything else is a reason.
 */
import { assertBundleLatest, assertBundleV01, assertBundleV02, bundleFromJSON, type Bundle } from '@sigstore/bundle';
import { parseBoundedJson } from '../../core/bounded-json.ts';
import { fail, pass, type Check } from '../../sigstore/check.ts';
import type { Evidence, Origin } from '../evidence.ts';
import { bundleVersion } from './bundle-media-types.ts';

/** Bundles are small (a certificate, a log entry, an envelope); an SBOM attestation can be large. */
export const MAX_BUNDLE_BYTES = 128 * 1024 * 1024;

export function evidenceFromBundle(bytes: Uint8Array, origin: Origin, artifact?: Uint8Array): Check<Evidence> {
  const parsed = parseBoundedJson(bytes, { maxBytes: MAX_BUNDLE_BYTES });
  if (!parsed.ok) return fail(`sigstore bundle: ${parsed.reason}`);
  return evidenceFromBundleJson(parsed.value, origin, artifact);
}

export function evidenceFromBundleJson(json: unknown, origin: Origin, artifact?: Uint8Array): Check<Evidence> {
  const mediaType = (json as { mediaType?: unknown } | null)?.mediaType;
  const version = typeof mediaType === 'string' ? bundleVersion(mediaType) : undefined;
  if (version === undefined) return fail(`sigstore bundle: unsupported media type ${JSON.stringify(mediaType)}`);
  let bundle: Bundle;
  try {
    bundle = bundleFromJSON(json);
    if (version === '0.1') assertBundleV01(bundle);
    else if (version === '0.2') assertBundleV02(bundle);
    else if (version === '0.3') assertBundleLatest(bundle);
    else return fail(`sigstore bundle: unsupported version ${version}`);
  } catch (err) {
    const fields = (err as { fields?: unknown }).fields;
    return fail(`malformed sigstore bundle: ${(err as Error).message}${Array.isArray(fields) ? ` (${fields.join(', ')})` : ''}`);
  }
  const content: Evidence['content'] =
    bundle.content.$case === 'dsseEnvelope'
      ? { kind: 'dsse', payloadType: bundle.content.dsseEnvelope.payloadType, payload: bundle.content.dsseEnvelope.payload }
      : { kind: 'message', digest: messageDigest(bundle) };
  return pass({
    origin,
    mediaType: mediaType as string,
    bundle,
    ...(artifact ? { artifact } : {}),
    content,
    untrustedIntermediates: [],
  });
}

function messageDigest(bundle: Bundle): string {
  if (bundle.content.$case !== 'messageSignature') return '';
  const { algorithm, digest } = bundle.content.messageSignature.messageDigest;
  const name = algorithm === 1 ? 'sha256' : algorithm === 2 ? 'sha384' : algorithm === 3 ? 'sha512' : `alg${algorithm}`;
  return `${name}:${Buffer.from(digest).toString('hex')}`;
}
