/**
 * cosign 3.1.1 (Debian sid, .work/tools/bin/cosign3) driven the ways that work offline here (PEERS.md):
 *
 *   key-based:  a signing config naming no services and a trusted root naming nothing, so no TUF, Fulcio,
 *               Rekor or TSA is asked; verify with --insecure-ignore-tlog=true.
 *   keyless:    @sigstore/mock's Fulcio, Rekor v1 and TSA (test/helpers/sigstore-mock.ts) named in a signing
 *               config, the mock's trusted_root.json as --trusted-root, the mock's OIDC token in a file
 *               (--identity-token takes a path here: cosign 3 first opens the value as a file, and a JWT is longer
 *               than a file name may be).
 *
 * Every registry is plain HTTP (--allow-http-registry); pass more flags (e.g. --registry-cacert) in `args`.
 * Each helper resolves to the run; `ok()` turns a non-zero exit into an error carrying cosign's output.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  describeRun, runCosign3, scratchDir, writeKeyOnlySigningConfig, type RunOptions, type RunResult,
} from './peers.ts';
import { MOCK_ISSUER, MOCK_SUBJECT, type SigstoreMock } from './sigstore-mock.ts';

export interface Cosign3Key {
  /** cosign.key path (encrypted). */
  key: string;
  /** cosign.pub path. */
  pub: string;
  password: string;
}

export interface Cosign3Options extends RunOptions {
  /** Extra flags, placed before the image reference. */
  args?: string[];
}

export interface KeylessOptions extends Cosign3Options {
  /** Token claims over MOCK_CLAIMS (the mock Fulcio puts `sub` in the SAN and `iss` in the issuer extension). */
  claims?: Record<string, unknown>;
  /** Log to the mock Rekor (default true). */
  rekor?: boolean;
  /** Timestamp with the mock TSA (default true). */
  tsa?: boolean;
}

export interface PredicateOptions {
  /** A predicate file. */
  predicate: string;
  /** cosign's --type: an alias (cyclonedx, spdxjson, slsaprovenance, custom …) or a URI. */
  type: string;
}

/** Throws with cosign's exit and output unless it exited 0; returns the run. */
export async function ok(run: Promise<RunResult> | RunResult, what = 'cosign3'): Promise<RunResult> {
  const result = await run;
  if (result.code !== 0) throw new Error(describeRun(what, result));
  return result;
}

