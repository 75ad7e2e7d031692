/**
 * The public library API of ocisign (named exports only). Every CLI command is a thin wrapper over one of the
 * ops functions exported here. Other areas (sign, verify, sbom, attest) add their exports below theirs.
 */
// core
export { OcisignError, EXIT_CODES, isOcisignError, type ErrorCode } from './core/errors.ts';
export { DEFAULT_LIMITS, type Limits } from './core/limits.ts';

// OCI: references, content, repositories
export {
  parseReference,
  parseRegistryReference,
  parseLayoutReference,
  formatReference,
  repositoryName,
  repositoryOnly,
  withDigest,
  withTag,
  type Reference,
  type RegistryReference,
  type LayoutReference,
} from './oci/reference.ts';
export { sha256Digest, isDigest, DigestVerifier } from './oci/digest.ts';
export { MediaType, MANIFEST_ACCEPT } from './oci/media-types.ts';
export { parseManifest, type Descriptor, type ImageManifest, type ImageIndex, type RawManifest, type Platform } from './oci/manifest.ts';
export type { Repository, BlobSource } from './oci/repository.ts';
export type { RegistryClientOptions, Logger, Credentials } from './oci/client-options.ts';
export { openRepository, type OpenOptions } from './oci/open.ts';
export { createLayoutRepository, type LayoutRepositoryOptions } from './oci/layout/layout-repository.ts';
export { createRegistryRepository } from './oci/registry/registry-repository.ts';
export { createDispatcher, type DispatcherOptions } from './oci/registry/dispatcher.ts';
export { writeTar, type TarEntry } from './oci/tar-writer.ts';
export { buildImage, buildIndex, sampleLayers, type ImageSpec, type LayerSpec, type BuiltImage, type BuiltIndex } from './oci/image-builder.ts';

// cosign tag scheme
export { attachmentTag, subjectOfAttachmentTag, type AttachmentKind } from './cosign/tags.ts';

// operations
export { digestImage, type DigestResult } from './ops/digest.ts';
export { triangulateImage, type TriangulateType, type TriangulateResult } from './ops/triangulate.ts';
export { treeImage, type TreeNode, type TreeAttachment, type TreeLayer } from './ops/tree.ts';
export { copyImage, type CopyOptions, type CopyResult } from './ops/copy.ts';

// verification (legacy .sig/.att tags and Sigstore bundles in OCI referrers, one pipeline)
export { verify, verifyAttestations, type VerifyImageOptions, type VerifyAttestationsOptions } from './api/verify.ts';
export type { PublicKeyInput, RegistryOptions, TrustInput } from './api/session.ts';
export { parseTrustedRoot, type TrustedRoot } from './sigstore/trusted-root.ts';
export { readTrustedRootFile as loadTrustedRoot } from './sigstore/trust-source.ts';
export type { IdentityPolicy } from './verify/identity.ts';
export type { VerifiedImage, VerifiedSignature } from './ops/verify.ts';
export type { VerifiedAttestations, VerifiedAttestation } from './ops/verify-attestation.ts';
export type { Origin } from './verify/evidence.ts';

// keys: key files, AWS KMS (awskms://) and PKCS#11 (pkcs11:) keys behind one Signer/Verifier seam
export type { Signer, Verifier } from './sign/signer.ts';
export { KeySigner, KeyVerifier, type KeySignerOptions, type KeyVerifierOptions, type HashName } from './sign/key-signer.ts';
export type { KeyAlgorithm, KeyInfo, GenerateAlgorithm } from './sign/keys.ts';
export {
  parseKeyRef,
  describeKeyRef,
  redactKeyRef,
  SUPPORTED_KEY_FORMS,
  type KeyRef,
  type FileKeyRef,
  type AwsKmsKeyRef,
  type Pkcs11KeyRef,
} from './kms/key-ref.ts';
export { loadSigner, startSigner, loadVerifiers, loadPublicKey, type LoadKeyOptions, type KeyInput } from './kms/load-key.ts';
export { KMS_RAW_LIMIT } from './kms/aws-kms.ts';
export {
  generateKeyPair,
  importKeyPair,
  publicKeyFromFile,
  generateKmsKeyPair,
  type PasswordProvider,
  type KeyPairFiles,
  type WriteKeyPairOptions,
  type GenerateKmsKeyOptions,
} from './ops/keys.ts';

// deploy gate: the images of Kubernetes / Compose manifests (manifest verify)
export {
  verifyManifests,
  type VerifyManifestsOptions,
  type ManifestKeyVerification,
  type ManifestPolicyVerification,
  type ManifestReport,
  type ManifestImageResult,
  type ManifestInput,
  type ManifestLimits,
} from './ops/manifest-verify.ts';
export { DEFAULT_MANIFEST_LIMITS } from './manifests/inputs.ts';
export { loadPolicyWithKeys, type PolicyVerifyOptions } from './ops/policy.ts';

// OCI 1.1 referrers (storage: referrers API, sha256-<hex> fallback index, layouts)
export { referrersTag } from './oci/referrers/referrers-tag.ts';
export { buildArtifactManifest, pushArtifact, EMPTY_CONFIG, type ArtifactSpec, type ArtifactLayer } from './oci/referrers/artifact-manifest.ts';
export type { ReferrersListing, ReferrersVia, ListReferrersOptions, PushReferrerResult, PushReferrerOptions } from './oci/repository.ts';

// signing, attesting, SBOMs, releases: the one-call API (and the ops underneath)
export { sign, attest, sbom, release, loadKeySigner, type KeyOptions, type CommonOptions, type LibrarySignOptions, type LibraryAttestOptions } from './ops/library.ts';
export { signImages, type SignOptions, type SignTarget, type SignResult, type SignedManifest } from './ops/sign.ts';
export { attestImages, type AttestOptions, type AttestResult, type AttestedManifest, type ImageTarget } from './ops/attest.ts';
export { releaseImage, type ReleaseOptions, type ReleaseResult } from './ops/release.ts';
export type { SignatureFormat, StoredBundle } from './ops/bundle-store.ts';
export type { GeneratedSbom } from './ops/sbom.ts';
export type { SbomFormat } from './sbom/output/index.ts';
export { BUNDLE_V03_MEDIA_TYPE, COSIGN_SIGN_PREDICATE_TYPE } from './bundle/media-types.ts';
