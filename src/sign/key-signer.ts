import { constants, sign as cryptoSign, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { createRequire } from 'node:module';
import { OcisignError } from '../core/errors.ts';
import type { Password } from './encrypted-key.ts';
import { describeKey, loadPrivateKey, parsePublicKey, publicKeyOf, type KeyInfo } from './keys.ts';
import type { Signer, Verifier } from './signer.ts';

export type HashName = 'sha256' | 'sha384' | 'sha512';

/*
 * Hash per key type — what cosign 2.5 really does (read from cosign v2.5.0..v2.5.3 pkg/cosign/keys.go
 * LoadPrivateKey, pkg/signature/keys.go VerifierForKeyRef, and sigstore v1.9 LoadVerifier):
 *
 *   sign --key:   ECDSA (every curve) → SHA-256, ASN.1 DER;  RSA → PKCS#1 v1.5 SHA-256;  Ed25519 → PURE Ed25519.
 *   verify --key: LoadVerifier(pub, --signature-digest-algorithm = sha256): the same, Ed25519 pure.
 *
 * cosign ≥ 2.6 changed *signing* only: LoadDefaultSignerVerifier + GetDefaultLoadOptions(WithED25519ph) sign
 * P-384 with SHA-384, P-521 with SHA-512 and Ed25519 keys as Ed25519ph, while `verify --key` still loads the
 * key with LoadVerifier(pub, sha256) (pure Ed25519, SHA-256). So SHA-256 / pure Ed25519 is the one choice that
 * every cosign `verify --key` accepts by default, and it is ocisign's signing default. (Checked: cosign 2.5 and
 * 3.1 sign an Ed25519 key file pure Ed25519 too unless they log to Rekor, whose hashedrekord takes only Ed25519ph.)
 *
 * Verifying, ocisign accepts for ECDSA both SHA-256 and the curve's own hash (so P-384/P-521 signatures made by
 * cosign ≥ 2.6 verify too); each is a sound ECDSA check, the set only widens which cosign versions interoperate.
 * For Ed25519 it accepts pure Ed25519 and Ed25519ph (RFC 8032, empty context: what cosign ≥ 2.6 signs with an
 * Ed25519 key); the two are domain-separated, so accepting both opens no forgery. Node's crypto has no Ed25519ph:
 * @noble/curves checks it, loaded only for Ed25519 keys.
 */
export const CURVE_HASH: Record<KeyInfo['algorithm'], HashName | null> = {
  'ecdsa-p256': 'sha256',
  'ecdsa-p384': 'sha384',
  'ecdsa-p521': 'sha512',
  rsa: 'sha256',
  ed25519: null,
};

export interface KeySignerOptions {
  /** Digest for ECDSA/RSA signatures; default 'sha256' (cosign 2.5 for every key). Ignored for Ed25519. */
  hash?: HashName;
}

/** A Signer over a private key, signing as `cosign sign --key` 2.5 does. */
export class KeySigner implements Signer {
  readonly publicKey: KeyObject;
  readonly info: KeyInfo;
  readonly hash: HashName | null;
  readonly #privateKey: KeyObject;

  constructor(privateKey: KeyObject, options: KeySignerOptions = {}) {
    if (privateKey.type !== 'private') throw new OcisignError('USAGE', 'a KeySigner needs a private key');
    this.info = describeKey(privateKey, 'signing key');
    this.#privateKey = privateKey;
    this.publicKey = publicKeyOf(privateKey);
    this.hash = this.info.algorithm === 'ed25519' ? null : (options.hash ?? 'sha256');
  }

  /** Decrypt a cosign key file's text and make a signer of it. */
  static async fromEncryptedPem(pemText: string, password: Password, source: string, options?: KeySignerOptions): Promise<KeySigner> {
    return new KeySigner(await loadPrivateKey(pemText, password, source), options);
  }

  sign(data: Uint8Array): Promise<Uint8Array> {
    const key = this.info.algorithm === 'rsa'
      ? { key: this.#privateKey, padding: constants.RSA_PKCS1_PADDING }
      : { key: this.#privateKey, dsaEncoding: 'der' as const };
    return new Promise((resolve, reject) => {
      cryptoSign(this.hash, data, key, (err, signature) => (err ? reject(err) : resolve(new Uint8Array(signature))));
    });
  }
}

export interface KeyVerifierOptions {
  /** Digests tried for ECDSA/RSA; default SHA-256 plus the ECDSA curve's own hash (see above). */
  hashes?: HashName[];
}

/** A Verifier over one public key, accepting what cosign signs with the matching private key. */
export class KeyVerifier implements Verifier {
  readonly publicKey: KeyObject;
  readonly info: KeyInfo;
  readonly hashes: readonly (HashName | null)[];
  /** The raw 32-byte Ed25519 public key, for Ed25519ph. */
  readonly #ed25519Raw: Uint8Array | undefined;

  constructor(publicKey: KeyObject, options: KeyVerifierOptions = {}) {
    this.publicKey = publicKeyOf(publicKey);
    this.info = describeKey(this.publicKey, 'verification key');
    this.hashes = this.info.algorithm === 'ed25519' ? [null] : (options.hashes ?? defaultHashes(this.info));
    if (this.info.algorithm === 'ed25519') this.#ed25519Raw = Buffer.from(this.publicKey.export({ format: 'jwk' }).x!, 'base64url');
  }

  /** Parse a `PUBLIC KEY` / `RSA PUBLIC KEY` PEM and make a verifier of it. */
  static fromPem(pemText: string, source: string, options?: KeyVerifierOptions): KeyVerifier {
    return new KeyVerifier(parsePublicKey(pemText, source), options);
  }

  verify(data: Uint8Array, signature: Uint8Array): boolean {
    if (signature.length === 0) return false;
    if (this.hashes.some((hash) => this.verifyWith(hash, data, signature))) return true;
    return this.#ed25519Raw !== undefined && verifyEd25519ph(this.#ed25519Raw, data, signature);
  }

  private verifyWith(hash: HashName | null, data: Uint8Array, signature: Uint8Array): boolean {
    const key = this.info.algorithm === 'rsa'
      ? { key: this.publicKey, padding: constants.RSA_PKCS1_PADDING }
      : { key: this.publicKey, dsaEncoding: 'der' as const };
    try {
      return cryptoVerify(hash, data, key, signature);
    } catch {
      return false;
    }
  }
}

type Ed25519ph = typeof import('@noble/curves/ed25519.js').ed25519ph;
let ed25519ph: Ed25519ph | undefined;

/** Ed25519ph (RFC 8032 §5.1, empty context), strict RFC 8032 rules rather than ZIP-215's (as Go's crypto/ed25519). */
export function verifyEd25519ph(publicKey: Uint8Array, data: Uint8Array, signature: Uint8Array): boolean {
  if (signature.length !== 64 || publicKey.length !== 32) return false;
  // Synchronous (verify is): require() of the ES module, which Node ≥ 22.12 supports.
  ed25519ph ??= (createRequire(import.meta.url)('@noble/curves/ed25519.js') as { ed25519ph: Ed25519ph }).ed25519ph;
  try {
    return ed25519ph.verify(signature, data, publicKey, { zip215: false });
  } catch {
    return false;
  }
}

function defaultHashes(info: KeyInfo): HashName[] {
  const own = CURVE_HASH[info.algorithm];
  return own && own !== 'sha256' ? ['sha256', own] : ['sha256'];
}
