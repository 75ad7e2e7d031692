// The requests of `sign --key` writing a bundle referrer to a registry without the referrers API: what goes out
// while the key decrypts, and no request after it that could be saved (no second HEAD of the image, no HEAD of
// the bundle blob, one referrers probe, the fallback index read beside the manifest PUT). The outcome is checked
// by verifying the signature.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EMPTY_CONFIG } from '../../src/oci/referrers/artifact-manifest.ts';
import type { FaultProxy } from '../helpers/fault-proxy.ts';
import { registryWithProxy } from '../helpers/registry-with-proxy.ts';
import { registryAvailable } from '../helpers/registry-server.ts';
import { pushTestImage } from '../cosign/test-image.ts';
import { runCli } from '../cli/run-cli.ts';

async function setUp(t: { after(fn: () => Promise<void>): void }) {
  const { proxy, k, repo } = await registryWithProxy(t, 'trips/app');
  const digest = await pushTestImage(repo, 'v1');
  return { proxy, k, image: `${proxy.host}/trips/app@${digest}`, digest };
}

function sign(k: { key: string }, image: string) {
  return runCli(['sign', '--key', k.key, '--tlog-upload=false', '--allow-http-registry', image], { env: { COSIGN_PASSWORD: '' } });
}

const seen = (proxy: FaultProxy, pattern: RegExp) => proxy.requests.filter((r) => pattern.test(`${r.method} ${r.path}`));

test('sign --key: one HEAD of the image, one referrers probe, no HEAD of the new bundle blob', async (t) => {
  const why = registryAvailable();
  if (why) return t.skip(why);
  const { proxy, k, image, digest } = await setUp(t);
  const signed = await sign(k, image);
  assert.equal(signed.code, 0, signed.stderr);

  assert.equal(seen(proxy, new RegExp(`^HEAD /v2/trips/app/manifests/${digest}$`)).length, 1, 'the image is resolved once, while the key decrypts');
  assert.equal(seen(proxy, /^GET \/v2\/trips\/app\/referrers\//).length, 1, 'one referrers API probe');
  const blobHeads = seen(proxy, /^HEAD \/v2\/trips\/app\/blobs\//).map((r) => r.path.split('/').pop());
  assert.deepEqual(blobHeads, [EMPTY_CONFIG.digest], 'only the shared empty config is looked for before upload');
  const order = proxy.requests.map((r) => `${r.method} ${r.path.replace(/\?.*$/, '')}`);
  const manifestPut = order.findIndex((r) => /^PUT \/v2\/trips\/app\/manifests\/sha256:/.test(r));
  const indexPut = order.findIndex((r) => r === `PUT /v2/trips/app/manifests/${digest.replace(':', '-')}`);
  assert.ok(manifestPut >= 0 && indexPut > manifestPut, `the referrer manifest is stored before the index names it: ${order.join(', ')}`);

  const verified = await runCli(['verify', '--key', k.key.replace(/\.key$/, '.pub'), '--insecure-ignore-tlog', '--allow-http-registry', image]);
  assert.equal(verified.code, 0, verified.stderr);
});

test('sign --key: a referrers probe that keeps failing is reported in one line (exit 4), nothing listed', async (t) => {
  const why = registryAvailable();
  if (why) return t.skip(why);
  const { proxy, k, image, digest } = await setUp(t);
  proxy.inject({ match: /^GET .*\/referrers\//, fault: { kind: 'status', status: 503 } });
  const failed = await sign(k, image);
  assert.equal(failed.code, 4, failed.stderr);
  assert.match(failed.stderr, /^ocisign: storing the bundle of .* probing the referrers API .*503/);
  assert.equal(failed.stderr.trim().split('\n').length, 1, failed.stderr);
  assert.equal(seen(proxy, new RegExp(`^PUT /v2/trips/app/manifests/${digest.replace(':', '-')}$`)).length, 0, 'no index written');
});
