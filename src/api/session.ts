/**
 * What a library call needs around an operation: a registry client (one undici dispatcher, closed when the call
 * ends unless the caller brought its own), image targets opened from reference strings, public keys and trust
 * material loaded from what the caller gives. Nothing here reads process.env: callers pass what they want.
 */
import type { KeyObject } from 'node:crypto';
import { homedir } from 'node:os';
import type { RegistryClientOptions } from '../oci/client-options.ts';
import { openRepository } from '../oci/open.ts';
import { formatReference, lookupKey, parseReference, repositoryName } from '../oci/reference.ts';
import { createDispatcher } from '../oci/registry/dispatcher.ts';
import { loadVerifiers } from '../kms/load-key.ts';
import { KeyVerifier } from '../sign/key-signer.ts';
import type { Verifier } from '../sign/signer.ts';
import { defaultTufCachePath, trustedRootProvider } from '../sigstore/trust-source.ts';
import type { TrustedRoot } from '../sigstore/trusted-root.ts';
import { compileIdentityPolicy, type CompiledIdentityPolicy, type IdentityPolicy } from '../verify/identity.ts';

/** How registries are reached. Default: docker-style (TLS verified; plain HTTP only for loopback), no credentials. */
export type RegistryOptions = RegistryClientOptions;

/** A public key: a key file path, an `awskms://` or `pkcs11:` URI, PEM text, a KeyObject, or a Verifier. */
export type PublicKeyInput = string | KeyObject | Verifier;

/** Who may have signed, and how strictly: what `verify`'s and `verifyAttestations`' options share. */
export interface TrustInput {
  /** Trusted public keys; any one verifying a signature is enough. */
  keys?: readonly PublicKeyInput[];
  /** Trusted keyless signers (cosign's `--certificate-identity`, `--certificate-oidc-issuer`, … flags). */
  identities?: readonly IdentityPolicy[];
  /** A trusted_root.json path or a parsed root; default: the Sigstore public-good root through TUF. */
  trustedRoot?: string | TrustedRoot;
  /** TUF cache folder when `trustedRoot` is not given (default `~/.sigstore/ocisign-tuf`). */
  tufCachePath?: string;
  /** `--insecure-ignore-tlog`: accept signatures without a verified transparency-log entry. */
  insecureIgnoreTlog?: boolean;
  /** `--insecure-ignore-sct`: accept certificates without an embedded SCT. */
  insecureIgnoreSct?: boolean;
  /** Where signatures and attestations are stored (cosign's `COSIGN_REPOSITORY`). */
  repository?: string;
  registry?: RegistryOptions;
}

export interface Session {
  registry: RegistryOptions;
  close(): Promise<void>;
}

/** A registry client for one call; `close` releases its connections (not a caller's own dispatcher). */
export function openSession(registry: RegistryOptions = {}): Session {
  if (registry.dispatcher) return { registry, close: async () => {} };
  const dispatcher = createDispatcher({ insecure: registry.insecure, caCerts: registry.caCerts, env: registry.env });
  return { registry: { ...registry, dispatcher }, close: () => dispatcher.close() };
}

/** An image reference (registry or `oci:DIR[:TAG|@DIGEST]`) as the ops take it. */
export function openImage(image: string, session: Session, repository?: string) {
  const ref = parseReference(image);
  const attachments = repository ? openRepository(parseReference(repository), session.registry) : undefined;
  return {
    image: openRepository(ref, session.registry),
    ref: lookupKey(ref),
    name: formatReference(ref),
    dockerReference: repositoryName(ref),
    ...(attachments ? { attachments, signatures: attachments } : {}),
  };
}

/** Trusted keys as verifiers: key files, `awskms://` and `pkcs11:` URIs (kms/load-key.ts), PEM text, or objects. */
export async function verifiersOf(inputs: readonly PublicKeyInput[]): Promise<Verifier[]> {
  const out: Verifier[] = [];
  for (const input of inputs) {
    if (typeof input !== 'string') out.push('verify' in input ? input : new KeyVerifier(input));
    else if (input.includes('-----BEGIN')) out.push(KeyVerifier.fromPem(input, 'public key'));
    else out.push(...(await loadVerifiers(input, { env: {} })));
  }
  return out;
}

/** The trust the ops take: keys loaded, identities compiled, the root loaded only if a check needs it. */
export async function trustFrom(input: TrustInput): Promise<{
  verifiers: Verifier[];
  identities: CompiledIdentityPolicy[];
  trustedRoot: () => Promise<TrustedRoot>;
  ignoreTlog: boolean;
  ignoreSct: boolean;
}> {
  const verifiers = await verifiersOf(input.keys ?? []);
  const identities = (input.identities ?? []).map(compileIdentityPolicy);
  const root = input.trustedRoot;
  const trustedRoot =
    typeof root === 'object'
      ? async () => root
      : trustedRootProvider({ ...(root ? { trustedRootFile: root } : {}), tufCachePath: input.tufCachePath ?? defaultTufCache() });
  return { verifiers, identities, trustedRoot, ignoreTlog: input.insecureIgnoreTlog === true, ignoreSct: input.insecureIgnoreSct === true };
}

function defaultTufCache(): string {
  return defaultTufCachePath({}, homedir());
}
