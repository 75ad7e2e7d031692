// Set-up for the sid-peer smoke tests (cosign 3.1.1, oras 1.3.3): per test file, one registry WITH the referrers
// API (regsrv), one without (docker-registry 2.8), @sigstore/mock services, and sample images written by the
// project's image builder (test/interop/sample-image.ts) and pushed with `oras cp` (every digest kept), so the
// registries hold bytes a third-party client wrote. Every missing piece becomes the printed skip reason.
import { after, before, type TestContext } from 'node:test';
import { join } from 'node:path';
import { peersMissing, runOras, scratchDir, describeRun } from '../helpers/peers.ts';
import { referrersRegistryAvailable, startReferrersRegistry, type ReferrersRegistry } from '../helpers/referrers-registry.ts';
import { registryAvailable, startRegistry, type TestRegistry } from '../helpers/registry-server.ts';
import { startSigstoreMock, type SigstoreMock } from '../helpers/sigstore-mock.ts';
import { writeSampleLayout } from '../interop/sample-image.ts';

export type RegistryKind = 'referrers' | 'fallback';

export interface PeersEnv {
  /** regsrv: the OCI 1.1 referrers API. */
  referrers: ReferrersRegistry;
  /** docker-registry 2.8: no referrers API, the `sha256-<hex>` tag fallback. */
  fallback: TestRegistry;
  mock: SigstoreMock;
  scratch: string;
}

export interface SampleImage {
  /** host:port */
  host: string;
  /** http://host:port */
  url: string;
  /** repository name without the host */
  repo: string;
  digest: string;
  /** host/repo@digest */
  ref: string;
  /** Child digests of a multi-arch sample. */
  children: string[];
}

/** Registers before/after hooks for the file; `need(t)` gives the environment or skips with the reason. */
export function peersEnv(prefix: string) {
  let env: PeersEnv | string | undefined;
  let seq = 0;

  before(async () => {
    const why = peersMissing('cosign3', 'oras') ?? referrersRegistryAvailable() ?? registryAvailable();
    if (why) {
      env = why;
      return;
    }
    const referrers = await startReferrersRegistry();
    const fallback = await startRegistry({ mode: 'http' });
    env = { referrers, fallback, mock: await startSigstoreMock(), scratch: await scratchDir(prefix) };
  });

  after(async () => {
    if (typeof env !== 'object') return;
    await env.referrers.stop();
    await env.fallback.stop();
    await env.mock.stop();
  });

  return {
    need(t: TestContext): PeersEnv | undefined {
      if (typeof env === 'object') return env;
      t.skip(env ?? 'peers environment not started');
      return undefined;
    },
    /** A fresh sample image (or multi-arch index with `platforms`) in a fresh repository of the chosen registry. */
    async image(e: PeersEnv, kind: RegistryKind, name: string, platforms?: string[]): Promise<SampleImage> {
      seq += 1;
      const registry = kind === 'referrers' ? e.referrers : e.fallback;
      const repo = `${prefix}/${name}-${seq}`;
      const layout = join(e.scratch, `layout-${seq}`);
      const sample = await writeSampleLayout(layout, `${prefix}-${name}-${seq}-${process.pid}-${Date.now()}`, platforms);
      const pushed = await runOras(['cp', '--from-oci-layout', '--to-plain-http', `${layout}:${sample.tag}`, `${registry.host}/${repo}:${sample.tag}`]);
      if (pushed.code !== 0) throw new Error(describeRun('oras cp', pushed));
      return { host: registry.host, url: registry.url, repo, digest: sample.digest, ref: `${registry.host}/${repo}@${sample.digest}`, children: sample.children };
    },
  };
}
