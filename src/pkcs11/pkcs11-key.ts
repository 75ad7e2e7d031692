import { createHash, createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { isAbsolute } from 'node:path';
import { OcisignError, describeError, type ErrorCode } from '../core/errors.ts';
import { KeyVerifier } from '../sign/key-signer.ts';
import { describeKey } from '../sign/keys.ts';
import type { Signer, Verifier } from '../sign/signer.ts';
import { redactKeyRef, type Pkcs11KeyRef } from '../kms/key-ref.ts';
import { importBinding, type Handle, type Pkcs11Binding, type Pkcs11Session } from './binding.ts';
import { ecdsaRawToDer } from './ecdsa-der.ts';

/**
 * PKCS#11 keys (`pkcs11:` URIs: HSMs, smart cards, YubiKeys, SoftHSM) through pkcs11js, an optional native
 * dependency loaded only when such a key is used. Signing is what cosign's crypto11 does: SHA-256 of the data here,
 * then CKM_ECDSA (the DER-encoded r,s) or CKM_RSA_PKCS over the SHA-256 DigestInfo, so tokens that only offer the
 * raw mechanisms (YubiKey PIV) work. The public key is read from the token's public key object (or a certificate
 * with the same id/label) without logging in.
 */

type Pkcs11Module = Pkcs11Binding;
type Pkcs11 = Pkcs11Session;
type Env = Readonly<Record<string, string | undefined>>;

export interface Pkcs11Options {
  env?: Env;
  /** Asked when the URI and COSIGN_PKCS11_PIN give no PIN and the token needs a login (the CLI prompts on a TTY). */
  askPin?: (question: string) => Promise<string>;
}

/** SHA-256 DigestInfo prefix (RFC 8017 §9.2) for CKM_RSA_PKCS. */
const SHA256_DIGEST_INFO = Buffer.from('3031300d060960864801650304020105000420', 'hex');
const CURVE_OIDS: Record<string, 'P-256' | 'P-384' | 'P-521'> = {
  '06082a8648ce3d030107': 'P-256',
  '06052b81040022': 'P-384',
  '06052b81040023': 'P-521',
};

/** An opened key: its public key; for signing, a logged-in session and the private key handle. */
export class Pkcs11Key {
  readonly ref: Pkcs11KeyRef;
  readonly publicKey: KeyObject;
  readonly #module: Pkcs11Module;
  readonly #p11: Pkcs11;
  readonly #session: Handle;
  readonly #privateKey: Handle | undefined;
  readonly #verifier: KeyVerifier;
  #closed = false;

  constructor(ref: Pkcs11KeyRef, module: Pkcs11Module, p11: Pkcs11, session: Handle, publicKey: KeyObject, privateKey?: Handle) {
    this.ref = ref;
    this.#module = module;
    this.#p11 = p11;
    this.#session = session;
    this.publicKey = publicKey;
    this.#privateKey = privateKey;
    this.#verifier = new KeyVerifier(publicKey, { hashes: ['sha256'] });
  }

  verifier(): Verifier {
    return this.#verifier;
  }

  /** A Signer; its extra `close()` ends the session (and finalises the module when no other key uses it). */
  signer(): Signer & { close(): void } {
    return { publicKey: this.publicKey, sign: (data) => this.sign(data), close: () => this.close() };
  }

  /**
   * Sign on the token; the signature is checked with the public key before it is returned (a mismatched pair fails
   * here). A session runs one operation at a time, so concurrent calls (signing an index's children) take turns.
   */
  sign(data: Uint8Array): Promise<Uint8Array> {
    const turn = this.#queue.then(() => this.#signNow(data));
    this.#queue = turn.catch(() => undefined);
    return turn;
  }

  #queue: Promise<unknown> = Promise.resolve();

  async #signNow(data: Uint8Array): Promise<Uint8Array> {
    if (this.#closed || !this.#privateKey) throw pkcs11Error(this.ref, 'INTERNAL', 'signing: the key was not opened for signing');
    const m = this.#module;
    const digest = createHash('sha256').update(data).digest();
    const ec = this.publicKey.asymmetricKeyType === 'ec';
    const signature = await attempt(this.ref, 'signing', async () => {
      this.#p11.C_SignInit(this.#session, { mechanism: ec ? m.CKM_ECDSA : m.CKM_RSA_PKCS }, this.#privateKey!);
      const input = ec ? digest : Buffer.concat([SHA256_DIGEST_INFO, digest]);
      return this.#p11.C_SignAsync(this.#session, input, Buffer.alloc(1024));
    });
    const out = ec ? ecdsaRawToDer(signature) : new Uint8Array(signature);
    if (!this.#verifier.verify(data, out)) {
      throw pkcs11Error(this.ref, 'BAD_INPUT', "signing: the token's signature does not verify with the key's public key (a public key object of another key pair?); nothing was stored");
    }
    return out;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#p11.C_CloseSession(this.#session);
    } catch {
      // closing is best effort
    }
    releaseModule(this.#p11);
  }
}

/**
 * Open the key a `pkcs11:` URI names. `forSigning` logs in (PIN from the URI, COSIGN_PKCS11_PIN, or askPin when the
 * token requires a login) and finds the private key; otherwise only the public key is read.
 */
export async function openPkcs11Key(ref: Pkcs11KeyRef, forSigning: boolean, options: Pkcs11Options = {}): Promise<Pkcs11Key> {
  const env = options.env ?? process.env;
  const modulePath = await checkedModulePath(ref, env);
  const m = await loadBinding(ref);
  const p11 = acquireModule(ref, m, modulePath);
  let session: Handle | undefined;
  try {
    const slot = findSlot(ref, p11);
    session = await attempt(ref, 'opening a session', async () => p11.C_OpenSession(slot, m.CKF_SERIAL_SESSION));
    const publicKey = readPublicKey(ref, m, p11, session);
    let privateKey: Handle | undefined;
    if (forSigning) {
      const token = p11.C_GetTokenInfo(slot);
      const pin = ref.pin ?? env.COSIGN_PKCS11_PIN ?? (token.flags & m.CKF_LOGIN_REQUIRED ? await askPin(ref, options) : undefined);
      if (pin !== undefined) await login(ref, m, p11, session, pin);
      privateKey = findObject(ref, m, p11, session, m.CKO_PRIVATE_KEY);
      if (!privateKey) throw pkcs11Error(ref, 'BAD_INPUT', `no private key ${objectName(ref)} on the token${pin === undefined ? ' (no PIN given: set pin-value or COSIGN_PKCS11_PIN)' : ''}`);
    }
    return new Pkcs11Key(ref, m, p11, session, publicKey, privateKey);
  } catch (err) {
    try {
      if (session) p11.C_CloseSession(session);
    } catch {
      // the first error is the one to report
    }
    releaseModule(p11);
    throw err;
  }
}

/**
 * A module is initialised once per process (C_Initialize is process-wide: a second one fails), shared by every key
 * opened from it, and finalised when the last of them is closed.
 */
const modules = new Map<string, { p11: Pkcs11; users: number }>();

/** Synchronous from lookup to registration, so keys opened side by side share one module. */
function acquireModule(ref: Pkcs11KeyRef, m: Pkcs11Module, path: string): Pkcs11 {
  const open = modules.get(path);
  if (open) {
    open.users++;
    return open.p11;
  }
  const p11 = new m.PKCS11();
  try {
    p11.load(path);
  } catch (err) {
    throw pkcs11Error(ref, 'BAD_INPUT', `loading module ${path}: ${nativeMessage(err)}`, err);
  }
  try {
    p11.C_Initialize();
  } catch (err) {
    if ((err as { code?: number }).code !== m.CKR_CRYPTOKI_ALREADY_INITIALIZED) {
      p11.close();
      throw pkcs11Error(ref, 'IO', `initializing module ${path}: ${nativeMessage(err)}`, err);
    }
  }
  modules.set(path, { p11, users: 1 });
  if (modules.size === 1 && !exitHook) {
    exitHook = true;
    process.once('exit', finalizeAll);
  }
  return p11;
}

let exitHook = false;

/** At exit, every module still open is finalised (tokens like a clean logout). */
function finalizeAll(): void {
  for (const { p11 } of modules.values()) {
    try {
      p11.C_Finalize();
    } catch {
      // best effort
    }
  }
  modules.clear();
}

function releaseModule(p11: Pkcs11): void {
  for (const [path, open] of modules) {
    if (open.p11 !== p11 || --open.users > 0) continue;
    modules.delete(path);
    try {
      p11.C_Finalize();
      p11.close();
    } catch {
      // best effort: the process is ending or the module is gone
    }
  }
}

async function checkedModulePath(ref: Pkcs11KeyRef, env: Env): Promise<string> {
  const path = ref.modulePath ?? env.COSIGN_PKCS11_MODULE_PATH;
  if (!path) throw pkcs11Error(ref, 'BAD_INPUT', 'no PKCS#11 module: set module-path in the URI or COSIGN_PKCS11_MODULE_PATH');
  if (!isAbsolute(path)) throw pkcs11Error(ref, 'BAD_INPUT', `module ${path} is not an absolute path`);
  const info = await stat(path).catch((err: unknown) => {
    const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : describeError(err);
    throw pkcs11Error(ref, 'BAD_INPUT', `module ${path} ${why}`, err);
  });
  if (!info.isFile()) throw pkcs11Error(ref, 'BAD_INPUT', `module ${path} is not a regular file`);
  return path;
}

async function loadBinding(ref: Pkcs11KeyRef): Promise<Pkcs11Module> {
  try {
    return await importBinding();
  } catch (err) {
    throw pkcs11Error(
      ref,
      'BAD_INPUT',
      `PKCS#11 support is not installed: the optional dependency pkcs11js is missing or its native binding did not build (${describeError(err)}); install a C++ compiler and run \`npm rebuild pkcs11js\``,
      err,
    );
  }
}

function findSlot(ref: Pkcs11KeyRef, p11: Pkcs11): Handle {
  const slots = p11.C_GetSlotList(true);
  for (const slot of slots) {
    if (ref.slotId !== undefined && handleNumber(slot) !== ref.slotId) continue;
    if (ref.tokenLabel !== undefined && p11.C_GetTokenInfo(slot).label.trimEnd() !== ref.tokenLabel) continue;
    return slot;
  }
  const which = [ref.tokenLabel !== undefined ? `labelled ${JSON.stringify(ref.tokenLabel)}` : '', ref.slotId !== undefined ? `in slot ${ref.slotId}` : '']
    .filter(Boolean)
    .join(' ');
  throw pkcs11Error(ref, 'BAD_INPUT', `no token ${which} (tokens present: ${slots.length})`);
}

function handleNumber(handle: Handle): number {
  return handle.length >= 8 ? Number(handle.readBigUInt64LE(0)) : handle.readUInt32LE(0);
}

async function login(ref: Pkcs11KeyRef, m: Pkcs11Module, p11: Pkcs11, session: Handle, pin: string): Promise<void> {
  try {
    p11.C_Login(session, m.CKU_USER, pin);
  } catch (err) {
    const code = (err as { code?: number }).code;
    if (code === m.CKR_USER_ALREADY_LOGGED_IN) return;
    if (code === m.CKR_PIN_INCORRECT) throw pkcs11Error(ref, 'BAD_INPUT', 'logging in: wrong PIN', err);
    if (code === m.CKR_PIN_LOCKED) throw pkcs11Error(ref, 'BAD_INPUT', 'logging in: the PIN is locked', err);
    if (code === m.CKR_PIN_LEN_RANGE || code === m.CKR_PIN_INVALID) throw pkcs11Error(ref, 'BAD_INPUT', 'logging in: the PIN is not valid for this token', err);
    throw pkcs11Error(ref, 'IO', `logging in: ${nativeMessage(err)}`, err);
  }
}

async function askPin(ref: Pkcs11KeyRef, options: Pkcs11Options): Promise<string> {
  if (!options.askPin) throw pkcs11Error(ref, 'BAD_INPUT', 'the token needs a PIN: set pin-value in the URI or COSIGN_PKCS11_PIN');
  return options.askPin(`Enter PIN for key '${ref.objectLabel ?? ''}' in PKCS11 token '${ref.tokenLabel ?? ref.slotId ?? ''}': `);
}

/** The object with the URI's id (wins, as in cosign) or label, of one class. */
function findObject(ref: Pkcs11KeyRef, m: Pkcs11Module, p11: Pkcs11, session: Handle, cls: number): Handle | undefined {
  const template = [
    { type: m.CKA_CLASS, value: cls },
    ref.objectId ? { type: m.CKA_ID, value: Buffer.from(ref.objectId) } : { type: m.CKA_LABEL, value: ref.objectLabel! },
  ];
  p11.C_FindObjectsInit(session, template);
  try {
    const found = p11.C_FindObjects(session, 2);
    if (found.length > 1) throw pkcs11Error(ref, 'BAD_INPUT', `more than one object matches ${objectName(ref)}; name it by id`);
    return found[0];
  } finally {
    p11.C_FindObjectsFinal(session);
  }
}

function readPublicKey(ref: Pkcs11KeyRef, m: Pkcs11Module, p11: Pkcs11, session: Handle): KeyObject {
  const pub = findObject(ref, m, p11, session, m.CKO_PUBLIC_KEY);
  let key: KeyObject | undefined;
  if (pub) key = publicKeyFromObject(ref, m, p11, session, pub);
  else {
    const cert = findObject(ref, m, p11, session, m.CKO_CERTIFICATE);
    if (cert) {
      const [value] = p11.C_GetAttributeValue(session, cert, [{ type: m.CKA_VALUE }]);
      key = new X509Certificate(value!.value as Buffer).publicKey;
    }
  }
  if (!key) throw pkcs11Error(ref, 'BAD_INPUT', `no public key or certificate ${objectName(ref)} on the token`);
  describeKey(key, redactKeyRef(ref.uri));
  return key;
}

function publicKeyFromObject(ref: Pkcs11KeyRef, m: Pkcs11Module, p11: Pkcs11, session: Handle, handle: Handle): KeyObject {
  const [type] = p11.C_GetAttributeValue(session, handle, [{ type: m.CKA_KEY_TYPE }]);
  const keyType = (type!.value as Buffer).readUInt32LE(0);
  if (keyType === m.CKK_EC) {
    const [params, point] = p11.C_GetAttributeValue(session, handle, [{ type: m.CKA_EC_PARAMS }, { type: m.CKA_EC_POINT }]);
    const crv = CURVE_OIDS[(params!.value as Buffer).toString('hex')];
    if (!crv) throw pkcs11Error(ref, 'BAD_INPUT', 'unsupported EC curve on the token (supported: P-256, P-384, P-521)');
    const q = ecPoint(point!.value as Buffer);
    const size = (q.length - 1) / 2;
    if (q[0] !== 0x04 || !Number.isInteger(size)) throw pkcs11Error(ref, 'BAD_INPUT', 'the EC point on the token is not an uncompressed point');
    const b64 = (b: Buffer) => b.toString('base64url');
    return createPublicKey({ key: { kty: 'EC', crv, x: b64(q.subarray(1, 1 + size)), y: b64(q.subarray(1 + size)) }, format: 'jwk' });
  }
  if (keyType === m.CKK_RSA) {
    const [n, e] = p11.C_GetAttributeValue(session, handle, [{ type: m.CKA_MODULUS }, { type: m.CKA_PUBLIC_EXPONENT }]);
    const b64 = (b: Buffer) => b.toString('base64url');
    return createPublicKey({ key: { kty: 'RSA', n: b64(n!.value as Buffer), e: b64(e!.value as Buffer) }, format: 'jwk' });
  }
  throw pkcs11Error(ref, 'BAD_INPUT', `unsupported key type 0x${keyType.toString(16)} on the token (supported: EC, RSA)`);
}

/** CKA_EC_POINT is a DER OCTET STRING around the point (PKCS#11 2.40); some tokens return the bare point. */
function ecPoint(value: Buffer): Buffer {
  if (value[0] === 0x04 && value.length >= 2) {
    const long = value[1]! & 0x80 ? value[1]! & 0x7f : 0;
    const header = 2 + long;
    const length = long ? value.subarray(2, header).readUIntBE(0, long) : value[1]!;
    if (header + length === value.length) return value.subarray(header);
  }
  return value;
}

function objectName(ref: Pkcs11KeyRef): string {
  return ref.objectId ? `with id ${Buffer.from(ref.objectId).toString('hex')}` : `labelled ${JSON.stringify(ref.objectLabel)}`;
}

/** Run a native call; a PKCS#11 error becomes one line naming the key and the step. */
async function attempt<T>(ref: Pkcs11KeyRef, step: string, run: () => Promise<T>, code: ErrorCode = 'IO'): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof OcisignError) throw err;
    throw pkcs11Error(ref, code, `${step}: ${nativeMessage(err)}`, err);
  }
}

function nativeMessage(err: unknown): string {
  return describeError(err).replace(/\s+/g, ' ');
}

function pkcs11Error(ref: Pkcs11KeyRef, code: ErrorCode, why: string, cause?: unknown): OcisignError {
  return new OcisignError(code, `key ${redactKeyRef(ref.uri)}: ${why}`, cause === undefined ? {} : { cause });
}
