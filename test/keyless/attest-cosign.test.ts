// cosign 2.5 `verify-attestation` accepts the keyless attestation ocisign made with @sigstore/mock's Fulcio +
// Rekor (dsse entry), with the SIGSTORE_ROOT_FILE / SIGSTORE_REKOR_PUBLIC_KEY / SIGSTORE_CT_LOG_PUBLIC_KEY_FILE
// overrides (see cosign-interop.test.ts for why all three). Both dsse entry shapes: the proposal as the mock
// logs it (cosign reads it through rekor's Unmarshal, which derives envelopeHash/signatures from it) and the
// canonical body the real Rekor logs. Also a key-signed attestation with its dsse entry, SET checked by cosign.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent } from 'undici';
import { openRepository } from '../../src/oci/open.ts';
import { pushTestImage, runCli, writeTestKeyPair } from '../cosign/test-image.ts';
import { describeRun, peers, runCosign } from '../helpers/peers.ts';
import { registryAvailable, startRegistry } from '../helpers/registry-server.ts';
import { cosignTrustEnv, MOCK_ISSUER, MOCK_SUBJECT, startSigstoreMock } from '../helpers/sigstore-mock.ts';

test('cosign 2.5 verify-attestation accepts ocisign keyless and logged-key attestations (mock Fulcio/Rekor)', async (t) => {
  const why = registryAvailable() ?? (peers().cosign ? undefined : peers().reason);
  if (why) return t.skip(why);
  const registry = await startRegistry({ mode: 'http' });
  const dispatcher = new Agent({ connections: 4 });
  const dir = await mkdtemp(join(tmpdir(), 'ocisign-attest-cosign-'));
  const mocks = [await startSigstoreMock(), await startSigstoreMock({ rekorDsse: 'canonical' })];
  t.after(async () => {
    await dispatcher.close();
    for (const m of mocks) await m.stop();
    await registry.stop();
    await rm(dir, { recursive: true, force: true });
  });
  const bom = join(dir, 'bom.json');
  await writeFile(bom, JSON.stringify({ bomFormat: 'CycloneDX', specVersion: '1.6', components: [{ name: 'a' }] }));
  const identity = ['--certificate-identity', MOCK_SUBJECT, '--certificate-oidc-issuer', MOCK_ISSUER];
  for (const [i, mock] of mocks.entries()) {
    const shape = i === 0 ? 'proposal' : 'canonical';
    const repo = await openRepository({ kind: 'registry', registry: registry.host, repository: `att/cosign-${shape}` }, { dispatcher, allowHttp: true });
    const digest = await pushTestImage(repo, 'v1', `cosign-att-${shape}`);
    const ref = `${registry.host}/att/cosign-${shape}@${digest}`;
    const attested = await runCli(['attest', '--new-bundle-format=false', '--allow-http-registry', '--yes', '--fulcio-url', mock.fulcioUrl, '--rekor-url', mock.rekorUrl, '--identity-token', await mock.token(), '--type', 'cyclonedx', '--predicate', bom, ref]);
    assert.equal(attested.code, 0, attested.stderr);
    const trustDir = join(dir, shape);
    const { mkdir } = await import('node:fs/promises');
    await mkdir(trustDir);
    const env = await cosignTrustEnv(mock, trustDir);
    const ok = await runCosign(['verify-attestation', '--allow-http-registry', '--type', 'cyclonedx', ...identity, ref], { env });
    assert.equal(ok.code, 0, describeRun(`cosign verify-attestation (${shape} dsse entry)`, ok));
    assert.match(ok.stderr, /Existence of the claims in the transparency log was verified offline/);
    const statement = JSON.parse(Buffer.from(JSON.parse(ok.stdout.trim().split('\n')[0]!).payload, 'base64').toString('utf8'));
    assert.equal(statement.subject[0].digest.sha256, digest.slice(7));
    const wrong = await runCosign(['verify-attestation', '--allow-http-registry', '--type', 'cyclonedx', '--certificate-identity', 'someone@example.com', '--certificate-oidc-issuer', MOCK_ISSUER, ref], { env });
    assert.notEqual(wrong.code, 0, 'cosign refuses another identity');

    // key-signed, logged (dsse entry): cosign checks the SET with SIGSTORE_REKOR_PUBLIC_KEY, no --insecure-ignore-tlog
    const key = await writeTestKeyPair(join(dir, `k-${shape}`));
    const keyed = await openRepository({ kind: 'registry', registry: registry.host, repository: `att/cosign-key-${shape}` }, { dispatcher, allowHttp: true });
    const keyedDigest = await pushTestImage(keyed, 'v1', `cosign-att-key-${shape}`);
    const keyedRef = `${registry.host}/att/cosign-key-${shape}@${keyedDigest}`;
    const signed = await runCli(['attest', '--new-bundle-format=false', '--allow-http-registry', '--key', key.key, '--rekor-url', mock.rekorUrl, '--type', 'cyclonedx', '--predicate', bom, keyedRef]);
    assert.equal(signed.code, 0, signed.stderr);
    const keyOk = await runCosign(['verify-attestation', '--allow-http-registry', '--key', key.pub, '--type', 'cyclonedx', keyedRef], { env });
    assert.equal(keyOk.code, 0, describeRun(`cosign verify-attestation --key (${shape} dsse entry)`, keyOk));
    assert.match(keyOk.stderr, /Existence of the claims in the transparency log was verified offline/);
  }
});
