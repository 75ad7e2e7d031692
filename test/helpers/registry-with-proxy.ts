// A real registry (docker-registry 2.8, plain HTTP) with the fault proxy in front of it, a key pair, and an open
// repository on the registry itself for setting up images; all removed after the test.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent } from 'undici';
import { openRepository } from '../../src/oci/open.ts';
import { parseReference } from '../../src/oci/reference.ts';
import { writeTestKeyPair } from '../cosign/test-image.ts';
import { startFaultProxy } from './fault-proxy.ts';
import { startRegistry } from './registry-server.ts';

export async function registryWithProxy(t: { after(fn: () => Promise<void>): void }, repository: string) {
  const registry = await startRegistry({ mode: 'http' });
  const proxy = await startFaultProxy({ upstream: registry.url });
  const dispatcher = new Agent();
  const dir = await mkdtemp(join(tmpdir(), 'ocisign-reg-'));
  t.after(async () => {
    await dispatcher.close();
    await proxy.stop();
    await registry.stop();
    await rm(dir, { recursive: true, force: true });
  });
  const k = await writeTestKeyPair(join(dir, 'k'));
  const repo = openRepository(parseReference(`${registry.host}/${repository}`), { dispatcher });
  return { registry, proxy, k, repo };
}
