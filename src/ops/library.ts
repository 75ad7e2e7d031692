/**
 * The one-call library API: `sign`, `attest`, `sbom` and `release` over an image reference string, with a key
 * file (cosign's format) or any `Signer`. What the CLI does, without the CLI: no environment is read (pass
 * `password`, `registry`), nothing is printed. The transparency log is used only when `rekorUrl` is given.
 *
 *   const results = await sign('registry.example/app@sha256:…', { key: 'cosign.key', password: process.env.KEY_PASSWORD });
 */
import { readFile } from 'node:fs/promises';
import { OcisignError, describeError } from '../core/errors.ts';
import type { RegistryClientOptions } from '../oci/client-options.ts';
import { openRepository } from '../oci/open.ts';
import { formatReference, lookupKey, parseReference, repositoryName, type Reference } from '../oci/reference.ts';
import type { Repository } from '../oci/repository.ts';
import { KeySigner } from '../sign/key-signer.ts';
import type { Signer } from '../sign/signer.ts';
import type { SbomFormat } from '../sbom/output/index.ts';
import { attestImages, type AttestResult } from './attest.ts';
import type { SignatureFormat } from './bundle-store.ts';
import { releaseImage, type ReleaseResult } from './release.ts';
import { generateSbom, type GeneratedSbom } from './sbom.ts';
import { signImages, type SignResult } from './sign.ts';

export interface KeyOptions {
  /** A cosign private key file (scrypt + secretbox), or … */
  key?: string;
  /** …its password (default ''); … */
  password?: string;
  /** …any Signer (a KMS, an HSM, a key already loaded). */
  signer?: Signer;
}

export interface CommonOptions extends KeyOptions {
  /** `bundle` (default, cosign 3), `legacy` (cosign 2's `.sig`/`.att` tags) or `both`. */
  format?: SignatureFormat;
  /** Upload to this Rekor (v1 API) and keep the entry in the signature. Default: no transparency log. */
  rekorUrl?: string;
  /** An RFC 3161 timestamp from this TSA endpoint (`…/api/v1/timestamp`). */
  timestampServerUrl?: string;
  /** Registry access: dispatcher, credentials, docker config, limits. */
  registry?: RegistryClientOptions;
  /** Store signatures/attestations in this repository (COSIGN_REPOSITORY). */
  repository?: string;
}

export interface LibrarySignOptions extends CommonOptions {
  /** `-a k=v`: signed claims (in the statement subject, or the simple-signing `optional`). */
  annotations?: Record<string, string>;
  /** Sign an index and every manifest it names. */
  recursive?: boolean;
}

export interface LibraryAttestOptions extends CommonOptions {
  /** The predicate: a file path, or its bytes. */
  predicate: string | Uint8Array;
  /** cosign's `--type` (cyclonedx, spdxjson, slsaprovenance1, custom, …) or a URI. */
  type?: string;
  recursive?: boolean;
}

/** Decrypt a cosign key file into a Signer (password '' when not given). */
export async function loadKeySigner(keyFile: string, password = ''): Promise<KeySigner> {
  let pem: string;
  try {
    pem = await readFile(keyFile, 'utf8');
  } catch (err) {
    throw new OcisignError('BAD_INPUT', `reading key ${keyFile}: ${describeError(err)}`, { cause: err });
  }
  return KeySigner.fromEncryptedPem(pem, password, keyFile);
}

/** Sign an image: `await sign('registry.example/app@sha256:…', { key: 'cosign.key', password })`. */
export async function sign(reference: string, options: LibrarySignOptions): Promise<SignResult[]> {
  const { signer, target, witnesses } = await prepare(reference, options);
  return signImages([{ ...target, signatures: target.attachments }], {
    signer,
    format: options.format,
    annotations: options.annotations,
    recursive: options.recursive === true,
    tlogUpload: options.rekorUrl !== undefined,
    ...witnesses,
  });
}

