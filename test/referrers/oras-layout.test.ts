// The layout form is oras's: `oras discover --oci-layout` (1.3.3) lists what ocisign signs into a layout, and
// ocisign lists what `oras attach --oci-layout` wrote.
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { createPublicKey } from 'node:crypto';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli, testLayout, writeTestKeyPair } from '../cosign/test-image.ts';
import { checkBundle, readBundles } from './check-bundle.ts';
import { peersMissing, runOras } from '../helpers/peers.ts';

test('oras discover --oci-layout finds ocisign bundles; ocisign lists what oras attach --oci-layout wrote', { skip: peersMissing('oras') }, async (t) => {
  const { dir, layout, repo, digest } = await testLayout(t, 'ocisign-oras-layout-');
  const k = await writeTestKeyPair(join(dir, 'k'));
  const signed = await runCli(['sign', '--key', k.key, '--tlog-upload=false', `oci:${layout}@${digest}`]);
  assert.equal(signed.code, 0, signed.stderr);
  const sbom = join(dir, 'sbom.json');
  await writeFile(sbom, '{"bomFormat":"CycloneDX"}');
  const attached = await runOras(['attach', '--oci-layout', '--artifact-type', 'application/vnd.example.sbom', `${layout}@${digest}`, 'sbom.json:application/vnd.cyclonedx+json'], { cwd: dir });
  assert.equal(attached.code, 0, attached.stderr);
  const discovered = await runOras(['discover', '--oci-layout', '--format', 'json', `${layout}@${digest}`]);
  assert.equal(discovered.code, 0, discovered.stderr);
  const referrers = (JSON.parse(discovered.stdout) as { referrers: Array<{ digest: string; artifactType: string }> }).referrers;
  const ours = (await readBundles(repo, digest))[0]!;
  assert.ok(referrers.some((r) => r.digest === ours.manifestDigest && r.artifactType === 'application/vnd.dev.sigstore.bundle.v0.3+json'), `oras lists ocisign's bundle: ${discovered.stdout}`);
  checkBundle(ours.bundle, digest, { publicKey: createPublicKey(await readFile(k.pub, 'utf8')) });
  const listing = await repo.listReferrers(digest);
  assert.ok(listing.descriptors.some((d) => d.artifactType === 'application/vnd.example.sbom'), 'ocisign lists the oras artifact');
  assert.equal(listing.descriptors.length, 2);
});
