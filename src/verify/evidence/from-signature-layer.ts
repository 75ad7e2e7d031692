/**
 * A cosign 2 `.sig` layer (simple-signing payload, `dev.cosignproject.cosign/signature`, optional certificate,
 * chain, Rekor SET and RFC 3161 timestamp) as evidence: a message-signature bundle over the payload bytes.
 */
import { createHash } from 'node:crypto';
import { decodeBase64Strict } from '../../cosign/base64.ts';
import { CosignAnnotation, CosignMediaType } from '../../cosign/media-types.ts';
import { fail, pass, type Check } from '../../sigstore/check.ts';
import type { Evidence, Origin } from '../evidence.ts';
import { BUNDLE_V01_MEDIA_TYPE } from './bundle-media-types.ts';
import { legacyMaterial } from './legacy-material.ts';

export interface SignatureLayerInput {
  mediaType: string;
  /** The exact layer bytes (the signed payload). */
  payload: Uint8Array;
  annotations: Readonly<Record<string, string>>;
}

export function evidenceFromSignatureLayer(layer: SignatureLayerInput, origin: Origin): Check<Evidence> {
  if (layer.mediaType !== CosignMediaType.SimpleSigning) return fail(`layer media type ${layer.mediaType} is not a simple-signing signature`);
  const b64 = layer.annotations[CosignAnnotation.Signature];
  if (b64 === undefined || b64 === '') return fail(`no ${CosignAnnotation.Signature} annotation`);
  const signature = decodeBase64Strict(b64);
  if (!signature || signature.byteLength === 0) return fail('signature annotation is not valid base64');
  const material = legacyMaterial(layer.annotations);
  if (!material.ok) return material;
  const payload = Buffer.from(layer.payload.buffer, layer.payload.byteOffset, layer.payload.byteLength);
  return pass({
    origin,
    mediaType: BUNDLE_V01_MEDIA_TYPE,
    bundle: {
      mediaType: BUNDLE_V01_MEDIA_TYPE,
      verificationMaterial: material.value.verificationMaterial,
      content: {
        $case: 'messageSignature',
        messageSignature: {
          messageDigest: { algorithm: 1 /* SHA2_256 */, digest: createHash('sha256').update(payload).digest() },
          signature: Buffer.from(signature),
        },
      },
    },
    artifact: payload,
    content: { kind: 'simple-signing', payload },
    untrustedIntermediates: material.value.untrustedIntermediates,
  });
}