/** Attest an image: sign an in-toto statement with the predicate and store it beside the image. */
export async function attest(reference: string, options: LibraryAttestOptions): Promise<AttestResult[]> {
  const { signer, target, witnesses } = await prepare(reference, options);
  const bytes = typeof options.predicate === 'string' ? await readFile(options.predicate) : options.predicate;
  return attestImages([target], {
    signer,
    format: options.format,
    predicate: { bytes, source: typeof options.predicate === 'string' ? options.predicate : 'the predicate' },
    type: options.type ?? 'custom',
    recursive: options.recursive === true,
    tlogUpload: options.rekorUrl !== undefined,
    ...(witnesses.envelopeWitness ? { witness: witnesses.envelopeWitness } : {}),
    ...(witnesses.bundleWitness ? { bundleWitness: witnesses.bundleWitness } : {}),
  });
}

/** Generate the CycloneDX (or SPDX) SBOM of an image. */
export async function sbom(reference: string, options: { format?: SbomFormat; platform?: string; registry?: RegistryClientOptions; toolVersion?: string } = {}): Promise<GeneratedSbom> {
  const ref = parseReference(reference);
  return generateSbom(
    { kind: 'image', repository: openRepository(ref, options.registry ?? {}), ref, ...(options.platform ? { platform: options.platform } : {}) },
    { format: options.format ?? 'cyclonedx-json', toolVersion: options.toolVersion ?? 'library' },
  );
}

/** SBOM → sign → attest the SBOM, in one call (nothing is stored unless everything was signed and logged). */
export async function release(reference: string, options: CommonOptions & { attachSbom?: boolean; platform?: string; toolVersion?: string }): Promise<ReleaseResult> {
  const { signer, target, ref, witnesses } = await prepare(reference, options);
  return releaseImage(target, {
    signer,
    format: options.format,
    reference: ref,
    attachSbom: options.attachSbom === true,
    tlogUpload: options.rekorUrl !== undefined,
    toolVersion: options.toolVersion ?? 'library',
    ...(options.platform ? { platform: options.platform } : {}),
    ...witnesses,
  });
}

async function prepare(reference: string, options: CommonOptions) {
  const ref = parseReference(reference);
  const registry = options.registry ?? {};
  const signer = options.signer ?? (options.key !== undefined ? await loadKeySigner(options.key, options.password) : undefined);
  if (!signer) throw new OcisignError('USAGE', `signing ${reference}: give a key file (key) or a signer`);
  const attachments: Repository | undefined = options.repository ? openRepository(parseReference(options.repository), registry) : undefined;
  const target = {
    image: openRepository(ref, registry),
    ref: lookupKey(ref),
    name: formatReference(ref),
    dockerReference: repositoryName(ref),
    ...(attachments ? { attachments } : {}),
  };
  return { signer, target, ref: ref as Reference, witnesses: await serviceWitnesses(signer, options) };
}

async function serviceWitnesses(signer: Signer, options: CommonOptions) {
  if (!options.rekorUrl && !options.timestampServerUrl) return {};
  const { createDispatcher } = await import('../oci/registry/dispatcher.ts');
  const dispatcher = options.registry?.dispatcher ?? createDispatcher({});
  const urls = { dispatcher, ...(options.rekorUrl ? { rekorUrl: options.rekorUrl } : {}), ...(options.timestampServerUrl ? { tsaUrl: options.timestampServerUrl } : {}) };
  const [{ keyWitness }, { createBundleWitness }, { publicKeyVerifier }] = await Promise.all([
    import('../keyless/setup.ts'),
    import('../bundle/bundle-witness.ts'),
    import('../keyless/witness.ts'),
  ]);
  return {
    witness: keyWitness(signer.publicKey, urls),
    envelopeWitness: keyWitness(signer.publicKey, urls, 'dsse'),
    bundleWitness: createBundleWitness({ ...urls, verifier: publicKeyVerifier(signer.publicKey) }),
  };
}
