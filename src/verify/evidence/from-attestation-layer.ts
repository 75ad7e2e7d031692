/**
 * A cosign 2 `.att` layer (a DSSE envelope, with the same optional annotations as a `.sig` layer) as evidence:
 * a DSSE bundle, one per envelope signature (a Rekor entry records exactly one).
 */
import { CosignMediaType } from '../../cosign/media-types.ts';
import { fail, pass, type Check } from '../../sigstore/check.ts';
import type { Evidence, Origin } from '../evidence.ts';
import { BUNDLE_V01_MEDIA_TYPE } from './bundle-media-types.ts';
import { parseEnvelope } from './envelope.ts';
import { legacyMaterial } from './legacy-material.ts';

export interface AttestationLayerInput {
  mediaType: string;
  /** The exact layer bytes (the envelope JSON). */
  envelope: Uint8Array;
  annotations: Readonly<Record<string, string>>;
}

export function evidenceFromAttestationLayer(layer: AttestationLayerInput, origin: Origin): Check<Evidence[]> {
  if (layer.mediaType !== CosignMediaType.DsseEnvelope) return fail(`unknown layer media type ${layer.mediaType} (want ${CosignMediaType.DsseEnvelope})`);
  const envelope = parseEnvelope(layer.envelope);
  if (!envelope.ok) return envelope;
  const material = legacyMaterial(layer.annotations);
  if (!material.ok) return material;
  const { payloadType, payload, signatures } = envelope.value;
  return pass(
    signatures.map((sig) => ({
      origin,
      mediaType: BUNDLE_V01_MEDIA_TYPE,
      bundle: {
        mediaType: BUNDLE_V01_MEDIA_TYPE,
        verificationMaterial: material.value.verificationMaterial,
        content: { $case: 'dsseEnvelope' as const, dsseEnvelope: { payloadType, payload, signatures: [sig] } },
      },
      content: { kind: 'dsse' as const, payloadType, payload },
      untrustedIntermediates: material.value.untrustedIntermediates,
      timestamped: layer.envelope,
    })),
  );
}
