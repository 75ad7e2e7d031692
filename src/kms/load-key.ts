import type { KeyObject } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { OcisignError, describeError } from '../core/errors.ts';
import type { Password } from '../sign/encrypted-key.ts';
import type { Signer, Verifier } from '../sign/signer.ts';
import { describeKeyRef, parseKeyRef, type KeyRef } from './key-ref.ts';

/**
 * The one place a `--key` becomes a Signer or Verifiers, whatever it names: a cosign key file, an AWS KMS key or a
 * PKCS#11 key. The CLI, ops and the library API all call these. The providers (the AWS SDK, the pkcs11js native
 * binding, the key-file code) load only when a key of their kind is used.
 */

type Env = Readonly<Record<string, string | undefined>>;

export interface LoadKeyOptions {
  /** Environment (AWS_*, COSIGN_PKCS11_*); default process.env. */
  env?: Env;
  /** The password of an encrypted key file; asked only when one is loaded for signing. */
  password?: () => Promise<Password>;
  /** Asked for a PKCS#11 PIN when none is in the URI or COSIGN_PKCS11_PIN and the token needs a login. */
  askPin?: (question: string) => Promise<string>;
}

/** A key reference as given to the loaders: a path, a URI, or one parsed already. */
export type KeyInput = string | KeyRef;

/** Load a signer for `ref` (a key file is decrypted with `options.password`). */
export async function loadSigner(ref: KeyInput, options: LoadKeyOptions = {}): Promise<Signer> {
  return (await startSigner(ref, options)).signer;
}

/**
 * loadSigner in two steps, so slow key set-up overlaps with other work: resolves once a key file's password was read
 * and its decryption (scrypt, ~0.25 s) started, a PKCS#11 key was opened (PIN prompts happen here), or at once for a
 * KMS key, whose public key is then fetched while the caller goes on. `signer` rejects with the key's error.
 */
export async function startSigner(ref: KeyInput, options: LoadKeyOptions = {}): Promise<{ signer: Promise<Signer> }> {
  const key = typeof ref === 'string' ? parseKeyRef(ref) : ref;
  let signer: Promise<Signer>;
  switch (key.kind) {
    case 'file': {
      const pem = await readKeyText(key.path);
      const { KeySigner } = await import('../sign/key-signer.ts');
      if (!options.password) throw new OcisignError('USAGE', `key ${key.path}: a password source is needed to decrypt it`);
      signer = KeySigner.fromEncryptedPem(pem, await options.password(), key.path);
      break;
    }
    case 'awskms': {
      signer = import('./aws-kms.ts').then(async ({ openAwsKmsKey }) => (await openAwsKmsKey(key, { env: options.env })).signer());
      break;
    }
    case 'pkcs11': {
      const { openPkcs11Key } = await import('../pkcs11/pkcs11-key.ts');
      signer = Promise.resolve((await openPkcs11Key(key, true, pkcs11Options(options))).signer());
      break;
    }
  }
  signer.catch(() => undefined); // the caller awaits it
  return { signer };
}

/**
 * Verifiers for repeatable `--key` values: public key PEM files, or KMS / PKCS#11 keys whose public key is fetched
 * once (each signature is then checked locally). Keys load side by side; the first failure is thrown.
 */
export async function loadVerifiers(refs: KeyInput | readonly KeyInput[] | undefined, options: LoadKeyOptions = {}): Promise<Verifier[]> {
  const list = refs === undefined ? [] : Array.isArray(refs) ? (refs as readonly KeyInput[]) : [refs as KeyInput];
  const keys = list.map((r) => (typeof r === 'string' ? parseKeyRef(r) : r));
  return Promise.all(keys.map((key) => loadVerifier(key, options)));
}

async function loadVerifier(key: KeyRef, options: LoadKeyOptions): Promise<Verifier> {
  switch (key.kind) {
    case 'file': {
      const pem = await readKeyText(key.path);
      const { KeyVerifier } = await import('../sign/key-signer.ts');
      return KeyVerifier.fromPem(pem, key.path);
    }
    case 'awskms': {
      const { openAwsKmsKey } = await import('./aws-kms.ts');
      return (await openAwsKmsKey(key, { env: options.env })).verifier();
    }
    case 'pkcs11': {
      const { openPkcs11Key } = await import('../pkcs11/pkcs11-key.ts');
      const opened = await openPkcs11Key(key, false, pkcs11Options(options));
      opened.close();
      return opened.verifier();
    }
  }
}

/**
 * The public key of a key reference (`public-key --key`): a cosign private key file (decrypted with
 * `options.password`), a public key PEM, a KMS key, or a PKCS#11 key (no login needed).
 */
export async function loadPublicKey(ref: KeyInput, options: LoadKeyOptions = {}): Promise<KeyObject> {
  const key = typeof ref === 'string' ? parseKeyRef(ref) : ref;
  if (key.kind === 'file') {
    const pem = await readKeyText(key.path);
    const [{ decodePem }, { COSIGN_KEY_LABEL, SIGSTORE_KEY_LABEL }, keys] = await Promise.all([
      import('../sign/pem.ts'),
      import('../sign/encrypted-key.ts'),
      import('../sign/keys.ts'),
    ]);
    const label = decodePem(pem, key.path).label;
    if (label === 'PUBLIC KEY' || label === 'RSA PUBLIC KEY') return keys.parsePublicKey(pem, key.path);
    if (label !== SIGSTORE_KEY_LABEL && label !== COSIGN_KEY_LABEL) {
      throw new OcisignError('BAD_INPUT', `reading ${key.path}: unsupported PEM type "${label}" (want a cosign key or a public key)`);
    }
    if (!options.password) throw new OcisignError('USAGE', `key ${key.path}: a password source is needed to decrypt it`);
    return keys.publicKeyOf(await keys.loadPrivateKey(pem, await options.password(), key.path));
  }
  return (await loadVerifier(key, options)).publicKey;
}

function pkcs11Options(options: LoadKeyOptions) {
  return { ...(options.env ? { env: options.env } : {}), ...(options.askPin ? { askPin: options.askPin } : {}) };
}

/** A key file's text (at most 1 MiB), with a one-line error naming it. */
export async function readKeyText(path: string): Promise<string> {
  try {
    const info = await stat(path);
    if (info.size > 1024 * 1024) throw new OcisignError('BAD_INPUT', `reading key ${path}: too large for a key file`);
    return await readFile(path, 'utf8');
  } catch (err) {
    if (err instanceof OcisignError) throw err;
    throw new OcisignError('BAD_INPUT', `reading key ${path}: ${describeError(err)}`, { cause: err });
  }
}

export { describeKeyRef, parseKeyRef };
