// `verify-attestation` of one keyless attestation (Fulcio certificate + Rekor dsse entry), offline, side by side
// with cosign 2.5 on the same loopback registry and image. The attestation is made by ocisign against
// @sigstore/mock's Fulcio + Rekor (test/helpers/sigstore-mock.ts); both tools get the same trust material:
// ocisign `--trusted-root`, cosign the SIGSTORE_ROOT_FILE / SIGSTORE_REKOR_PUBLIC_KEY /
// SIGSTORE_CT_LOG_PUBLIC_KEY_FILE overrides. ocisign runs from dist/ (npm run build).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent } from 'undici';
import { openRepository } from '../src/oci/open.ts';
import { pushTestImage, runCli } from '../test/cosign/test-image.ts';
import { cosignCommand, ocisignCommand, ocisignMissing, peers } from '../test/helpers/peers.ts';
import { registryAvailable, startRegistry } from '../test/helpers/registry-server.ts';
import { cosignTrustEnv, MOCK_ISSUER, MOCK_SUBJECT, startSigstoreMock } from '../test/helpers/sigstore-mock.ts';
import { type BenchFunction, type BenchOptions, type BenchRow, compare, runStandalone } from './lib.ts';

const TITLE = 'verify-attestation of one keyless attestation offline (--trusted-root)';

export const bench: BenchFunction = async (options: BenchOptions): Promise<BenchRow[]> => {
  const missing = registryAvailable() ?? (peers().cosign ? undefined : peers().reason) ?? ocisignMissing();
  if (missing) return [{ title: TITLE, note: `skipped: ${missing}` }];
  const registry = await startRegistry({ mode: 'http' });
  const mock = await startSigstoreMock({ rekorDsse: 'canonical' });
  const dispatcher = new Agent({ connections: 4 });
  const dir = await mkdtemp(join(tmpdir(), 'ocisign-bench-keyless-att-'));
  try {
    const repo = await openRepository({ kind: 'registry', registry: registry.host, repository: 'bench/keyless-att' }, { dispatcher, allowHttp: true });
    const digest = await pushTestImage(repo, 'v1', `bench-keyless-att-${Date.now()}`);
    const ref = `${registry.host}/bench/keyless-att@${digest}`;
    const bom = join(dir, 'bom.json');
    await writeFile(bom, JSON.stringify({ bomFormat: 'CycloneDX', specVersion: '1.6', components: [{ name: 'a' }] }));
    const attested = await runCli(['attest', '--allow-http-registry', '--yes', '--fulcio-url', mock.fulcioUrl, '--rekor-url', mock.rekorUrl, '--identity-token', await mock.token(), '--type', 'cyclonedx', '--predicate', bom, ref]);
    if (attested.code !== 0) throw new Error(`ocisign keyless attest for the bench failed: ${attested.stderr}`);
    const identity = ['--certificate-identity', MOCK_SUBJECT, '--certificate-oidc-issuer', MOCK_ISSUER];
    const ours = await ocisignCommand(['verify-attestation', '--allow-http-registry', '--trusted-root', mock.trustedRootPath, '--type', 'cyclonedx', ...identity, ref]);
    const peer = await cosignCommand(['verify-attestation', '--allow-http-registry', '--type', 'cyclonedx', ...identity, ref], { env: await cosignTrustEnv(mock, dir) });
    return [await compare(TITLE, { name: 'ocisign verify-attestation', ...ours }, { name: 'cosign verify-attestation', ...peer }, options, 1.0)];
  } finally {
    await dispatcher.close();
    await mock.stop();
    await registry.stop();
    await rm(dir, { recursive: true, force: true });
  }
};

if (import.meta.main) await runStandalone(bench);
