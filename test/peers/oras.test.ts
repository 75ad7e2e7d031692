// Smoke tests of oras 1.3.3 next to cosign 3.1.1: `oras discover` lists cosign's bundle referrers on a registry
// with the referrers API (regsrv) and on one without (docker-registry 2.8, the `sha256-<hex>` fallback index), and
// `oras attach` writes a non-Sigstore referrer (an SPDX SBOM) that cosign 3 ignores when it verifies.
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { cosign3GenerateKeyPair, cosign3SignKey, cosign3VerifyKey, ok, type Cosign3Key } from '../helpers/cosign3.ts';
import { orasAttach, orasDiscover, peerVersion } from '../helpers/peers.ts';
import { readBlob, readManifest } from '../helpers/referrers-registry.ts';
import { peersEnv } from './context.ts';

const BUNDLE_V03 = 'application/vnd.dev.sigstore.bundle.v0.3+json';
const EMPTY = 'application/vnd.oci.empty.v1+json';
const SPDX = 'application/spdx+json';
const suite = peersEnv('oras');

let keyPair: Promise<Cosign3Key> | undefined;
const key = () => (keyPair ??= cosign3GenerateKeyPair());

for (const kind of ['referrers', 'fallback'] as const) {
  const where = kind === 'referrers' ? 'the referrers-API registry' : 'the registry without the referrers API';

  test(`oras discover lists cosign 3's signature on ${where}`, async (t) => {
    const e = suite.need(t);
    if (!e) return;
    const image = await suite.image(e, kind, 'discover');
    await ok(cosign3SignKey(image.ref, await key()), 'cosign3 sign --key');
    const [found, ...more] = await orasDiscover(image.ref);
    assert.equal(more.length, 0);
    assert.equal((await readManifest(image.url, image.repo, found!.digest))!.json.artifactType, BUNDLE_V03);
    const byBundleType = await orasDiscover(image.ref, { artifactType: BUNDLE_V03 });
    if (kind === 'referrers') {
      assert.equal(found!.artifactType, BUNDLE_V03);
      assert.equal(found!.annotations?.['dev.sigstore.bundle.predicateType'], 'https://sigstore.dev/cosign/sign/v1');
      assert.deepEqual(byBundleType.map((r) => r.digest), [found!.digest]);
    } else if (peerVersion('cosign3')?.startsWith('3.1.1-')) {
      // Debian's cosign 3.1.1 writes the fallback entry typed by its config and without annotations: a filter on
      // the bundle type (what gh attestation and kyverno ≤ 1.18 do) finds nothing.
      assert.equal(found!.artifactType, EMPTY);
      assert.equal(found!.annotations, undefined);
      assert.deepEqual(byBundleType, []);
    }
  });

  test(`oras attach writes an SBOM referrer on ${where}; cosign 3 verification ignores it`, async (t) => {
    const e = suite.need(t);
    if (!e) return;
    const image = await suite.image(e, kind, 'attach');
    await ok(cosign3SignKey(image.ref, await key()), 'cosign3 sign --key');
    const sbom = join(e.scratch, 'sbom.spdx.json');
    await writeFile(sbom, JSON.stringify({ spdxVersion: 'SPDX-2.3', SPDXID: 'SPDXRef-DOCUMENT', name: 'sample', packages: [] }));
    const digest = await orasAttach(image.ref, sbom, { artifactType: SPDX, annotations: { 'org.example.kind': 'sbom' } });

    const manifest = (await readManifest(image.url, image.repo, digest))!.json as {
      artifactType: string; config: { mediaType: string }; layers: { mediaType: string; digest: string }[]; subject: { digest: string };
    };
    assert.deepEqual([manifest.artifactType, manifest.config.mediaType, manifest.subject.digest], [SPDX, EMPTY, image.digest]);
    assert.equal(manifest.layers.length, 1);
    assert.equal(manifest.layers[0]!.mediaType, SPDX);
    assert.deepEqual(await readBlob(image.url, image.repo, manifest.layers[0]!.digest), await readFile(sbom));

    const all = await orasDiscover(image.ref);
    assert.equal(all.length, 2);
    const [listed, ...more] = await orasDiscover(image.ref, { artifactType: SPDX });
    assert.equal(more.length, 0);
    assert.equal(listed!.digest, digest);
    assert.equal(listed!.annotations?.['org.example.kind'], 'sbom');
    await ok(cosign3VerifyKey(image.ref, (await key()).pub), 'cosign3 verify --key next to an SBOM referrer');
  });
}
