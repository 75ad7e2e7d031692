// copy carries referrers registry → layout → registry with digests unchanged, in each destination's own form;
// tree shows them; triangulate --type bundle names where they live. Real docker-registry 2.8 (fallback index).
import assert from 'node:assert/strict';
import { createPublicKey } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Agent } from 'undici';
import { buildIndex, sampleLayers } from '../../src/oci/image-builder.ts';
import type { Descriptor } from '../../src/oci/manifest.ts';
import { openRepository } from '../../src/oci/open.ts';
import { parseReference } from '../../src/oci/reference.ts';
import { referrersTag } from '../../src/oci/referrers/referrers-tag.ts';
import { copyImage } from '../../src/ops/copy.ts';
import { registryAvailable, startRegistry } from '../helpers/registry-server.ts';
import { runCli, writeTestKeyPair } from '../cosign/test-image.ts';
import { checkBundle, readBundles } from './check-bundle.ts';

test('copy registry → layout → registry keeps bundles, a signature on an attestation, and legacy tags; tree and triangulate show them', async (t) => {
  const why = registryAvailable();
  if (why) return t.skip(why);
  const registry = await startRegistry({ mode: 'http' });
  const dispatcher = new Agent({ connections: 8 });
  const dir = await mkdtemp(join(tmpdir(), 'ocisign-copy-referrers-'));
  t.after(async () => {
    await dispatcher.close();
    await registry.stop();
    await rm(dir, { recursive: true, force: true });
  });
  const options = { dispatcher, retry: { attempts: 3, baseDelayMs: 5, maxDelayMs: 20 } };
  const srcRef = parseReference(`${registry.host}/copy/src:v1`);
  const src = openRepository(srcRef, options);
  const index = await buildIndex(src, [{ layers: sampleLayers('amd64') }, { layers: sampleLayers('arm64'), platform: { os: 'linux', architecture: 'arm64' } }], 'v1');
  const child = index.images[1]!.digest;
  const k = await writeTestKeyPair(join(dir, 'k'));
  const publicKey = createPublicKey(await readFile(k.pub, 'utf8'));
  const bom = join(dir, 'bom.json');
  await (await import('node:fs/promises')).writeFile(bom, JSON.stringify({ bomFormat: 'CycloneDX', specVersion: '1.6', components: [] }));
  const image = `${registry.host}/copy/src@${index.digest}`;
  const ok = async (args: string[]) => {
    const r = await runCli(['--allow-http-registry', ...args]);
    assert.equal(r.code, 0, r.stderr);
    return r;
  };
  await ok(['sign', '--key', k.key, '--tlog-upload=false', '--with-legacy-tags', '-r', image]);
  await ok(['attest', '--key', k.key, '--tlog-upload=false', '--type', 'cyclonedx', '--predicate', bom, image]);
  const attestation = (await readBundles(src, index.digest)).find((b) => b.manifest.annotations['dev.sigstore.bundle.predicateType'] === 'https://cyclonedx.org/bom')!;
  await ok(['sign', '--key', k.key, '--tlog-upload=false', `${registry.host}/copy/src@${attestation.manifestDigest}`]);
  const srcRoot = new Set((await src.listReferrers(index.digest)).descriptors.map((d: Descriptor) => d.digest));
  const srcChild = new Set((await src.listReferrers(child)).descriptors.map((d: Descriptor) => d.digest));
  const srcOnAtt = new Set((await src.listReferrers(attestation.manifestDigest)).descriptors.map((d: Descriptor) => d.digest));
  assert.deepEqual([srcRoot.size, srcChild.size, srcOnAtt.size], [2, 1, 1]);

  // registry → layout: index.json entries; then layout → a second registry repository: its fallback index
  const layoutRef = parseReference(`oci:${join(dir, 'layout')}:v1`);
  const layout = openRepository(layoutRef, options);
  const down = await copyImage(src, srcRef, layout, layoutRef);
  assert.equal(down.referrers.length, 5);
  assert.ok(down.referrers.every((r) => r.via === 'layout'));
  const dstRef = parseReference(`${registry.host}/copy/dst:v1`);
  const dst = openRepository(dstRef, options);
  const up = await copyImage(layout, layoutRef, dst, dstRef);
  assert.equal(up.digest, index.digest);
  assert.ok(up.referrers.every((r) => r.via === 'fallback-tag'));
  for (const [repo, label] of [[layout, 'layout'], [dst, 'registry']] as const) {
    assert.deepEqual(new Set((await repo.listReferrers(index.digest)).descriptors.map((d) => d.digest)), srcRoot, `${label}: the image's referrers, same digests`);
    assert.deepEqual(new Set((await repo.listReferrers(child)).descriptors.map((d) => d.digest)), srcChild, `${label}: the child's`);
    assert.deepEqual(new Set((await repo.listReferrers(attestation.manifestDigest)).descriptors.map((d) => d.digest)), srcOnAtt, `${label}: the signature on the attestation`);
  }
  for (const b of await readBundles(dst, index.digest)) checkBundle(b.bundle, index.digest, { publicKey });
  assert.ok(await dst.resolve(referrersTag(index.digest)), 'the destination registry lists them in its own fallback index');
  assert.ok(up.attachments.includes(`${index.digest.replace(':', '-')}.sig`), 'legacy tags too');

  const tree = await runCli(['--allow-http-registry', 'tree', `${registry.host}/copy/dst:v1`]);
  assert.equal(tree.code, 0, tree.stderr);
  if (process.env.SHOW_TREE) console.log(tree.stdout);
  assert.match(tree.stdout, /Signatures: .*\.sig/);
  assert.match(tree.stdout, /Bundle: .*copy\/dst@sha256:[a-f0-9]{64} application\/vnd\.dev\.sigstore\.bundle\.v0\.3\+json predicateType=https:\/\/cyclonedx\.org\/bom \[sha256-<hex> index\]/);
  assert.match(tree.stdout, /│   └── Bundle: .*predicateType=https:\/\/sigstore\.dev\/cosign\/sign\/v1/, 'the signature on the attestation, nested under it');
  const tri = await runCli(['--allow-http-registry', 'triangulate', '--type', 'bundle', `${registry.host}/copy/dst@${index.digest}`]);
  assert.equal(tri.code, 0, tri.stderr);
  const lines = tri.stdout.trim().split('\n');
  assert.equal(lines[0], `${registry.host}/copy/dst:${referrersTag(index.digest)}`);
  assert.equal(lines.length, 3, 'the index tag, then the two bundles');
  const triLayout = await runCli(['--output', 'json', 'triangulate', '--type', 'bundle', `oci:${join(dir, 'layout')}@${index.digest}`]);
  assert.equal(JSON.parse(triLayout.stdout).via, 'layout');
});
