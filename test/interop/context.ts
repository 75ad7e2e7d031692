// Shared set-up for the peer interop tests: one real registry per test file (through the suite's registry
// harness, test/helpers/registry-server.ts), the peers, a scratch folder, the registry flags each tool needs in
// the chosen mode, key pairs made by either tool, and sample images pushed with skopeo. Every missing piece
// becomes a printed skip reason.
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { describeRun, ocisignMissing, peers, runCosign, runOcisign, runSkopeo, scratchDir, writeSigstorePolicy, type RunResult } from '../helpers/peers.ts';
import { registryAvailable, startRegistry, type RegistryMode as TestRegistryMode, type TestRegistry } from '../helpers/registry-server.ts';
import { pushSample, writeSampleLayout } from './sample-image.ts';

export type RegistryMode = Extract<TestRegistryMode, 'http' | 'tls-basic'>;
export type RegistryHandle = TestRegistry;

/** Start the suite's registry, or say why it cannot run. */
async function startOrReason(mode: RegistryMode): Promise<TestRegistry | string> {
  const unavailable = registryAvailable();
  if (unavailable !== undefined) return unavailable;
  try {
    return await startRegistry({ mode });
  } catch (err) {
    return `cannot start the ${mode} registry: ${err instanceof Error ? err.message : String(err)}`;
  }
}

export type Tool = 'cosign' | 'skopeo' | 'ocisign';

export interface Interop {
  registry: RegistryHandle;
  mode: RegistryMode;
  scratch: string;
  /** Registry flags per tool for this mode (cosign and ocisign share cosign's flag names). */
  cosignFlags: string[];
  ocisignFlags: string[];
  skopeoSrcFlags: string[];
  skopeoDestFlags: string[];
  /** Flags for skopeo inspect. */
  skopeoInspectFlags: string[];
}

export interface KeyPair {
  key: string;
  pub: string;
  password: string;
}

export interface PushedImage {
  /** host:port/repo (tag-less). */
  repository: string;
  digest: string;
  /** repository@digest */
  ref: string;
  /** repository:tag */
  tagRef: string;
  children: string[];
}

/** One registry per test file, started on first use; `need(t, tools)` skips the test with a reason. */
export function interopSuite(mode: RegistryMode) {
  let setup: Promise<Interop | string> | undefined;
  let seq = 0;

  async function start(): Promise<Interop | string> {
    const registry = await startOrReason(mode);
    if (typeof registry === 'string') return registry;
    const scratch = await scratchDir(`interop-${mode}`);
    const ctx: Interop = { registry, mode, scratch, ...flagsFor(mode, registry, scratch) };
    await prepareCertDir(ctx);
    return ctx;
  }

  return {
    /** The suite's interop context, or undefined after t.skip(reason). */
    async need(t: TestContext, tools: Tool[]): Promise<Interop | undefined> {
      const ctx = await this.ready(tools);
      if (typeof ctx !== 'string') return ctx;
      t.skip(ctx);
      return undefined;
    },
    /** The suite's interop context, or why it cannot run (for bench/ and tests). */
    async ready(tools: Tool[]): Promise<Interop | string> {
      const found = peers();
      const missing: string[] = [];
      if (tools.includes('cosign') && !found.cosign) missing.push(found.reason ?? 'cosign missing');
      if (tools.includes('skopeo') && !found.skopeo) missing.push(found.reason ?? 'skopeo missing');
      const ocisign = tools.includes('ocisign') ? ocisignMissing() : undefined;
      if (ocisign) missing.push(ocisign);
      if (missing.length === 0) {
        setup ??= start();
        const ctx = await setup;
        if (typeof ctx !== 'string') return ctx;
        missing.push(ctx);
      }
      return [...new Set(missing)].join('; ');
    },
    /** A fresh sample image (or multi-arch index) pushed to a fresh repository. */
    async push(ctx: Interop, name: string, platforms?: string[]): Promise<PushedImage> {
      seq += 1;
      const layout = join(ctx.scratch, `layout-${name}-${seq}`);
      const sample = await writeSampleLayout(layout, `${name}-${seq}-${process.pid}-${Date.now()}`, platforms);
      const repository = `interop/${name}-${seq}`;
      const digest = await pushSample(sample, { host: ctx.registry.host, destFlags: ctx.skopeoDestFlags }, repository, ctx.scratch);
      const full = `${ctx.registry.host}/${repository}`;
      return { repository: full, digest, ref: `${full}@${digest}`, tagRef: `${full}:${sample.tag}`, children: sample.children };
    },
    async stop(): Promise<void> {
      const ctx = await setup;
      if (ctx && typeof ctx !== 'string') await ctx.registry.stop();
    },
  };
}

