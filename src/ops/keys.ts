import { randomBytes, type KeyObject } from 'node:crypto';
import { chmod, link, open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { OcisignError, describeError } from '../core/errors.ts';
import type { Password } from '../sign/encrypted-key.ts';
import {
  describeKey,
  encryptKeyObject,
  generatePrivateKey,
  parseUnencryptedPrivateKey,
  publicKeyPem,
  type GenerateAlgorithm,
  type KeyInfo,
} from '../sign/keys.ts';
import { describeKeyRef, parseKeyRef } from '../kms/key-ref.ts';
import { loadPublicKey, readKeyText, type LoadKeyOptions } from '../kms/load-key.ts';
import { pathExists } from '../core/fs.ts';

/** Asked for only when it is needed, so nothing prompts before the inputs are known to be usable. */
export type PasswordProvider = () => Promise<Password>;

export interface WriteKeyPairOptions {
  /** Files are `<prefix>.key` and `<prefix>.pub`. */
  outputKeyPrefix: string;
  password: PasswordProvider;
  /** Replace existing files (`--yes`); otherwise an existing file is an error and nothing is written. */
  overwrite?: boolean;
  /** scrypt N for the encrypted key (default 65536, as cosign). */
  scryptN?: number;
}

export interface KeyPairFiles {
  privateKeyPath: string;
  publicKeyPath: string;
  publicKeyPem: string;
  key: KeyInfo;
}

/** `generate-key-pair`: a new key (ECDSA P-256 by default) written as cosign writes it. */
export async function generateKeyPair(
  options: WriteKeyPairOptions & { algorithm?: GenerateAlgorithm },
): Promise<KeyPairFiles> {
  const paths = keyPairPaths(options.outputKeyPrefix);
  await refuseExisting(paths, options.overwrite);
  const password = await options.password();
  const key = generatePrivateKey(options.algorithm);
  return writeKeyPair(paths, key, password, options);
}

/** `import-key-pair -k PEM`: an unencrypted PKCS#8 / SEC1 / PKCS#1 key re-encrypted in cosign's format. */
export async function importKeyPair(options: WriteKeyPairOptions & { keyPath: string }): Promise<KeyPairFiles> {
  const text = await readKeyText(options.keyPath);
  const key = parseUnencryptedPrivateKey(text, options.keyPath);
  const paths = keyPairPaths(options.outputKeyPrefix);
  await refuseExisting(paths, options.overwrite);
  const password = await options.password();
  return writeKeyPair(paths, key, password, options);
}

/**
 * `public-key --key K`: the PEM `PUBLIC KEY` of a key reference — a cosign private key file (asks for its
 * password), a public key PEM, an `awskms://` key or a `pkcs11:` key (see kms/load-key.ts).
 */
export async function publicKeyFromFile(keyRef: string, password: PasswordProvider, options: Omit<LoadKeyOptions, 'password'> = {}): Promise<string> {
  return publicKeyPem(await loadPublicKey(keyRef, { ...options, password }));
}

export interface GenerateKmsKeyOptions {
  /** The KMS key to create: `awskms://[ENDPOINT]/alias/NAME` (or an alias ARN). */
  kms: string;
  /** The public key is written to `<prefix>.pub`. */
  outputKeyPrefix: string;
  overwrite?: boolean;
  env?: Readonly<Record<string, string | undefined>>;
}

/**
 * `generate-key-pair --kms URI`: as cosign, the key under the alias is reused when it exists, else an ECDSA P-256
 * signing key is created in KMS; its public key is written to `<prefix>.pub`. The private key never leaves KMS.
 */
export async function generateKmsKeyPair(options: GenerateKmsKeyOptions): Promise<{ publicKeyPath: string; publicKeyPem: string; created: boolean; key: KeyInfo }> {
  const ref = parseKeyRef(options.kms);
  if (ref.kind !== 'awskms') {
    throw new OcisignError('BAD_INPUT', `generate-key-pair --kms ${describeKeyRef(ref)}: only awskms:// keys can be created (PKCS#11 keys are made with the token's own tools)`);
  }
  const paths = keyPairPaths(options.outputKeyPrefix);
  if (!options.overwrite && (await pathExists(paths.pub))) throw existsError(paths.pub);
  const { createAwsKmsKey } = await import('../kms/aws-kms.ts');
  const { key, created } = await createAwsKmsKey(ref, options.env ? { env: options.env } : {});
  const pem = publicKeyPem(key.publicKey);
  await writeFileAtomic(paths.pub, pem, 0o644, options.overwrite ?? false);
  return { publicKeyPath: paths.pub, publicKeyPem: pem, created, key: describeKey(key.publicKey, paths.pub) };
}

interface KeyPairPaths {
  key: string;
  pub: string;
}

function keyPairPaths(prefix: string): KeyPairPaths {
  if (prefix === '') throw new OcisignError('USAGE', 'empty --output-key-prefix');
  return { key: `${prefix}.key`, pub: `${prefix}.pub` };
}

async function refuseExisting(paths: KeyPairPaths, overwrite = false): Promise<void> {
  if (overwrite) return;
  for (const path of [paths.key, paths.pub]) {
    if (await pathExists(path)) throw existsError(path);
  }
}

function existsError(path: string): OcisignError {
  return new OcisignError('USAGE', `writing ${path}: file exists (pass --yes to overwrite it)`);
}


async function writeKeyPair(
  paths: KeyPairPaths,
  key: KeyObject,
  password: Password,
  options: WriteKeyPairOptions,
): Promise<KeyPairFiles> {
  const info = describeKey(key, paths.key);
  const encrypted = await encryptKeyObject(key, password, { N: options.scryptN });
  const pub = publicKeyPem(key);
  await writeFileAtomic(paths.key, encrypted, 0o600, options.overwrite ?? false);
  await writeFileAtomic(paths.pub, pub, 0o644, options.overwrite ?? false);
  return { privateKeyPath: paths.key, publicKeyPath: paths.pub, publicKeyPem: pub, key: info };
}

/**
 * Write via a temp file in the same directory, then move it into place: `rename` when overwriting, `link` (which
 * fails if the target appeared meanwhile) when not. The mode is set on the temp file before any data is written.
 */
export async function writeFileAtomic(path: string, data: string, mode: number, overwrite: boolean): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const handle = await open(tmp, 'wx', mode);
    try {
      await handle.chmod(mode);
      await handle.writeFile(data, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    if (overwrite) {
      await rename(tmp, path);
      await chmod(path, mode);
    } else {
      await link(tmp, path);
      await unlink(tmp);
    }
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    if ((err as { code?: unknown }).code === 'EEXIST' && !overwrite) throw existsError(path);
    throw new OcisignError('IO', `writing ${path}: ${describeError(err)}`, { cause: err });
  }
}
