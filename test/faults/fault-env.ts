// The set-up of the fault tests: the real registry (distribution 2.8), the fault proxy in front of it, a key pair, a
// predicate, and helpers that run bin/ocisign through the proxy and count what is stored, read straight from the
// registry (never through the proxy).
import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent } from 'undici';
import { readAttachments } from '../../src/cosign/attachments.ts';
import type { AttachmentKind } from '../../src/cosign/tags.ts';
import { openRepository } from '../../src/oci/open.ts';
import { parseReference } from '../../src/oci/reference.ts';
import type { Repository } from '../../src/oci/repository.ts';
import { runCli, type CliRun } from '../cli/run-cli.ts';
import { pushTestImage, writeTestKeyPair } from '../cosign/test-image.ts';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.ts';
import { registryAvailable, startRegistry, type TestRegistry } from '../helpers/registry-server.ts';

export interface FaultEnv {
  registry: TestRegistry;
  proxy: FaultProxy;
  key: { key: string; pub: string };
  dir: string;
  /** A small in-toto predicate file. */
  predicate: string;
  /** A CycloneDX SBOM file. */
  sbom: string;
  dispatcher: Agent;
  /** A fresh repository with one image; its references through the proxy and straight to the registry. */
  image(name: string): Promise<TestImage>;
  /** `faults/NAME`, straight to the registry. */
  repo(name: string): Repository;
}

export interface TestImage {
  digest: string;
  /** `PROXY/faults/NAME@sha256:…`: what the commands under test are given. */
  viaProxy: string;
  /** `REGISTRY/faults/NAME@sha256:…` */
  direct: string;
  repo: Repository;
}

/** Registers before/after hooks; returns a getter that throws the skip reason when the registry is missing. */
export function faultEnv(): () => FaultEnv | string {
  let env: FaultEnv | string | undefined;
  before(async () => {
    const why = registryAvailable();
    if (why) {
      env = why;
      return;
    }
    const registry = await startRegistry({ mode: 'http' });
    const proxy = await startFaultProxy({ upstream: registry.url });
    const dir = await mkdtemp(join(tmpdir(), 'ocisign-faults-'));
    const dispatcher = new Agent();
    const predicate = join(dir, 'predicate.json');
    await writeFile(predicate, '{"builder":{"id":"https://ci.example/builder"}}');
    const sbom = join(dir, 'sbom.cdx.json');
    await writeFile(sbom, JSON.stringify({ bomFormat: 'CycloneDX', specVersion: '1.6', version: 1, components: [] }));
    env = {
      registry,
      proxy,
      key: await writeTestKeyPair(join(dir, 'k')),
      dir,
      predicate,
      sbom,
      dispatcher,
      repo: (name) => openRepository(parseReference(`${registry.host}/faults/${name}`), { dispatcher }),
      async image(name) {
        const repo = openRepository(parseReference(`${registry.host}/faults/${name}`), { dispatcher });
        const digest = await pushTestImage(repo, 'v1', name);
        return { digest, repo, viaProxy: `${proxy.host}/faults/${name}@${digest}`, direct: `${registry.host}/faults/${name}@${digest}` };
      },
    };
  });
  after(async () => {
    if (typeof env !== 'object') return;
    await env.dispatcher.close();
    await env.proxy.stop();
    await env.registry.stop();
    await rm(env.dir, { recursive: true, force: true });
  });
  return () => env ?? 'set-up did not run';
}

/** bin/ocisign with the test key's empty password; `--allow-http-registry` is not needed on loopback. */
export function ocisign(args: string[]): Promise<CliRun> {
  return runCli(args, { env: { COSIGN_PASSWORD: '' } });
}

export function sign(env: FaultEnv, image: string, ...extra: string[]): Promise<CliRun> {
  return ocisign(['sign', '--key', env.key.key, '--new-bundle-format=false', '--tlog-upload=false', ...extra, image]);
}

export function attest(env: FaultEnv, image: string, ...extra: string[]): Promise<CliRun> {
  return ocisign(['attest', '--key', env.key.key, '--new-bundle-format=false', '--tlog-upload=false', '--predicate', env.predicate, '--type', 'slsaprovenance', ...extra, image]);
}

/** Layers stored in the image's `.sig`/`.att`/`.sbom` (in `repo`, by default the image's), read straight from the registry. */
export async function storedLayers(image: Pick<TestImage, 'repo' | 'digest'>, kind: AttachmentKind, repo = image.repo): Promise<string[]> {
  const set = await readAttachments(repo, image.digest, kind);
  return set.layers.map((l) => l.descriptor.digest);
}

/** Every layer of `before` is still stored (and, when `added`, exactly that many more). */
export async function assertKept(image: TestImage, kind: AttachmentKind, before: readonly string[], why: string): Promise<string[]> {
  const now = await storedLayers(image, kind);
  for (const layer of before) assert.ok(now.includes(layer), `${why}: ${kind} layer ${layer} was lost (now ${now.length}: ${now.join(', ')})`);
  return now;
}

/** A failed run ends as the rules say: exit 4 (or 0 after a retry), one line naming the host, no stack trace. */
export function assertCleanFailure(r: CliRun, host: string, why: string): void {
  assert.ok(r.code === 4 || r.code === 0, `${why}: exit ${r.code}\n${r.stderr}`);
  assert.doesNotMatch(r.stderr, /\n\s+at |internal error/, `${why}: no stack trace, no internal error\n${r.stderr}`);
  if (r.code === 0) return;
  const errors = r.stderr.split('\n').filter((l) => l.startsWith('ocisign: ') && !l.startsWith('ocisign: warning:'));
  assert.equal(errors.length, 1, `${why}: one error line\n${r.stderr}`);
  assert.ok(errors[0]!.includes(host), `${why}: the error names ${host}\n${r.stderr}`);
}
