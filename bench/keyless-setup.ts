// What the keyless benches share: a loopback registry, @sigstore/mock's Fulcio + Rekor, one pushed test image,
// the flags that sign against the mock, and cosign's trust overrides for the mock's material; all removed after.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent } from 'undici';
import { openRepository } from '../src/oci/open.ts';
import { pushTestImage } from '../test/cosign/test-image.ts';
import { ocisignMissing, peers } from '../test/helpers/peers.ts';
import { registryAvailable, startRegistry } from '../test/helpers/registry-server.ts';
import { cosignTrustEnv, startSigstoreMock, type MockOptions, type SigstoreMock } from '../test/helpers/sigstore-mock.ts';
import type { BenchRow } from './lib.ts';

export interface KeylessBenchImage {
  mock: SigstoreMock;
  /** A scratch folder for files the bench writes. */
  dir: string;
  /** The image, by digest. */
  ref: string;
  /** `--yes --fulcio-url … --rekor-url … --identity-token …` for ocisign sign/attest against the mock. */
  keylessFlags: string[];
  /** Environment for cosign so it trusts the mock's material instead of TUF's. */
  cosignEnv: Record<string, string>;
}

/** Runs `measure` on a fresh image in `bench/<name>`, or returns a skipped row titled `title` when a part is missing. */
export async function withKeylessImage(title: string, name: string, mockOptions: MockOptions, measure: (b: KeylessBenchImage) => Promise<BenchRow[]>): Promise<BenchRow[]> {
  const missing = registryAvailable() ?? (peers().cosign ? undefined : peers().reason) ?? ocisignMissing();
  if (missing) return [{ title, note: `skipped: ${missing}` }];
  const registry = await startRegistry({ mode: 'http' });
  const mock = await startSigstoreMock(mockOptions);
  const dispatcher = new Agent({ connections: 4 });
  const dir = await mkdtemp(join(tmpdir(), `ocisign-bench-${name}-`));
  try {
    const repository = `bench/${name}`;
    const repo = await openRepository({ kind: 'registry', registry: registry.host, repository }, { dispatcher, allowHttp: true });
    const digest = await pushTestImage(repo, 'v1', `bench-${name}-${Date.now()}`);
    const keylessFlags = ['--yes', '--fulcio-url', mock.fulcioUrl, '--rekor-url', mock.rekorUrl, '--identity-token', await mock.token()];
    return await measure({ mock, dir, ref: `${registry.host}/${repository}@${digest}`, keylessFlags, cosignEnv: await cosignTrustEnv(mock, dir) });
  } finally {
    await dispatcher.close();
    await mock.stop();
    await registry.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
