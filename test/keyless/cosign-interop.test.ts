// cosign 2.5 verifies the keyless signature ocisign made with @sigstore/mock's Fulcio + Rekor.
//
// What works with cosign 2.5 for a legacy `.sig` (measured): `--trusted-root FILE` alone does NOT — cosign
// still initialises TUF for the Rekor keys ("getting Rekor public keys: … tuf-repo-cdn.sigstore.dev"), and
// with SIGSTORE_REKOR_PUBLIC_KEY + SIGSTORE_ROOT_FILE it still wants TUF for the CT log keys. All three env
// overrides, SIGSTORE_ROOT_FILE (Fulcio root), SIGSTORE_REKOR_PUBLIC_KEY and SIGSTORE_CT_LOG_PUBLIC_KEY_FILE,
// make it verify offline (with or without --trusted-root).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent } from 'undici';
import { openRepository } from '../../src/oci/open.ts';
import { pushTestImage, runCli } from '../cosign/test-image.ts';
import { describeRun, peers, runCosign } from '../helpers/peers.ts';
import { registryAvailable, startRegistry } from '../helpers/registry-server.ts';
import { cosignTrustEnv, MOCK_ISSUER, MOCK_SUBJECT, startSigstoreMock } from '../helpers/sigstore-mock.ts';

test('cosign 2.5 verifies an ocisign keyless signature (mock Fulcio/Rekor, SIGSTORE_* trust overrides)', async (t) => {
  const why = registryAvailable() ?? (peers().cosign ? undefined : peers().reason);
  if (why) return t.skip(why);
  const registry = await startRegistry({ mode: 'http' });
  const mock = await startSigstoreMock();
  const dispatcher = new Agent({ connections: 4 });
  const dir = await mkdtemp(join(tmpdir(), 'ocisign-keyless-cosign-'));
  t.after(async () => {
    await dispatcher.close();
    await mock.stop();
    await registry.stop();
    await rm(dir, { recursive: true, force: true });
  });
  const repo = await openRepository({ kind: 'registry', registry: registry.host, repository: 'keyless/cosign' }, { dispatcher, allowHttp: true });
  const digest = await pushTestImage(repo, 'v1', 'cosign-interop');
  const ref = `${registry.host}/keyless/cosign@${digest}`;
  const signed = await runCli(['sign', '--new-bundle-format=false', '--allow-http-registry', '--yes', '--fulcio-url', mock.fulcioUrl, '--rekor-url', mock.rekorUrl, '--identity-token', await mock.token(), ref]);
  assert.equal(signed.code, 0, signed.stderr);

  const env = await cosignTrustEnv(mock, dir);
  const identity = ['--certificate-identity', MOCK_SUBJECT, '--certificate-oidc-issuer', MOCK_ISSUER];
  const ok = await runCosign(['verify', '--allow-http-registry', '--trusted-root', mock.trustedRootPath, ...identity, ref], { env });
  assert.equal(ok.code, 0, describeRun('cosign verify', ok));
  assert.match(ok.stderr, /code-signing certificate was verified using trusted certificate authority certificates/);
  assert.equal(JSON.parse(ok.stdout)[0].critical.image['docker-manifest-digest'], digest);

  const wrong = await runCosign(['verify', '--allow-http-registry', '--certificate-identity', 'someone@example.com', '--certificate-oidc-issuer', MOCK_ISSUER, ref], { env });
  assert.notEqual(wrong.code, 0, 'cosign refuses another identity');
});
