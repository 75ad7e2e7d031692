// cosign 3.1.1 and oras 1.3.3 read what ocisign writes, on docker-registry 2.8 (fallback index) and on
// go-containerregistry's registry with the referrers API: key and keyless (@sigstore/mock + its trusted root)
// signatures and attestations, oras discover's view of the fallback index, and a copy to the other registry.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Agent } from 'undici';
import { openRepository } from '../../src/oci/open.ts';
import { pushTestImage, runCli, writeTestKeyPair } from '../cosign/test-image.ts';
import { registryAvailable, startRegistry } from '../helpers/registry-server.ts';
import {
  cosign3VerifyAttestationKey, cosign3VerifyAttestationKeyless, cosign3VerifyKey, cosign3VerifyKeyless,
} from '../helpers/cosign3.ts';
import { orasDiscover, peersMissing } from '../helpers/peers.ts';
import { referrersRegistryAvailable, startReferrersRegistry } from '../helpers/referrers-registry.ts';
import { startSigstoreMock, MOCK_ISSUER, type SigstoreMock } from '../helpers/sigstore-mock.ts';

const BUNDLE = 'application/vnd.dev.sigstore.bundle.v0.3+json';
const skip = registryAvailable() ?? peersMissing('cosign3', 'oras') ?? referrersRegistryAvailable();

describe('cosign 3.1.1 and oras 1.3.3 accept ocisign bundles', { skip }, () => {
  const stops: Array<() => Promise<void>> = [];
  const dispatcher = new Agent({ connections: 8 });
  let dir: string;
  let mock: SigstoreMock;
  let keys: { key: string; pub: string };
  let bom: string;
  const registries: Record<'distribution' | 'api', string> = { distribution: '', api: '' };
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ocisign-cosign3-'));
    const plain = await startRegistry({ mode: 'http' });
    const api = await startReferrersRegistry();
    mock = await startSigstoreMock({ rekorDsse: 'canonical' });
    stops.push(() => plain.stop(), () => api.stop(), () => mock.stop());
    registries.distribution = plain.host;
    registries.api = api.host;
    keys = await writeTestKeyPair(join(dir, 'k'));
    bom = join(dir, 'bom.json');
    await writeFile(bom, JSON.stringify({ bomFormat: 'CycloneDX', specVersion: '1.6', version: 1, components: [] }));
  });
  after(async () => {
    await dispatcher.close();
    for (const stop of stops) await stop();
    await rm(dir, { recursive: true, force: true });
  });
  let seq = 0;
  async function image(host: string, name: string) {
    const repository = `interop/${name}-${++seq}`;
    const repo = openRepository({ kind: 'registry', registry: host, repository }, { dispatcher });
    const digest = await pushTestImage(repo, 'v1', `${name}-${seq}`);
    return { ref: `${host}/${repository}@${digest}`, digest, repo };
  }
  const ocisign = async (args: string[]) => {
    const r = await runCli(['--allow-http-registry', ...args], { COSIGN_PASSWORD: '' });
    assert.equal(r.code, 0, r.stderr);
    return r;
  };

  for (const kind of ['distribution', 'api'] as const) {
    it(`${kind}: key-signed bundle (with -a) and a cyclonedx attestation pass cosign 3 verify / verify-attestation --type`, async () => {
      const img = await image(registries[kind], 'key');
      await ocisign(['sign', '--key', keys.key, '--tlog-upload=false', '-a', 'env=prod', img.ref]);
      await ocisign(['attest', '--key', keys.key, '--tlog-upload=false', '--type', 'cyclonedx', '--predicate', bom, img.ref]);
      const v = await cosign3VerifyKey(img.ref, keys.pub, { args: ['-a', 'env=prod'] });
      assert.equal(v.code, 0, v.stderr);
      assert.match(v.stdout, /"type":"https:\/\/sigstore.dev\/cosign\/sign\/v1"/);
      const a = await cosign3VerifyAttestationKey(img.ref, keys.pub, 'cyclonedx');
      assert.equal(a.code, 0, a.stderr);
      const wrongKey = await writeTestKeyPair(join(dir, `other-${kind}`));
      const refused = await cosign3VerifyKey(img.ref, wrongKey.pub);
      assert.notEqual(refused.code, 0, 'another key is refused (the check can fail)');
    });

    it(`${kind}: keyless bundles (mock Fulcio, Rekor with inclusion proof, TSA) pass cosign 3 with the mock's trusted root`, async () => {
      const img = await image(registries[kind], 'keyless');
      const services = ['--yes', '--fulcio-url', mock.fulcioUrl, '--rekor-url', mock.rekorUrl, '--timestamp-server-url', mock.tsaUrl, '--identity-token', await mock.token()];
      await ocisign(['sign', ...services, img.ref]);
      await ocisign(['attest', ...services, '--type', 'cyclonedx', '--predicate', bom, img.ref]);
      const v = await cosign3VerifyKeyless(img.ref, mock);
      assert.equal(v.code, 0, v.stderr);
      const a = await cosign3VerifyAttestationKeyless(img.ref, mock, 'cyclonedx');
      assert.equal(a.code, 0, a.stderr);
      const otherIdentity = await cosign3VerifyKeyless(img.ref, mock, { identity: 'https://github.com/evil/app/.github/workflows/x.yml@refs/heads/main', issuer: MOCK_ISSUER });
      assert.notEqual(otherIdentity.code, 0, 'another identity is refused');
    });
  }

  it('oras discover lists ocisign fallback-index entries as bundles, with their annotations', async () => {
    const img = await image(registries.distribution, 'oras');
    await ocisign(['sign', '--key', keys.key, '--tlog-upload=false', img.ref]);
    const referrers = await orasDiscover(img.ref, { artifactType: BUNDLE }); // throws unless oras exits 0
    assert.equal(referrers.length, 1);
    assert.equal(referrers[0]!.artifactType, BUNDLE);
    assert.equal(referrers[0]!.annotations?.['dev.sigstore.bundle.predicateType'], 'https://sigstore.dev/cosign/sign/v1');
  });

  it('after ocisign copy to the other registry (fallback index → referrers API and back), cosign 3 still verifies', async () => {
    const img = await image(registries.distribution, 'copy');
    await ocisign(['sign', '--key', keys.key, '--tlog-upload=false', img.ref]);
    await ocisign(['attest', '--key', keys.key, '--tlog-upload=false', '--type', 'cyclonedx', '--predicate', bom, img.ref]);
    const onApi = `${registries.api}/copied/app:v1`;
    await ocisign(['copy', img.ref, onApi]);
    const back = `${registries.distribution}/copied-back/app:v1`;
    await ocisign(['copy', onApi, back]);
    for (const ref of [onApi, back]) {
      const v = await cosign3VerifyKey(ref, keys.pub);
      assert.equal(v.code, 0, `${ref}: ${v.stderr}`);
      const a = await cosign3VerifyAttestationKey(ref, keys.pub, 'cyclonedx');
      assert.equal(a.code, 0, `${ref}: ${a.stderr}`);
    }
  });
});
