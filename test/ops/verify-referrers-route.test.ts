// `verify` over many images remembers a registry's "no referrers route" answer (distribution 2.8's text/plain
// `404 page not found`) and lists the next images from their fallback tag alone: one request per image fewer. The
// memory never costs a verdict: an image that would fail that way is verified once more with the API asked, a JSON
// 404 (a registry with the API not knowing a repository) is not remembered, and every image is still checked in
// both places. Requests are counted through the fault proxy in front of the real registries.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import type { FaultProxy } from '../helpers/fault-proxy.ts';
import { referrersRegistryAvailable, startReferrersRegistry } from '../helpers/referrers-registry.ts';
import { registryAvailable, startRegistry } from '../helpers/registry-server.ts';
import { proxyInFront, type Upstream } from '../helpers/registry-with-proxy.ts';
import { pushTestImage, runCli } from '../cosign/test-image.ts';

/** A registry behind the fault proxy, a key pair, and `count` images pushed as `demo/app:v<i>`. */
async function setUp(t: TestContext, upstream: Upstream, count: number) {
  const { proxy, k, repo } = await proxyInFront(t, upstream, 'demo/app');
  const images: string[] = [];
  for (let i = 0; i < count; i++) images.push(`${proxy.host}/demo/app@${await pushTestImage(repo, `v${i}`, `img${i}`)}`);
  return { proxy, k, images, direct: (ref: string) => ref.replace(proxy.host, upstream.host) };
}

const referrersRequests = (proxy: FaultProxy) => proxy.requests.filter((q) => q.path.includes('/referrers/')).length;
const fallbackTagReads = (proxy: FaultProxy) => proxy.requests.filter((q) => /\/manifests\/sha256-[0-9a-f]{64}$/.test(q.path)).length;

test('verify asks a registry without a referrers route once, still reads every fallback tag, and asks again before calling an image unsigned', async (t) => {
  const why = registryAvailable();
  if (why) return t.skip(why);
  const { proxy, k, images, direct } = await setUp(t, await startRegistry({ mode: 'http' }), 4);
  const [a, b, c, unsigned] = images as [string, string, string, string];
  for (const ref of [a, b]) assert.equal((await runCli(['sign', '--new-bundle-format=false', '--key', k.key, '--tlog-upload=false', direct(ref)])).code, 0);
  assert.equal((await runCli(['sign', '--key', k.key, '--tlog-upload=false', direct(c)])).code, 0, 'c: a bundle in the fallback index');

  proxy.requests.length = 0;
  const three = await runCli(['verify', '--max-workers', '1', '--key', k.pub, '--insecure-ignore-tlog', a, b, c]);
  assert.equal(three.code, 0, three.stderr);
  assert.equal(three.stdout.trim().split('\n').length, 3);
  assert.equal(referrersRequests(proxy), 1, 'only the first image asks /referrers/');
  assert.equal(fallbackTagReads(proxy), 3, 'every image reads its fallback tag');
  assert.equal(JSON.parse(three.stdout.trim().split('\n')[2]!)[0].source.via, 'fallback-tag', 'the bundle was found');

  proxy.requests.length = 0;
  const withUnsigned = await runCli(['verify', '--max-workers', '1', '--key', k.pub, '--insecure-ignore-tlog', a, unsigned]);
  assert.equal(withUnsigned.code, 10, withUnsigned.stderr);
  assert.match(withUnsigned.stderr, new RegExp(`verifying ${unsigned.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: no signatures found`));
  assert.equal(referrersRequests(proxy), 2, 'the unsigned image is asked again, the API included, before exit 10');

  proxy.requests.length = 0;
  proxy.inject({ match: /\/referrers\//, count: 1, fault: { kind: 'status', status: 404 } });
  const jsonFirst = await runCli(['verify', '--max-workers', '1', '--key', k.pub, '--insecure-ignore-tlog', a, b]);
  assert.equal(jsonFirst.code, 0, jsonFirst.stderr);
  assert.equal(referrersRequests(proxy), 2, 'a JSON 404 (NAME_UNKNOWN-like) is not remembered: the next image asks again');
});

test('an image signed in the referrers API still verifies when another image on its host answered "no route"', async (t) => {
  const why = referrersRegistryAvailable();
  if (why) return t.skip(why);
  const { proxy, k, images, direct } = await setUp(t, await startReferrersRegistry(), 2);
  const [first, second] = images as [string, string];
  for (const ref of images) assert.equal((await runCli(['sign', '--key', k.key, '--tlog-upload=false', direct(ref)])).code, 0);

  // a host whose routes differ by repository (a gateway in front of two registries): the first image's
  // /referrers/ answers like distribution 2.8, the second's is the real API, where its only signature is
  proxy.requests.length = 0;
  proxy.inject({ match: new RegExp(`/referrers/${first.split('@')[1]}`), fault: { kind: 'no-route' } });
  const r = await runCli(['verify', '--max-workers', '1', '--key', k.pub, '--insecure-ignore-tlog', first, second]);
  assert.equal(r.code, 10, `the first image has no fallback index: ${r.stderr}`);
  assert.match(r.stderr, /no signatures found/);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines.length, 1, 'the second image verified');
  assert.equal(JSON.parse(lines[0]!)[0].source.via, 'referrers-api');
  assert.equal(referrersRequests(proxy), 2, 'the first image once (its answer was real: no retry), the second once: on its retry');
});