/** A trusted root naming no authority: key-only signing with it never asks TUF (and prints no TUF warning). */
export const EMPTY_TRUSTED_ROOT = { mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1' };

async function writeJson(prefix: string, name: string, doc: unknown): Promise<string> {
  const path = join(await scratchDir(prefix), name);
  await writeFile(path, `${JSON.stringify(doc)}\n`);
  return path;
}

/** `cosign3 generate-key-pair` (scrypt N=65536) into a fresh folder. */
export async function cosign3GenerateKeyPair(password = 'cosign3-test'): Promise<Cosign3Key> {
  const dir = await scratchDir('cosign3-key');
  await ok(runCosign3(['generate-key-pair', '--output-key-prefix', join(dir, 'cosign')], { env: { COSIGN_PASSWORD: password }, cwd: dir }), 'cosign3 generate-key-pair');
  return { key: join(dir, 'cosign.key'), pub: join(dir, 'cosign.pub'), password };
}

/** A signing config (v0.2) naming the mock's Fulcio, and its Rekor (v1) and TSA unless switched off. */
export function mockSigningConfig(mock: SigstoreMock, options: { rekor?: boolean; tsa?: boolean } = {}): object {
  const service = (url: string) => [{ url, majorApiVersion: 1, validFor: { start: '2020-01-01T00:00:00Z' }, operator: 'sigstore-mock' }];
  return {
    mediaType: 'application/vnd.dev.sigstore.signingconfig.v0.2+json',
    caUrls: service(mock.fulcioUrl),
    oidcUrls: [],
    rekorTlogUrls: options.rekor === false ? [] : service(mock.rekorUrl),
    tsaUrls: options.tsa === false ? [] : service(mock.tsaUrl),
    rekorTlogConfig: { selector: 'ANY' },
    tsaConfig: { selector: 'ANY' },
  };
}

/** The flags that make cosign 3 sign with the mock: signing config, trusted root and a token file. */
export async function mockSigningFlags(mock: SigstoreMock, options: KeylessOptions = {}): Promise<string[]> {
  const config = await writeJson('cosign3-signing-config', 'signing-config.json', mockSigningConfig(mock, options));
  const tokenFile = join(await scratchDir('cosign3-token'), 'token');
  await writeFile(tokenFile, await mock.token(options.claims));
  return ['--identity-token', tokenFile, '--signing-config', config, '--trusted-root', mock.trustedRootPath];
}

async function keyOnlyFlags(key: Cosign3Key): Promise<string[]> {
  const config = await writeKeyOnlySigningConfig();
  const root = await writeJson('cosign3-trusted-root', 'trusted_root.json', EMPTY_TRUSTED_ROOT);
  return ['--key', key.key, '--signing-config', config, '--trusted-root', root];
}

function withPassword(key: Cosign3Key, options: RunOptions): RunOptions {
  return { ...options, env: { COSIGN_PASSWORD: key.password, ...options.env } };
}

const common = ['--allow-http-registry', '--yes'];

/** `cosign3 sign --key` without any Sigstore service: pushes a bundle (DSSE, publicKey hint) as a referrer. */
export async function cosign3SignKey(ref: string, key: Cosign3Key, options: Cosign3Options = {}): Promise<RunResult> {
  return runCosign3(['sign', ...(await keyOnlyFlags(key)), ...common, ...(options.args ?? []), ref], withPassword(key, options));
}

/**
 * `cosign3 sign --key` in the legacy format cosign 2 wrote: a `sha256-<hex>.sig` tag, no bundle, no Rekor
 * (`--new-bundle-format=false --use-signing-config=false --tlog-upload=false`).
 */
export async function cosign3SignKeyLegacy(ref: string, key: Cosign3Key, options: Cosign3Options = {}): Promise<RunResult> {
  const legacy = ['--new-bundle-format=false', '--use-signing-config=false', '--tlog-upload=false'];
  return runCosign3(['sign', '--key', key.key, ...legacy, ...common, ...(options.args ?? []), ref], withPassword(key, options));
}

/** `cosign3 attest --key` without any Sigstore service. */
export async function cosign3AttestKey(ref: string, key: Cosign3Key, what: PredicateOptions, options: Cosign3Options = {}): Promise<RunResult> {
  const args = ['attest', ...(await keyOnlyFlags(key)), '--predicate', what.predicate, '--type', what.type, ...common, ...(options.args ?? []), ref];
  return runCosign3(args, withPassword(key, options));
}

/** `cosign3 sign` keyless with the mock (Fulcio certificate, Rekor v1 entry, RFC 3161 timestamp). */
export async function cosign3SignKeyless(ref: string, mock: SigstoreMock, options: KeylessOptions = {}): Promise<RunResult> {
  return runCosign3(['sign', ...(await mockSigningFlags(mock, options)), ...common, ...(options.args ?? []), ref], options);
}

/** `cosign3 attest` keyless with the mock. */
export async function cosign3AttestKeyless(ref: string, mock: SigstoreMock, what: PredicateOptions, options: KeylessOptions = {}): Promise<RunResult> {
  const args = ['attest', ...(await mockSigningFlags(mock, options)), '--predicate', what.predicate, '--type', what.type, ...common, ...(options.args ?? []), ref];
  return runCosign3(args, options);
}

export interface KeyVerifyOptions extends Cosign3Options {
  /** A trusted root (e.g. the mock's) to check Rekor entries / timestamps with; without it the tlog is ignored. */
  trustedRoot?: string;
}

function keyVerifyFlags(pub: string, options: KeyVerifyOptions): string[] {
  const trust = options.trustedRoot ? ['--trusted-root', options.trustedRoot] : ['--insecure-ignore-tlog=true'];
  return ['--key', pub, ...trust, '--allow-http-registry'];
}

/** `cosign3 verify --key`; stdout is the JSON array of verified payloads. */
export async function cosign3VerifyKey(ref: string, pub: string, options: KeyVerifyOptions = {}): Promise<RunResult> {
  return runCosign3(['verify', ...keyVerifyFlags(pub, options), ...(options.args ?? []), ref], options);
}

/** `cosign3 verify-attestation --key --type`; stdout has one DSSE envelope (JSON) per line. */
export async function cosign3VerifyAttestationKey(ref: string, pub: string, type: string, options: KeyVerifyOptions = {}): Promise<RunResult> {
  return runCosign3(['verify-attestation', ...keyVerifyFlags(pub, options), '--type', type, ...(options.args ?? []), ref], options);
}

export interface KeylessVerifyOptions extends Cosign3Options {
  /** Default MOCK_SUBJECT. */
  identity?: string;
  /** Default MOCK_ISSUER. */
  issuer?: string;
}

function keylessVerifyFlags(mock: SigstoreMock, options: KeylessVerifyOptions): string[] {
  return [
    '--trusted-root', mock.trustedRootPath,
    '--certificate-identity', options.identity ?? MOCK_SUBJECT,
    '--certificate-oidc-issuer', options.issuer ?? MOCK_ISSUER,
    '--allow-http-registry',
  ];
}

/** `cosign3 verify` of keyless signatures made with the mock. */
export async function cosign3VerifyKeyless(ref: string, mock: SigstoreMock, options: KeylessVerifyOptions = {}): Promise<RunResult> {
  return runCosign3(['verify', ...keylessVerifyFlags(mock, options), ...(options.args ?? []), ref], options);
}

/** `cosign3 verify-attestation --type` of keyless attestations made with the mock. */
export async function cosign3VerifyAttestationKeyless(ref: string, mock: SigstoreMock, type: string, options: KeylessVerifyOptions = {}): Promise<RunResult> {
  return runCosign3(['verify-attestation', ...keylessVerifyFlags(mock, options), '--type', type, ...(options.args ?? []), ref], options);
}
