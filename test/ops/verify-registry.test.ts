// sign and verify against the real registry (distribution 2.8): the cosign-shaped .sig on the wire, many images in
// one verify call, and a registry that returns different bytes for a digest (fault proxy).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readAttachments } from '../../src/cosign/attachments.ts';
import { buildSignatureConfig } from '../../src/cosign/signature-image.ts';
import { registryWithProxy } from '../helpers/registry-with-proxy.ts';
import { registryAvailable } from '../helpers/registry-server.ts';
import { pushTestImage, runCli } from '../cosign/test-image.ts';

test('sign and verify on the real registry; many images in one call; lying registry', async (t) => {
  const why = registryAvailable();
  if (why) return t.skip(why);
  const { registry, proxy, k, repo } = await registryWithProxy(t, 'demo/app');
  const digests: string[] = [];
  for (let i = 0; i < 6; i++) digests.push(await pushTestImage(repo, `v${i}`, `img${i}`));

  const signed = await runCli(['sign', '--new-bundle-format=false', '--key', k.key, '--tlog-upload=false', ...digests.slice(0, 5).map((d) => `${registry.host}/demo/app@${d}`)]);
  assert.equal(signed.code, 0, signed.stderr);

  const set = await readAttachments(repo, digests[0]!, 'signature', { payloads: true });
  const m = JSON.parse(new TextDecoder().decode(set.manifest!.bytes));
  assert.equal(m.config.size, 233);
  assert.deepEqual(Object.keys(m), ['schemaVersion', 'mediaType', 'config', 'layers']);
  assert.equal(
    new TextDecoder().decode(set.layers[0]!.payload),
    `{"critical":{"identity":{"docker-reference":"${registry.host}/demo/app"},"image":{"docker-manifest-digest":"${digests[0]}"},"type":"cosign container image signature"},"optional":null}`,
  );
  assert.deepEqual(set.layers[0]!.descriptor.mediaType, 'application/vnd.dev.cosign.simplesigning.v1+json');
  assert.ok(buildSignatureConfig([set.layers[0]!.descriptor.digest]).byteLength === 233);

  const five = await runCli(['verify', '--key', k.pub, '--insecure-ignore-tlog', ...digests.slice(0, 5).map((_, i) => `${registry.host}/demo/app:v${i}`)]);
  assert.equal(five.code, 0, five.stderr);
  const lines = five.stdout.trim().split('\n');
  assert.equal(lines.length, 5);
  lines.forEach((l, i) => assert.match(l, new RegExp(digests[i]!), 'results in input order'));

  const withUnsigned = await runCli(['verify', '--key', k.pub, '--insecure-ignore-tlog', `${registry.host}/demo/app:v0`, `${registry.host}/demo/app:v5`]);
  assert.equal(withUnsigned.code, 10);
  assert.equal(withUnsigned.stdout.trim().split('\n').length, 1);

  proxy.corruptBlobs = true;
  const lying = await runCli(['verify', '--key', k.pub, '--insecure-ignore-tlog', `${proxy.host}/demo/app@${digests[0]}`]);
  assert.equal(lying.code, 4, lying.stderr);
  assert.match(lying.stderr, /reading layer 0 \(sha256:[0-9a-f]{64}\)/);
  assert.equal(lying.stdout, '');
});

test('verify by digest asks the registry only for the image, its .sig and its referrers when the payload is the one cosign writes', async (t) => {
  const why = registryAvailable();
  if (why) return t.skip(why);
  const { registry, proxy, k, repo } = await registryWithProxy(t, 'demo/app');
  const digest = await pushTestImage(repo, 'v1', 'img');
  const image = `${proxy.host}/demo/app@${digest}`; // signed through the proxy: the payload names the proxy's host
  assert.equal((await runCli(['sign', '--new-bundle-format=false', '--key', k.key, '--tlog-upload=false', image])).code, 0);
  assert.equal((await runCli(['sign', '--new-bundle-format=false', '--key', k.key, '--tlog-upload=false', '-a', 'build=7', `${registry.host}/demo/app@${digest}`])).code, 0);

  proxy.requests.length = 0;
  const r = await runCli(['verify', '--key', k.pub, '--insecure-ignore-tlog', image]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim().split('\n').length, 1, 'one line of verified payloads');
  assert.equal(JSON.parse(r.stdout).length, 2, 'both signatures verify');
  const blobReads = proxy.requests.filter((q) => q.path.includes('/blobs/'));
  // the default payload is recognised by its digest; the annotated one (not predictable) is read
  assert.equal(blobReads.length, 1, JSON.stringify(proxy.requests));
  const sigTag = `${digest.replace(':', '-')}.sig`;
  const referrersTag = digest.replace(':', '-'); // distribution 2.8 has no referrers API: its fallback tag is read
  assert.deepEqual(
    proxy.requests.filter((q) => q.path.includes('/manifests/')).map((q) => `${q.method} ${q.path.replace(/^\/v2\/demo\/app\/manifests\//, '')}`).sort(),
    [`GET ${referrersTag}`, `GET ${sigTag}`, `HEAD ${digest}`].sort(),
  );
  assert.deepEqual(proxy.requests.filter((q) => q.path.includes('/referrers/')).map((q) => `${q.method} ${q.path}`), [`GET /v2/demo/app/referrers/${digest}`]);
});
