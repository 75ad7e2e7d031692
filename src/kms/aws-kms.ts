import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { getCACertificates } from 'node:tls';
import type { KMSClient, SignCommandInput } from '@aws-sdk/client-kms';
import { OcisignError, describeError, type ErrorCode } from '../core/errors.ts';
import { KeyVerifier } from '../sign/key-signer.ts';
import { describeKey } from '../sign/keys.ts';
import type { Signer, Verifier } from '../sign/signer.ts';
import { redactKeyRef, type AwsKmsKeyRef } from './key-ref.ts';

/**
 * AWS KMS keys (`awskms://`), through the AWS SDK for JavaScript, loaded only when such a key is used (~1 s of
 * module loading unbundled). Credentials and region come from the SDK's usual chain (environment, shared config and
 * credentials files, SSO, web identity, container and instance metadata); ocisign never prints them.
 *
 * Supported key specs: ECC_NIST_P256 (signed ECDSA_SHA_256) and RSA_2048/3072/4096 (RSASSA_PKCS1_V1_5_SHA_256) —
 * what every cosign `verify --key` accepts with the exported public key. P-384/P-521 keys are refused: cosign signs
 * them with SHA-384/512 through KMS but verifies an exported PEM with SHA-256.
 */

type Sdk = typeof import('@aws-sdk/client-kms');

/**
 * The SDK, a CommonJS package: Node gives its exports as named and as `default`; the CLI bundle's split chunk gives
 * only `default`.
 */
async function sdk(): Promise<Sdk> {
  const mod = (await import('@aws-sdk/client-kms')) as Sdk & { default?: Sdk };
  return mod.default ?? mod;
}

/** Real KMS accepts a RAW message up to 4096 bytes; anything larger is sent as its SHA-256 digest. */
export const KMS_RAW_LIMIT = 4096;
const CONNECT_TIMEOUT_MS = 10_000;
const REQUEST_TIMEOUT_MS = 30_000;
const MAX_ATTEMPTS = 3;

const SIGNING_ALGORITHMS: Record<string, 'ECDSA_SHA_256' | 'RSASSA_PKCS1_V1_5_SHA_256'> = {
  ECC_NIST_P256: 'ECDSA_SHA_256',
  RSA_2048: 'RSASSA_PKCS1_V1_5_SHA_256',
  RSA_3072: 'RSASSA_PKCS1_V1_5_SHA_256',
  RSA_4096: 'RSASSA_PKCS1_V1_5_SHA_256',
};
const SUPPORTED_SPECS = Object.keys(SIGNING_ALGORITHMS).join(', ');

export interface AwsKmsOptions {
  /** Environment for AWS_CA_BUNDLE and for scrubbing credentials from messages (default process.env). */
  env?: Readonly<Record<string, string | undefined>>;
  /** A client to use instead of one built from the reference (tests capture requests with it). */
  client?: KMSClient;
}

/** The SignCommand input for `data`: RAW up to KMS_RAW_LIMIT bytes, else DIGEST of its SHA-256. */
export function kmsSignInput(keyId: string, data: Uint8Array, algorithm: string): SignCommandInput {
  const raw = data.length <= KMS_RAW_LIMIT;
  return {
    KeyId: keyId,
    Message: raw ? data : createHash('sha256').update(data).digest(),
    MessageType: raw ? 'RAW' : 'DIGEST',
    SigningAlgorithm: algorithm as SignCommandInput['SigningAlgorithm'],
  };
}

/** A KMS key with its public key fetched (once): sign through KMS, verify locally. */
export class AwsKmsKey {
  readonly ref: AwsKmsKeyRef;
  readonly publicKey: KeyObject;
  readonly keySpec: string;
  readonly signingAlgorithm: string;
  readonly #client: KMSClient;
  readonly #env: Readonly<Record<string, string | undefined>>;
  readonly #verifier: KeyVerifier;

  constructor(ref: AwsKmsKeyRef, client: KMSClient, env: Readonly<Record<string, string | undefined>>, publicKey: KeyObject, keySpec: string) {
    this.ref = ref;
    this.#client = client;
    this.#env = env;
    this.publicKey = publicKey;
    this.keySpec = keySpec;
    this.signingAlgorithm = SIGNING_ALGORITHMS[keySpec]!;
    this.#verifier = new KeyVerifier(publicKey, { hashes: ['sha256'] });
  }

  /** A Verifier with the public key (no KMS call per signature). */
  verifier(): Verifier {
    return this.#verifier;
  }

  signer(): Signer {
    return { publicKey: this.publicKey, sign: (data) => this.sign(data) };
  }

