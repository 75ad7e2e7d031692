// Test helpers: a tiny image (and index) written through any Repository or into a throw-away layout, key pairs
// written as cosign does, and an in-process CLI runner.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPair } from '../../src/ops/keys.ts';
import { sha256Digest } from '../../src/oci/digest.ts';
import { createLayoutRepository } from '../../src/oci/layout/layout-repository.ts';
import type { Repository } from '../../src/oci/repository.ts';
import { main } from '../../src/cli/main.ts';

const enc = (s: string) => new TextEncoder().encode(s);

/** Push a one-layer OCI image; `seed` makes distinct images. Returns the manifest digest. */
export async function pushTestImage(repo: Repository, tag: string | undefined, seed = 'x'): Promise<string> {
  const layer = enc(`layer-${seed}`);
  const config = enc(`{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":["${sha256Digest(layer)}"]},"seed":"${seed}"}`);
  await repo.putBlob({ digest: sha256Digest(layer), size: layer.byteLength }, layer);
  await repo.putBlob({ digest: sha256Digest(config), size: config.byteLength }, config);
  const manifest = enc(
    `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","size":${config.byteLength},"digest":"${sha256Digest(config)}"},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","size":${layer.byteLength},"digest":"${sha256Digest(layer)}"}]}`,
  );
  const digest = sha256Digest(manifest);
  await repo.putManifest(tag ?? digest, { bytes: manifest, digest, mediaType: 'application/vnd.oci.image.manifest.v1+json' });
  return digest;
}

/**
 * A throw-away folder `dir` (named after `prefix`, removed after the test) holding the OCI layout `dir/layout` with
 * one test image tagged v1 (`seed` as for pushTestImage).
 */
export async function testLayout(t: { after(fn: () => Promise<void>): void }, prefix: string, seed?: string) {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const layout = join(dir, 'layout');
  const repo = createLayoutRepository({ kind: 'layout', path: layout });
  const digest = await pushTestImage(repo, 'v1', seed);
  return { dir, layout, repo, digest };
}

/** An index over two images; returns the index and child digests. */
export async function pushTestIndex(repo: Repository, tag: string): Promise<{ index: string; children: string[] }> {
  const children = [await pushTestImage(repo, undefined, 'amd64'), await pushTestImage(repo, undefined, 'arm64')];
  const sizes = await Promise.all(children.map(async (d) => (await repo.getManifest(d))!.bytes.byteLength));
  const index = enc(
    `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[${children
      .map((d, i) => `{"mediaType":"application/vnd.oci.image.manifest.v1+json","size":${sizes[i]},"digest":"${d}","platform":{"architecture":"${i ? 'arm64' : 'amd64'}","os":"linux"}}`)
      .join(',')}]}`,
  );
  const digest = sha256Digest(index);
  await repo.putManifest(tag, { bytes: index, digest, mediaType: 'application/vnd.oci.image.index.v1+json' });
  return { index: digest, children };
}

/** `<prefix>.key` (encrypted with an empty password, scrypt N=32768 to keep tests quick) and `<prefix>.pub`. */
export async function writeTestKeyPair(prefix: string): Promise<{ key: string; pub: string }> {
  const files = await generateKeyPair({ outputKeyPrefix: prefix, password: async () => '', scryptN: 32768 });
  return { key: files.privateKeyPath, pub: files.publicKeyPath };
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run the CLI in this process with its own env and captured output. */
export async function runCli(args: string[], env: Record<string, string | undefined> = {}): Promise<CliRun> {
  let stdout = '';
  const stderr: string[] = [];
  const code = await main(args, {
    stdout: (t) => void (stdout += t),
    stderr: (l) => void stderr.push(l),
    env: { COSIGN_PASSWORD: '', PATH: process.env.PATH, HOME: process.env.HOME, ...env },
  });
  return { code, stdout, stderr: stderr.join('\n') };
}
