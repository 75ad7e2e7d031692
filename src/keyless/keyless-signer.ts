import { generateKeyPair, sign as cryptoSign, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import type { Dispatcher } from 'undici';
import { CosignAnnotation } from '../cosign/media-types.ts';
import type { Signer } from '../sign/signer.ts';
import { requestSigningCertificate, type IssuedCertificate } from './fulcio-client.ts';
import type { TokenIdentity } from './identity-token.ts';

const generate = promisify(generateKeyPair);

export interface KeylessSignerOptions {
  fulcioUrl: string;
  dispatcher: Dispatcher;
  token: string;
  /** From inspectIdentityToken: the subject the proof of possession signs. */
  identity: TokenIdentity;
}

/**
 * A Signer over an ephemeral P-256 key certified by Fulcio for the token's identity. The private key
 * lives only in this object (never written anywhere); signatures are ECDSA SHA-256, ASN.1 DER.
 */
export class KeylessSigner implements Signer {
  readonly publicKey: KeyObject;
  readonly certificate: IssuedCertificate;
  readonly #privateKey: KeyObject;

  private constructor(privateKey: KeyObject, publicKey: KeyObject, certificate: IssuedCertificate) {
    this.#privateKey = privateKey;
    this.publicKey = publicKey;
    this.certificate = certificate;
  }

  /** Make the key pair and get its certificate; throws IO naming Fulcio when it cannot. */
  static async create(options: KeylessSignerOptions): Promise<KeylessSigner> {
    const { privateKey, publicKey } = await generate('ec', { namedCurve: 'P-256' });
    const certificate = await requestSigningCertificate({
      fulcioUrl: options.fulcioUrl,
      dispatcher: options.dispatcher,
      token: options.token,
      subject: options.identity.subject,
      privateKey,
      publicKey,
    });
    return new KeylessSigner(privateKey, publicKey, certificate);
  }

  sign(data: Uint8Array): Promise<Uint8Array> {
    return new Promise((resolve, reject) => {
      cryptoSign('sha256', data, { key: this.#privateKey, dsaEncoding: 'der' }, (err, sig) => (err ? reject(err) : resolve(new Uint8Array(sig))));
    });
  }

  /** cosign's certificate and chain annotations (the chain may be "" when Fulcio sent only the leaf). */
  annotations(): Record<string, string> {
    return {
      [CosignAnnotation.Certificate]: this.certificate.leafPem,
      [CosignAnnotation.Chain]: this.certificate.chainPem.join(''),
    };
  }

  /** The leaf PEM: what Rekor records as the verifier. */
  get verifierPem(): string {
    return this.certificate.leafPem;
  }

  get verifierDer(): Uint8Array {
    return this.certificate.leaf.raw;
  }
}