  /**
   * Sign through KMS, then check the signature with the public key before anyone stores it: a KMS (or emulator)
   * that signs the wrong bytes fails here, not in every verifier later.
   */
  async sign(data: Uint8Array): Promise<Uint8Array> {
    const { SignCommand } = await sdk();
    const input = kmsSignInput(this.ref.keyId, data, this.signingAlgorithm);
    const out = await call(this.ref, this.#env, `signing (${input.MessageType})`, () => this.#client.send(new SignCommand(input)));
    const signature = out.Signature;
    if (!signature || signature.length === 0) throw kmsError(this.ref, 'IO', 'signing: KMS returned no signature');
    if (!this.#verifier.verify(data, signature)) {
      throw kmsError(this.ref, 'IO', `signing (${input.MessageType}): KMS returned a signature that does not verify with the key's public key; nothing was stored`);
    }
    return signature;
  }
}

/** Open a KMS signing key: one GetPublicKey call, with its usage and spec checked. */
export async function openAwsKmsKey(ref: AwsKmsKeyRef, options: AwsKmsOptions = {}): Promise<AwsKmsKey> {
  const env = options.env ?? process.env;
  const client = options.client ?? (await kmsClient(ref, env));
  const { GetPublicKeyCommand } = await sdk();
  const out = await call(ref, env, 'getting the public key', () => client.send(new GetPublicKeyCommand({ KeyId: ref.keyId })));
  return new AwsKmsKey(ref, client, env, ...checkedPublicKey(ref, out));
}

/**
 * `generate-key-pair --kms awskms://…/alias/NAME`: as cosign, an existing key under the alias is reused; otherwise
 * an ECC_NIST_P256 SIGN_VERIFY key is created and the alias pointed at it. Returns the public key.
 */
export async function createAwsKmsKey(ref: AwsKmsKeyRef, options: AwsKmsOptions = {}): Promise<{ key: AwsKmsKey; created: boolean }> {
  if (!ref.alias) throw kmsError(ref, 'BAD_INPUT', 'creating a key needs an alias (awskms://[ENDPOINT]/alias/NAME)');
  const env = options.env ?? process.env;
  const client = options.client ?? (await kmsClient(ref, env));
  try {
    return { key: await openAwsKmsKey(ref, { env, client }), created: false };
  } catch (err) {
    if (!((err as { cause?: { name?: string } }).cause?.name === 'NotFoundException')) throw err;
  }
  const { CreateKeyCommand, CreateAliasCommand } = await sdk();
  const made = await call(ref, env, 'creating the key', () =>
    client.send(new CreateKeyCommand({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY', Description: 'Created by ocisign' })),
  );
  const keyId = made.KeyMetadata?.KeyId;
  if (!keyId) throw kmsError(ref, 'IO', 'creating the key: KMS returned no key id');
  await call(ref, env, `creating ${ref.alias}`, () => client.send(new CreateAliasCommand({ AliasName: ref.alias, TargetKeyId: keyId })));
  return { key: await openAwsKmsKey(ref, { env, client }), created: true };
}

function checkedPublicKey(
  ref: AwsKmsKeyRef,
  out: { PublicKey?: Uint8Array; KeySpec?: string; CustomerMasterKeySpec?: string; KeyUsage?: string; SigningAlgorithms?: string[] },
): [KeyObject, string] {
  if (out.KeyUsage !== undefined && out.KeyUsage !== 'SIGN_VERIFY') {
    throw kmsError(ref, 'BAD_INPUT', `key usage is ${out.KeyUsage}, not SIGN_VERIFY`);
  }
  // KMS returns both; CustomerMasterKeySpec is the deprecated name (and all some emulators, moto among them, send).
  const spec = out.KeySpec ?? out.CustomerMasterKeySpec ?? '';
  const algorithm = SIGNING_ALGORITHMS[spec];
  if (!algorithm) throw kmsError(ref, 'BAD_INPUT', `key spec ${spec || 'unknown'} is not supported (supported: ${SUPPORTED_SPECS})`);
  if (out.SigningAlgorithms && !out.SigningAlgorithms.includes(algorithm)) {
    throw kmsError(ref, 'BAD_INPUT', `key does not offer ${algorithm} (it offers ${out.SigningAlgorithms.join(', ')})`);
  }
  if (!out.PublicKey) throw kmsError(ref, 'IO', 'getting the public key: KMS returned none');
  let key: KeyObject;
  try {
    key = createPublicKey({ key: Buffer.from(out.PublicKey), format: 'der', type: 'spki' });
  } catch (err) {
    throw kmsError(ref, 'IO', `getting the public key: not a valid SPKI public key (${describeError(err)})`);
  }
  const info = describeKey(key, redactKeyRef(ref.uri));
  const expected = spec === 'ECC_NIST_P256' ? 'ecdsa-p256' : 'rsa';
  if (info.algorithm !== expected) throw kmsError(ref, 'IO', `getting the public key: a ${info.algorithm} key for key spec ${spec}`);
  return [key, spec];
}

/**
 * A client for the reference, bounded in time. Endpoint: the URI's (always HTTPS, as cosign), else
 * AWS_ENDPOINT_URL_KMS / AWS_ENDPOINT_URL, else the region's. Region: an ARN's, else AWS_REGION / AWS_DEFAULT_REGION,
 * else the SDK's config files. Credentials: AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN), else the
 * SDK's chain. `env` is read for these so the library API can pass its own environment; it defaults to process.env.
 */
async function kmsClient(ref: AwsKmsKeyRef, env: Readonly<Record<string, string | undefined>>): Promise<KMSClient> {
  const { KMSClient } = await sdk();
  const ca = await caBundle(ref, env);
  const region = ref.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  const endpoint = ref.endpoint ? `https://${ref.endpoint}` : (env.AWS_ENDPOINT_URL_KMS ?? env.AWS_ENDPOINT_URL);
  const keyId = env.AWS_ACCESS_KEY_ID;
  const secret = env.AWS_SECRET_ACCESS_KEY;
  return new KMSClient({
    ...(region ? { region } : {}),
    ...(endpoint ? { endpoint } : {}),
    ...(keyId && secret ? { credentials: { accessKeyId: keyId, secretAccessKey: secret, ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}) } } : {}),
    maxAttempts: MAX_ATTEMPTS,
    requestHandler: {
      connectionTimeout: CONNECT_TIMEOUT_MS,
      requestTimeout: REQUEST_TIMEOUT_MS,
      ...(ca ? { httpsAgent: { ca, keepAlive: true } } : {}),
    },
  });
}

/** AWS_CA_BUNDLE (as the AWS CLI and cosign): trusted in addition to Node's default roots. */
async function caBundle(ref: AwsKmsKeyRef, env: Readonly<Record<string, string | undefined>>): Promise<string[] | undefined> {
  const file = env.AWS_CA_BUNDLE;
  if (!file) return undefined;
  try {
    return [...getCACertificates('default'), await readFile(file, 'utf8')];
  } catch (err) {
    throw kmsError(ref, 'BAD_INPUT', `reading AWS_CA_BUNDLE ${file}: ${describeError(err)}`);
  }
}

const BAD_INPUT_ERRORS = new Set([
  'NotFoundException',
  'InvalidArnException',
  'InvalidKeyUsageException',
  'DisabledException',
  'KMSInvalidStateException',
  'ValidationException',
  'KeyUnavailableException',
  'UnsupportedOperationException',
  'AlreadyExistsException',
]);
const AUTH_ERRORS = new Set([
  'AccessDeniedException',
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'InvalidClientTokenId',
  'ExpiredTokenException',
  'IncompleteSignature',
  'CredentialsProviderError',
  'MissingAuthenticationToken',
]);

/** Run one KMS call; any failure becomes one line naming the key and the step (exit 3 for the key, 4 otherwise). */
async function call<T>(ref: AwsKmsKeyRef, env: Readonly<Record<string, string | undefined>>, step: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    const name = (err as { name?: string }).name ?? '';
    const message = scrub(describeError(err), env);
    if (/region is missing/i.test(message)) {
      throw kmsError(ref, 'BAD_INPUT', `${step}: no AWS region (set AWS_REGION, or use a key ARN)`, err);
    }
    const code: ErrorCode = BAD_INPUT_ERRORS.has(name) ? 'BAD_INPUT' : AUTH_ERRORS.has(name) ? 'AUTH' : 'IO';
    const prefix = name && name !== 'Error' && !message.startsWith(name) ? `${name}: ` : '';
    throw kmsError(ref, code, `${step}: ${prefix}${message}`, err);
  }
}

/** Credentials never appear in SDK messages; this makes sure of it. */
function scrub(message: string, env: Readonly<Record<string, string | undefined>>): string {
  let out = message;
  for (const name of ['AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_ACCESS_KEY_ID']) {
    const value = env[name];
    if (value && value.length >= 4) out = out.split(value).join('REDACTED');
  }
  return out;
}

function kmsError(ref: AwsKmsKeyRef, code: ErrorCode, why: string, cause?: unknown): OcisignError {
  return new OcisignError(code, `key ${redactKeyRef(ref.uri)}: ${why}`, cause === undefined ? {} : { cause });
}