function flagsFor(mode: RegistryMode, registry: RegistryHandle, scratch: string) {
  if (mode === 'http') {
    return {
      cosignFlags: ['--allow-http-registry'],
      ocisignFlags: ['--allow-http-registry'],
      skopeoSrcFlags: ['--src-tls-verify=false'],
      skopeoDestFlags: ['--dest-tls-verify=false'],
      skopeoInspectFlags: ['--tls-verify=false'],
    };
  }
  const auth = registry.username ? ['--registry-username', registry.username, '--registry-password', registry.password ?? ''] : [];
  const ca = registry.caFile ? ['--registry-cacert', registry.caFile] : [];
  // containers/image reads CA certificates from *.crt files in a cert dir.
  const certDir = join(scratch, 'certs');
  const creds = registry.username ? `${registry.username}:${registry.password ?? ''}` : undefined;
  return {
    cosignFlags: [...ca, ...auth],
    ocisignFlags: [...ca, ...auth],
    skopeoSrcFlags: ['--src-cert-dir', certDir, ...(creds ? ['--src-creds', creds] : [])],
    skopeoDestFlags: ['--dest-cert-dir', certDir, ...(creds ? ['--dest-creds', creds] : [])],
    skopeoInspectFlags: ['--cert-dir', certDir, ...(creds ? ['--creds', creds] : [])],
  };
}

/** Write the registry CA into the skopeo cert dir (TLS mode). */
export async function prepareCertDir(ctx: Interop): Promise<void> {
  if (ctx.mode === 'http') return;
  const certDir = join(ctx.scratch, 'certs');
  await mkdir(certDir, { recursive: true });
  if (ctx.registry.caPem) await writeFile(join(certDir, 'ca.crt'), ctx.registry.caPem);
}

export const PASSWORD = 'interop-pw';

/** A cosign-made key pair (cosign generate-key-pair). */
export async function cosignKeyPair(ctx: Interop, name: string, password = PASSWORD): Promise<KeyPair> {
  const prefix = join(await scratchDir(`keys-${name}`), name);
  const result = await runCosign(['generate-key-pair', '--output-key-prefix', prefix], { env: { COSIGN_PASSWORD: password } });
  if (result.code !== 0) throw new Error(`cosign generate-key-pair failed: ${result.stderr.trim()}`);
  void ctx;
  return { key: `${prefix}.key`, pub: `${prefix}.pub`, password };
}

/** An ocisign-made key pair (ocisign generate-key-pair). */
export async function ocisignKeyPair(ctx: Interop, name: string, password = PASSWORD): Promise<KeyPair> {
  const prefix = join(await scratchDir(`keys-${name}`), name);
  const result = await runOcisign(['generate-key-pair', '--output-key-prefix', prefix], { env: { COSIGN_PASSWORD: password } });
  if (result.code !== 0) throw new Error(`ocisign generate-key-pair failed: ${result.stderr.trim()}`);
  void ctx;
  return { key: `${prefix}.key`, pub: `${prefix}.pub`, password };
}

export function cosignSign(ctx: Interop, key: KeyPair, ref: string, extra: string[] = []): Promise<RunResult> {
  return runCosign(['sign', '--key', key.key, '--tlog-upload=false', '--yes', ...ctx.cosignFlags, ...extra, ref], {
    env: { COSIGN_PASSWORD: key.password },
  });
}

export function cosignVerify(ctx: Interop, key: KeyPair, ref: string, extra: string[] = []): Promise<RunResult> {
  return runCosign(['verify', '--key', key.pub, '--insecure-ignore-tlog=true', ...ctx.cosignFlags, ...extra, ref]);
}

