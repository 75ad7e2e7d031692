import { randomBytes as nodeRandomBytes, scrypt } from 'node:crypto';
import { OcisignError } from '../core/errors.ts';
import { decodeBase64Strict, decodePem, encodePem } from './pem.ts';

/**
 * cosign's encrypted private-key format (go-securesystemslib `encrypted`): scrypt derives a 32-byte key from
 * the password, NaCl secretbox (XSalsa20-Poly1305) seals the PKCS#8 DER, and the JSON envelope is wrapped in a
 * PEM block. See cosign-wire-format.md §3.1.
 */
export const SIGSTORE_KEY_LABEL = 'ENCRYPTED SIGSTORE PRIVATE KEY';
/** The label of keys written by cosign before v2.0.1; still accepted when loading. */
export const COSIGN_KEY_LABEL = 'ENCRYPTED COSIGN PRIVATE KEY';

/** The only scrypt costs go-securesystemslib's Decrypt accepts (legacy, standard, OWASP), each with r=8 p=1. */
export const ACCEPTED_SCRYPT_N: readonly number[] = Object.freeze([32768, 65536, 131072]);
/** cosign ≥ 2.2's "standard" cost. */
export const DEFAULT_SCRYPT_N = 65536;

const SCRYPT_R = 8;
const SCRYPT_P = 1;
const KEY_BYTES = 32;
const SALT_BYTES = 32;
const NONCE_BYTES = 24;
const TAG_BYTES = 16;
const MAX_SALT_BYTES = 1024;
/** 128·N·r for N=131072 is 128 MiB; leave headroom. */
const SCRYPT_MAXMEM = 256 * 1024 * 1024;

/** The parsed JSON envelope, checked and ready to decrypt. */
export interface EncryptedKeyEnvelope {
  N: number;
  salt: Buffer;
  nonce: Buffer;
  ciphertext: Buffer;
}

export interface EncryptOptions {
  /** scrypt N; one of ACCEPTED_SCRYPT_N. Default 65536 as cosign 2.x. */
  N?: number;
  /** PEM label; default `ENCRYPTED SIGSTORE PRIVATE KEY`. */
  label?: typeof SIGSTORE_KEY_LABEL | typeof COSIGN_KEY_LABEL;
  /** Source of randomness for salt and nonce (tests pass a deterministic one). */
  randomBytes?: (size: number) => Uint8Array;
}

export type Password = string | Uint8Array;

function passwordBytes(password: Password): Buffer {
  return typeof password === 'string' ? Buffer.from(password, 'utf8') : Buffer.from(password);
}

function deriveKey(password: Password, salt: Uint8Array, N: number): Promise<Buffer> {
  const bytes = passwordBytes(password);
  const early = takeEarlyDerivation(bytes, salt, N);
  if (early) return early;
  return scryptAsync(bytes, salt, N);
}

function scryptAsync(password: Buffer, salt: Uint8Array, N: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password, salt, KEY_BYTES, { N, r: SCRYPT_R, p: SCRYPT_P, maxmem: SCRYPT_MAXMEM }, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}

/**
 * scrypt runs started before the key is loaded (bin/key-prefetch.js), each taken by the first decryption with exactly
 * its inputs (scrypt is a pure function of them); any other decryption runs its own. Process-wide, under a
 * registered symbol (the same as bin/key-prefetch.js's): bin/ocisign starts its run before this module (or the CLI
 * bundle holding it) is loaded.
 */
const EARLY_DERIVATIONS = Symbol.for('ocisign.earlyKeyDerivations');

interface EarlyDerivation {
  password: Buffer;
  salt: Buffer;
  N: number;
  r: number;
  p: number;
  keyBytes: number;
  key: Promise<Buffer>;
}

function earlyDerivations(): EarlyDerivation[] {
  const registry = globalThis as { [EARLY_DERIVATIONS]?: EarlyDerivation[] };
  return (registry[EARLY_DERIVATIONS] ??= []);
}

function takeEarlyDerivation(password: Buffer, salt: Uint8Array, N: number): Promise<Buffer> | undefined {
  const early = earlyDerivations();
  const i = early.findIndex((e) => e.N === N && e.r === SCRYPT_R && e.p === SCRYPT_P && e.keyBytes === KEY_BYTES && e.salt.equals(salt) && e.password.equals(password));
  if (i < 0) return undefined;
  const [taken] = early.splice(i, 1);
  taken!.password.fill(0);
  return taken!.key;
}

/** Encrypt bytes into go-securesystemslib's JSON envelope (compact, field order kdf, cipher, ciphertext). */
export async function encryptKeyJson(plaintext: Uint8Array, password: Password, options: EncryptOptions = {}): Promise<Buffer> {
  const N = options.N ?? DEFAULT_SCRYPT_N;
  if (!ACCEPTED_SCRYPT_N.includes(N)) throw new OcisignError('USAGE', `unsupported scrypt N ${N} (use 32768, 65536 or 131072)`);
  const random = options.randomBytes ?? nodeRandomBytes;
  const salt = Buffer.from(random(SALT_BYTES));
  const nonce = Buffer.from(random(NONCE_BYTES));
  const [key, xsalsa20poly1305] = await Promise.all([deriveKey(password, salt, N), secretbox()]);
  const sealed = xsalsa20poly1305(key, nonce).encrypt(plaintext);
  key.fill(0);
  const envelope = {
    kdf: { name: 'scrypt', params: { N, r: SCRYPT_R, p: SCRYPT_P }, salt: salt.toString('base64') },
    cipher: { name: 'nacl/secretbox', nonce: nonce.toString('base64') },
    ciphertext: Buffer.from(sealed).toString('base64'),
  };
  return Buffer.from(JSON.stringify(envelope), 'utf8');
}

