import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { OcisignError } from '../core/errors.ts';
import { decryptPrivateKey, encryptPrivateKey, type EncryptOptions, type Password } from './encrypted-key.ts';
import { decodePem, encodePem } from './pem.ts';

/** The key types cosign supports (`SupportedKeyDetails`): ECDSA P-256/384/521, RSA, Ed25519. */
export type KeyAlgorithm = 'ecdsa-p256' | 'ecdsa-p384' | 'ecdsa-p521' | 'rsa' | 'ed25519';
/** What `generateKeyPair` can make. */
export type GenerateAlgorithm = 'ecdsa-p256' | 'ecdsa-p384' | 'ecdsa-p521' | 'rsa-2048' | 'rsa-3072' | 'rsa-4096' | 'ed25519';

export interface KeyInfo {
  algorithm: KeyAlgorithm;
  /** RSA modulus length in bits. */
  bits?: number;
}

export const MIN_RSA_BITS = 2048;
/** An upper bound so a hostile public key cannot make verification arbitrarily slow. */
export const MAX_RSA_BITS = 16384;
/** The RSA sizes cosign's import accepts (sigstore goodkey policy). */
const IMPORT_RSA_BITS = [2048, 3072, 4096];

const CURVES: Record<string, KeyAlgorithm> = {
  prime256v1: 'ecdsa-p256',
  secp384r1: 'ecdsa-p384',
  secp521r1: 'ecdsa-p521',
};

/** Classify a key (private or public); throws BAD_INPUT for any type cosign does not support. */
export function describeKey(key: KeyObject, source: string): KeyInfo {
  const type = key.asymmetricKeyType;
  const details = key.asymmetricKeyDetails ?? {};
  if (type === 'ec') {
    const algorithm = CURVES[details.namedCurve ?? ''];
    if (!algorithm) throw unsupported(source, `ECDSA curve ${details.namedCurve ?? 'unknown'}`);
    return { algorithm };
  }
  if (type === 'rsa') {
    const bits = details.modulusLength ?? 0;
    if (bits < MIN_RSA_BITS) throw unsupported(source, `RSA key of ${bits} bits (minimum ${MIN_RSA_BITS})`);
    if (bits > MAX_RSA_BITS) throw unsupported(source, `RSA key of ${bits} bits (maximum ${MAX_RSA_BITS})`);
    return { algorithm: 'rsa', bits };
  }
  if (type === 'ed25519') return { algorithm: 'ed25519' };
  throw unsupported(source, `key type ${type ?? 'unknown'}`);
}

function unsupported(source: string, what: string): OcisignError {
  return new OcisignError('BAD_INPUT', `loading key ${source}: unsupported ${what} (supported: ECDSA P-256/P-384/P-521, RSA 2048+, Ed25519)`);
}

/** Generate a fresh private key; ECDSA P-256 by default, as `cosign generate-key-pair`. */
export function generatePrivateKey(algorithm: GenerateAlgorithm = 'ecdsa-p256'): KeyObject {
  if (algorithm.startsWith('ecdsa-')) {
    const namedCurve = { 'ecdsa-p256': 'P-256', 'ecdsa-p384': 'P-384', 'ecdsa-p521': 'P-521' }[algorithm as 'ecdsa-p256'];
    return generateKeyPairSync('ec', { namedCurve }).privateKey;
  }
  if (algorithm.startsWith('rsa-')) {
    return generateKeyPairSync('rsa', { modulusLength: Number(algorithm.slice(4)), publicExponent: 65537 }).privateKey;
  }
  if (algorithm === 'ed25519') return generateKeyPairSync('ed25519').privateKey;
  throw new OcisignError('USAGE', `unsupported key algorithm ${JSON.stringify(algorithm)}`);
}

/** The PKCS#8 DER of a private key (what cosign encrypts). */
export function exportPkcs8(key: KeyObject): Buffer {
  return key.export({ format: 'der', type: 'pkcs8' });
}

/** Encrypt a private key as cosign's `ENCRYPTED SIGSTORE PRIVATE KEY` PEM. */
export function encryptKeyObject(key: KeyObject, password: Password, options: EncryptOptions = {}): Promise<string> {
  return encryptPrivateKey(exportPkcs8(key), password, options);
}

