// One real registry (distribution 2.8) and @sigstore/mock services (Fulcio, Rekor, TSA) per test file, for the
// keyless tests: started before the file's tests, stopped after; tests skip with the reason when the registry
// is missing. Also a small CycloneDX BOM (one MIT component) to attest.
import { after, before, type TestContext } from 'node:test';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent } from 'undici';
import { openRepository } from '../../src/oci/open.ts';
import type { Repository } from '../../src/oci/repository.ts';
import { pushTestImage } from '../cosign/test-image.ts';
import { registryAvailable, startRegistry, type TestRegistry } from './registry-server.ts';
import { startSigstoreMock, type MockOptions, type SigstoreMock } from './sigstore-mock.ts';

/** The file's registry, its named mocks (e.g. `mock`, `canonical`), a dispatcher and a scratch folder. */
export type KeylessEnv<M> = {
  registry: TestRegistry;
  dispatcher: Agent;
  dir: string;
  /** A CycloneDX 1.6 BOM file with one MIT-licensed component. */
  bom: string;
  /** Counts images pushed, so every test gets fresh repositories. */
  seq: number;
} & { [K in keyof M]: SigstoreMock };

export interface PushedTestImage {
  ref: string;
  digest: string;
  repo: Repository;
}

/** Registers the file's before/after hooks; `repositoryPrefix` names the repositories its images go to. */
export function keylessEnv<M extends Record<string, MockOptions>>(repositoryPrefix: string, mocks: M) {
  let env: KeylessEnv<M> | string | undefined;

  before(async () => {
    const why = registryAvailable();
    if (why) {
      env = why;
      return;
    }
    const dir = await mkdtemp(join(tmpdir(), `ocisign-${repositoryPrefix}-`));
    const bom = join(dir, 'bom.json');
    await writeFile(bom, JSON.stringify({ bomFormat: 'CycloneDX', specVersion: '1.6', components: [{ name: 'a', licenses: [{ license: { id: 'MIT' } }] }] }));
    const started: Record<string, SigstoreMock> = {};
    for (const [name, options] of Object.entries(mocks)) started[name] = await startSigstoreMock(options);
    const registry = await startRegistry({ mode: 'http' });
    env = { registry, dispatcher: new Agent({ connections: 4 }), dir, bom, seq: 0, ...started } as KeylessEnv<M>;
  });

  after(async () => {
    if (typeof env !== 'object') return;
    await env.dispatcher.close();
    for (const name of Object.keys(mocks)) await (env[name as keyof M] as SigstoreMock).stop();
    await env.registry.stop();
    await rm(env.dir, { recursive: true, force: true });
  });

  return {
    /** The environment, or undefined after `t.skip(reason)`. */
    need(t: TestContext): KeylessEnv<M> | undefined {
      if (typeof env === 'object') return env;
      t.skip(env ?? 'keyless environment not started');
      return undefined;
    },
    /** A fresh test image in a fresh repository `<prefix>/<name>-<n>`: its digest reference and repository. */
    async image(e: KeylessEnv<M>, name: string): Promise<PushedTestImage> {
      e.seq += 1;
      const repository = `${repositoryPrefix}/${name}-${e.seq}`;
      const repo = await openRepository({ kind: 'registry', registry: e.registry.host, repository }, { dispatcher: e.dispatcher, allowHttp: true });
      const digest = await pushTestImage(repo, 'v1', `${name}-${e.seq}`);
      return { ref: `${e.registry.host}/${repository}@${digest}`, digest, repo };
    },
  };
}
