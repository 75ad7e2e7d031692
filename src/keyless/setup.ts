import type { KeyObject } from 'node:crypto';
import type { Dispatcher } from 'undici';
import { OcisignError } from '../core/errors.ts';
import type { Signer } from '../sign/signer.ts';
import { findIdentityToken, inspectIdentityToken, type TokenIdentity } from './identity-token.ts';
import { KeylessSigner } from './keyless-signer.ts';
import { createWitness, publicKeyVerifier, type EntryKind, type SignatureWitness } from './witness.ts';

/** What `signImage(s)` needs beyond the targets: the signer and what makes its signatures claimable. */
export interface SigningSetup {
  signer: Signer;
  witness?: SignatureWitness;
  /** The same services for attestations: a dsse entry for the envelope. */
  envelopeWitness?: SignatureWitness;
  layerAnnotations?: Record<string, string>;
  /** Keyless: who the certificate names. */
  identity?: TokenIdentity;
}

export interface ServiceUrls {
  dispatcher: Dispatcher;
  /** Rekor to upload to; undefined: `--tlog-upload=false`. */
  rekorUrl?: string;
  /** `--timestamp-server-url`. */
  tsaUrl?: string;
}

export interface KeylessSetupOptions extends ServiceUrls {
  fulcioUrl: string;
  /** `--identity-token` (a token or a file holding one). */
  identityToken?: string;
  env: Readonly<Record<string, string | undefined>>;
  /** Default /var/run/sigstore/cosign/oidc-token. */
  tokenFile?: string;
  now?: Date;
  /** One stderr line. */
  log: (line: string) => void;
  /** Asked after showing who will sign, before anything leaves the machine; false cancels. */
  confirm?: () => Promise<boolean>;
}

/**
 * Keyless: find and check the identity token, say who will sign, confirm, then get an ephemeral key
 * certified by Fulcio. Everything that can be refused locally (no token, malformed, wrong audience,
 * expired) is refused before any network call.
 */
export async function setupKeylessSigning(options: KeylessSetupOptions): Promise<SigningSetup> {
  const found = await findIdentityToken({
    ...(options.identityToken !== undefined ? { flag: options.identityToken } : {}),
    env: options.env,
    dispatcher: options.dispatcher,
    ...(options.tokenFile ? { tokenFile: options.tokenFile } : {}),
  });
  const identity = inspectIdentityToken(found.token, options.now, `identity token from ${found.source}`);
  options.log(`Signing as ${identity.subject} (oidc issuer ${identity.issuer}; token from ${found.source})`);
  if (options.confirm && !(await options.confirm())) throw new OcisignError('USAGE', 'signing cancelled: not confirmed');
  const signer = await KeylessSigner.create({ fulcioUrl: options.fulcioUrl, dispatcher: options.dispatcher, token: found.token, identity });
  options.log(`Got a signing certificate from ${options.fulcioUrl}`);
  const verifier = { pem: signer.verifierPem, der: signer.verifierDer };
  const witness = serviceWitness(verifier, options, 'hashedrekord');
  const envelopeWitness = serviceWitness(verifier, options, 'dsse');
  return { signer, ...(witness ? { witness } : {}), ...(envelopeWitness ? { envelopeWitness } : {}), layerAnnotations: signer.annotations(), identity };
}

/** Key-based signing with `--tlog-upload` and/or a TSA: the witness, recording the public key. */
export function keyWitness(publicKey: KeyObject, urls: ServiceUrls, kind: EntryKind = 'hashedrekord'): SignatureWitness | undefined {
  return serviceWitness(publicKeyVerifier(publicKey), urls, kind);
}

function serviceWitness(verifier: { pem: string; der: Uint8Array }, urls: ServiceUrls, kind: EntryKind): SignatureWitness | undefined {
  if (!urls.rekorUrl && !urls.tsaUrl) return undefined;
  return createWitness({ dispatcher: urls.dispatcher, rekorUrl: urls.rekorUrl, tsaUrl: urls.tsaUrl, verifier, kind });
}

/** The privacy notice cosign shows before keyless signing (the identity ends up in a public log). */
export const KEYLESS_NOTICE =
  'Note that there may be personally identifiable information associated with this signed artifact. ' +
  'This may include the email address associated with the account with which you authenticate. ' +
  'This information will be used for signing this artifact and will be stored in public transparency logs and cannot be removed later.';
