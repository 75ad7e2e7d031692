// A real registry (docker-registry 2.8, plain HTTP, or one the test started) with the fault proxy in front of it, a
// key pair, and an open repository on the registry itself for setting up images; all removed after the test.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent } from 'undici';
import { openRepository } from '../../src/oci/open.ts';
import { parseReference } from '../../src/oci/reference.ts';
import { writeTestKeyPair } from '../cosign/test-image.ts';
import { startFaultProxy } from './fault-proxy.ts';
import { startRegistry } from './registry-server.ts';

type Cleanup = { after(fn: () => Promise<void>): void };

/** A registry server the proxy can stand in front of (docker-registry, regsrv). */
export interface Upstream {
  url: string;
  host: string;
  stop(): Promise<void>;
}

export async function registryWithProxy(t: Cleanup, repository: string) {
  const registry = await startRegistry({ mode: 'http' });
  return { registry, ...(await proxyInFront(t, registry, repository)) };
}

/** The fault proxy in front of `upstream` (stopped with it after the test), a key pair, and `repository` opened on the upstream itself. */
export async function proxyInFront(t: Cleanup, upstream: Upstream, repository: string) {
  const proxy = await startFaultProxy({ upstream: upstream.url });
  const dispatcher = new Agent();
  const dir = await mkdtemp(join(tmpdir(), 'ocisign-reg-'));
  t.after(async () => {
    await dispatcher.close();
    await proxy.stop();
    await upstream.stop();
    await rm(dir, { recursive: true, force: true });
  });
  const k = await writeTestKeyPair(join(dir, 'k'));
  const repo = openRepository(parseReference(`${upstream.host}/${repository}`), { dispatcher });
  return { proxy, k, repo };
}