/**
 * Load a cosign encrypted private key (`cosign.key`, either PEM label): decrypt, then parse the plaintext as
 * PKCS#8 only, as cosign's LoadPrivateKey does (a SEC1 plaintext is refused, as cosign refuses it).
 */
export async function loadPrivateKey(pemText: string, password: Password, source: string): Promise<KeyObject> {
  const der = await decryptPrivateKey(pemText, password, source);
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  } catch (err) {
    throw new OcisignError('BAD_INPUT', `loading key ${source}: decrypted key is not a PKCS#8 private key`, { cause: err });
  } finally {
    der.fill(0);
  }
  describeKey(key, source);
  return key;
}

const UNENCRYPTED_TYPES: Record<string, 'pkcs8' | 'sec1' | 'pkcs1'> = {
  'PRIVATE KEY': 'pkcs8',
  'EC PRIVATE KEY': 'sec1',
  'RSA PRIVATE KEY': 'pkcs1',
};

/**
 * Parse an unencrypted private key for `import-key-pair`: PEM `PRIVATE KEY` (PKCS#8: RSA, ECDSA, Ed25519),
 * `EC PRIVATE KEY` (SEC1) or `RSA PRIVATE KEY` (PKCS#1). RSA must be 2048, 3072 or 4096 bits with e=65537,
 * as cosign's goodkey check requires.
 */
export function parseUnencryptedPrivateKey(pemText: string, source: string): KeyObject {
  const block = decodePem(pemText, source);
  const type = UNENCRYPTED_TYPES[block.label];
  if (!type) {
    throw new OcisignError(
      'BAD_INPUT',
      `reading ${source}: unsupported PEM type "${block.label}" (want "PRIVATE KEY", "EC PRIVATE KEY" or "RSA PRIVATE KEY")`,
    );
  }
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: block.der, format: 'der', type });
  } catch (err) {
    throw new OcisignError('BAD_INPUT', `reading ${source}: invalid ${block.label}`, { cause: err });
  } finally {
    block.der.fill(0);
  }
  checkImportable(key, describeKey(key, source), source);
  return key;
}

function checkImportable(key: KeyObject, info: KeyInfo, source: string): void {
  if (info.algorithm !== 'rsa') return;
  if (!IMPORT_RSA_BITS.includes(info.bits ?? 0)) {
    throw new OcisignError('BAD_INPUT', `importing ${source}: RSA key of ${info.bits} bits (cosign accepts 2048, 3072 or 4096)`);
  }
  if (key.asymmetricKeyDetails?.publicExponent !== 65537n) {
    throw new OcisignError('BAD_INPUT', `importing ${source}: RSA public exponent must be 65537`);
  }
}

/** Parse a public key PEM: `PUBLIC KEY` (SPKI) or `RSA PUBLIC KEY` (PKCS#1), of a supported type. */
export function parsePublicKey(pemText: string, source: string): KeyObject {
  const block = decodePem(pemText, source);
  const type = block.label === 'PUBLIC KEY' ? 'spki' : block.label === 'RSA PUBLIC KEY' ? 'pkcs1' : undefined;
  if (!type) {
    throw new OcisignError('BAD_INPUT', `reading ${source}: unsupported PEM type "${block.label}" (want "PUBLIC KEY" or "RSA PUBLIC KEY")`);
  }
  let key: KeyObject;
  try {
    key = createPublicKey({ key: block.der, format: 'der', type });
  } catch (err) {
    throw new OcisignError('BAD_INPUT', `reading ${source}: invalid ${block.label}`, { cause: err });
  }
  describeKey(key, source);
  return key;
}

/** The public half of a key (a public key is returned as is). */
export function publicKeyOf(key: KeyObject): KeyObject {
  return key.type === 'public' ? key : createPublicKey(key);
}

/** SPKI DER of a key's public half. */
export function publicKeyDer(key: KeyObject): Buffer {
  return publicKeyOf(key).export({ format: 'der', type: 'spki' });
}

/** PEM `PUBLIC KEY` (SPKI), as cosign writes `cosign.pub`. */
export function publicKeyPem(key: KeyObject): string {
  return encodePem('PUBLIC KEY', publicKeyDer(key));
}

/** Lower-case hex sha256 of the SPKI DER (the fingerprint used by the interop fixtures and Rekor log IDs). */
export function publicKeyFingerprint(key: KeyObject): string {
  return createHash('sha256').update(publicKeyDer(key)).digest('hex');
}
