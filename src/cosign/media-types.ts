/** Media types and annotation keys of cosign's attachment images (see reference §1.2, §1.3). */
export const CosignMediaType = {
  SimpleSigning: 'application/vnd.dev.cosign.simplesigning.v1+json',
  DsseEnvelope: 'application/vnd.dsse.envelope.v1+json',
} as const;

export const CosignAnnotation = {
  Signature: 'dev.cosignproject.cosign/signature',
  Certificate: 'dev.sigstore.cosign/certificate',
  Chain: 'dev.sigstore.cosign/chain',
  Bundle: 'dev.sigstore.cosign/bundle',
  Rfc3161Timestamp: 'dev.sigstore.cosign/rfc3161timestamp',
  PredicateType: 'predicateType',
} as const;

/** `critical.type` of a simple-signing payload. */
export const SIMPLE_SIGNING_TYPE = 'cosign container image signature';
