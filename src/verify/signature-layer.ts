import { decodeBase64Strict } from '../cosign/base64.ts';
import { CosignAnnotation, CosignMediaType } from '../cosign/media-types.ts';
import type { Verifier } from '../sign/signer.ts';
import { checkClaims, parseSimpleSigningClaims, type SimpleSigningClaims } from './simple-signing-claims.ts';
import type { TlogCheck } from './tlog-check.ts';

/** One signature as stored: a `.sig` layer (or a containers/image dir signature). */
export interface SignatureLayerInput {
  mediaType: string;
  payload: Uint8Array;
  annotations: Readonly<Record<string, string>>;
}

export interface SignatureCheck {
  /** The image digest the signature must name. */
  digest: string;
  /** Trusted keys; any one verifying is enough. */
  verifiers: readonly Verifier[];
  /** `-a k=v`: each must be in the payload's `optional`, as a string. */
  annotations?: Readonly<Record<string, string>>;
  /** `--check-docker-reference`: the payload's docker-reference must equal this. */
  dockerReference?: string;
  tlog: TlogCheck;
}

export type SignatureVerdict =
  | { ok: true; claims: SimpleSigningClaims; payload: Uint8Array }
  | { ok: false; reason: string };

/** Check one signature over its exact payload bytes; a failure is a verdict with a reason, never a throw. */
export function verifySignatureLayer(layer: SignatureLayerInput, check: SignatureCheck): SignatureVerdict {
  if (layer.mediaType !== CosignMediaType.SimpleSigning) {
    return fail(`layer media type ${layer.mediaType} is not a simple-signing signature`);
  }
  const b64 = layer.annotations[CosignAnnotation.Signature];
  if (b64 === undefined || b64 === '') return fail(`no ${CosignAnnotation.Signature} annotation`);
  const signature = decodeBase64Strict(b64);
  if (!signature) return fail('signature annotation is not valid base64');
  if (!check.verifiers.some((v) => safeVerify(v, layer.payload, signature))) {
    return fail(check.verifiers.length === 1 ? 'signature does not verify with the public key' : `signature does not verify with any of the ${check.verifiers.length} public keys`);
  }
  const claims = parseSimpleSigningClaims(layer.payload);
  if (typeof claims === 'string') return fail(claims);
  const claimFailure = checkClaims(claims, check);
  if (claimFailure) return fail(claimFailure);
  const tlogFailure = check.tlog({ payload: layer.payload, signature, annotations: layer.annotations });
  if (tlogFailure) return fail(tlogFailure);
  return { ok: true, claims, payload: layer.payload };
}

function safeVerify(v: Verifier, data: Uint8Array, sig: Uint8Array): boolean {
  try {
    return v.verify(data, sig);
  } catch {
    return false; // e.g. a malformed DER signature
  }
}

function fail(reason: string): SignatureVerdict {
  return { ok: false, reason };
}