export function ocisignSign(ctx: Interop, key: KeyPair, ref: string, extra: string[] = []): Promise<RunResult> {
  return runOcisign(['sign', '--new-bundle-format=false', '--key', key.key, '--tlog-upload=false', ...ctx.ocisignFlags, ...extra, ref], {
    env: { COSIGN_PASSWORD: key.password },
  });
}

export function ocisignVerify(ctx: Interop, key: KeyPair, ref: string, extra: string[] = []): Promise<RunResult> {
  return runOcisign(['verify', '--key', key.pub, '--insecure-ignore-tlog', ...ctx.ocisignFlags, ...extra, ref]);
}

/** The simple-signing payloads printed by a verify (cosign's JSON array shape), or [] when unparsable. */
export function verifiedPayloads(result: RunResult): Array<{ critical?: { image?: Record<string, string> } }> {
  const start = result.stdout.indexOf('[');
  if (start < 0) return [];
  try {
    const parsed = JSON.parse(result.stdout.slice(start)) as unknown;
    return Array.isArray(parsed) ? (parsed as Array<{ critical?: { image?: Record<string, string> } }>) : [];
  } catch {
    return [];
  }
}

/** skopeo copy with a sigstoreSigned (matchRepository) policy for the registry host: exit 0 = accepted. */
export async function skopeoAccepts(ctx: Interop, key: KeyPair, tagOrDigestRef: string, extra: string[] = []): Promise<RunResult> {
  const policy = await writeSigstorePolicy([{ scope: ctx.registry.host, publicKey: key.pub }]);
  const out = join(await scratchDir('skopeo-out'), 'layout');
  return runSkopeo(['copy', '--remove-signatures', ...ctx.skopeoSrcFlags, ...extra, `docker://${tagOrDigestRef}`, `oci:${out}:x`], { policy });
}

/** skopeo signs an image in place (copy onto itself, --preserve-digests) with a sigstore key. */
export async function skopeoSign(ctx: Interop, key: KeyPair, tagRef: string, extra: string[] = []): Promise<RunResult> {
  const passFile = join(await scratchDir('skopeo-pass'), 'pw.txt');
  await writeFile(passFile, `${key.password}\n`);
  return runSkopeo([
    'copy', '--preserve-digests', '--sign-by-sigstore-private-key', key.key, '--sign-passphrase-file', passFile,
    ...ctx.skopeoSrcFlags, ...ctx.skopeoDestFlags, ...extra, `docker://${tagRef}`, `docker://${tagRef}`,
  ]);
}

export interface SigManifest {
  layers: Array<{ digest: string; annotations?: Record<string, string> }>;
}

/** The .sig manifest of an image as the registry holds it (skopeo inspect --raw), or undefined when absent. */
export async function readSigManifest(ctx: Interop, image: PushedImage, digest = image.digest): Promise<SigManifest | undefined> {
  const tag = `${digest.replace(':', '-')}.sig`;
  const result = await runSkopeo(['inspect', '--raw', ...ctx.skopeoInspectFlags, `docker://${image.repository}:${tag}`]);
  if (result.code !== 0) {
    if (/manifest unknown|not found/i.test(result.stderr)) return undefined;
    throw new Error(`skopeo inspect --raw of ${image.repository}:${tag} failed: ${result.stderr.trim()}`);
  }
  return JSON.parse(result.stdout) as SigManifest;
}

/** cosign 2.5 `verify` and skopeo (a sigstoreSigned policy) both accept `image`, signed with `key`. */
export async function assertPeersAccept(ctx: Interop, key: KeyPair, image: PushedImage): Promise<void> {
  const byCosign = await cosignVerify(ctx, key, image.ref);
  assert.equal(byCosign.code, 0, describeRun('cosign verify', byCosign));
  const bySkopeo = await skopeoAccepts(ctx, key, image.tagRef);
  assert.equal(bySkopeo.code, 0, describeRun('skopeo copy (sigstoreSigned policy)', bySkopeo));
}
