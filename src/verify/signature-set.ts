import type { AttachmentLayer } from '../cosign/attachments.ts';
import { verifySignatureLayer, type SignatureCheck, type SignatureVerdict } from './signature-layer.ts';

export interface LayerOutcome {
  /** Position of the layer in the `.sig` manifest. */
  index: number;
  layerDigest: string;
  verdict: SignatureVerdict;
}

/** Check every layer of a `.sig` image (payloads already read); one outcome per layer, in order. */
export function verifySignatureSet(layers: readonly AttachmentLayer[], check: SignatureCheck): LayerOutcome[] {
  return layers.map((layer, index) => ({
    index,
    layerDigest: layer.descriptor.digest,
    verdict: layer.payload
      ? verifySignatureLayer({ mediaType: layer.descriptor.mediaType, payload: layer.payload, annotations: layer.annotations }, check)
      : { ok: false, reason: 'payload was not read' },
  }));
}

/** One line per failed layer, for stderr: `layer 0 (sha256:…): reason`. */
export function describeFailures(outcomes: readonly LayerOutcome[]): string[] {
  return outcomes.flatMap((o) => (o.verdict.ok ? [] : [`signature ${o.index} (layer ${o.layerDigest}): ${o.verdict.reason}`]));
}