/** Encrypt a PKCS#8 DER private key as cosign's `ENCRYPTED SIGSTORE PRIVATE KEY` PEM. */
export async function encryptPrivateKey(pkcs8Der: Uint8Array, password: Password, options: EncryptOptions = {}): Promise<string> {
  const json = await encryptKeyJson(pkcs8Der, password, options);
  return encodePem(options.label ?? SIGSTORE_KEY_LABEL, json);
}

/** Decrypt cosign's encrypted key PEM (either label) to the PKCS#8 DER it holds. `source` names the file. */
export async function decryptPrivateKey(pemText: string, password: Password, source: string): Promise<Buffer> {
  const block = decodePem(pemText, source);
  if (block.label !== SIGSTORE_KEY_LABEL && block.label !== COSIGN_KEY_LABEL) {
    throw new OcisignError(
      'BAD_INPUT',
      `reading ${source}: unsupported PEM type "${block.label}" (want "${SIGSTORE_KEY_LABEL}" or "${COSIGN_KEY_LABEL}")`,
    );
  }
  return decryptKeyJson(block.der, password, source);
}

/** Decrypt go-securesystemslib's JSON envelope. Parameters are checked before scrypt runs (DoS guard). */
export async function decryptKeyJson(json: Uint8Array, password: Password, source: string): Promise<Buffer> {
  const envelope = parseEncryptedKeyJson(json, source);
  const [key, xsalsa20poly1305] = await Promise.all([deriveKey(password, envelope.salt, envelope.N), secretbox()]);
  try {
    return Buffer.from(xsalsa20poly1305(key, envelope.nonce).decrypt(envelope.ciphertext));
  } catch {
    // secretbox cannot tell a wrong password from a damaged ciphertext; cosign says "decryption failed".
    throw new OcisignError('BAD_INPUT', `decrypting key ${source}: decryption failed (wrong password or corrupted key)`);
  } finally {
    key.fill(0);
  }
}

/** Parse and check the JSON envelope: names, exactly the accepted scrypt parameters, base64 fields, sizes. */
export function parseEncryptedKeyJson(json: Uint8Array, source: string): EncryptedKeyEnvelope {
  const bad = (why: string): OcisignError => new OcisignError('BAD_INPUT', `reading encrypted key ${source}: ${why}`);
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(json).toString('utf8'));
  } catch {
    throw bad('not valid JSON');
  }
  const kdf = field(doc, 'kdf');
  const cipher = field(doc, 'cipher');
  if (field(kdf, 'name') !== 'scrypt') throw bad(`unsupported kdf ${JSON.stringify(field(kdf, 'name'))} (want "scrypt")`);
  if (field(cipher, 'name') !== 'nacl/secretbox') {
    throw bad(`unsupported cipher ${JSON.stringify(field(cipher, 'name'))} (want "nacl/secretbox")`);
  }
  const params = field(kdf, 'params');
  const N = field(params, 'N');
  const r = field(params, 'r');
  const p = field(params, 'p');
  if (typeof N !== 'number' || !ACCEPTED_SCRYPT_N.includes(N) || r !== SCRYPT_R || p !== SCRYPT_P) {
    throw bad(`unsupported scrypt parameters N=${String(N)} r=${String(r)} p=${String(p)} (accepted: N 32768, 65536 or 131072 with r=8 p=1)`);
  }
  const salt = base64Field(kdf, 'salt', `kdf.salt of ${source}`);
  const nonce = base64Field(cipher, 'nonce', `cipher.nonce of ${source}`);
  const ciphertext = base64Field(doc, 'ciphertext', `ciphertext of ${source}`);
  if (salt.length === 0 || salt.length > MAX_SALT_BYTES) throw bad(`salt of ${salt.length} bytes`);
  if (nonce.length !== NONCE_BYTES) throw bad(`nonce of ${nonce.length} bytes (want ${NONCE_BYTES})`);
  if (ciphertext.length < TAG_BYTES) throw bad(`ciphertext of ${ciphertext.length} bytes is shorter than its tag`);
  return { N, salt, nonce, ciphertext };
}

function field(obj: unknown, name: string): unknown {
  return obj !== null && typeof obj === 'object' && !Array.isArray(obj) ? (obj as Record<string, unknown>)[name] : undefined;
}

function base64Field(obj: unknown, name: string, what: string): Buffer {
  const value = field(obj, name);
  if (typeof value !== 'string') throw new OcisignError('BAD_INPUT', `decoding ${what}: missing or not a string`);
  return decodeBase64Strict(value, what);
}

/**
 * NaCl secretbox, loaded only when a key is encrypted or decrypted (verify never needs it; ~15 ms of start-up
 * otherwise), while scrypt runs on the thread pool.
 */
async function secretbox() {
  return (await import('@noble/ciphers/salsa.js')).xsalsa20poly1305;
}
