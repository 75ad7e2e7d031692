import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { scanImageLayers } from '../../../src/sbom/image/scan-image.ts';
import { ensureDebianRoot, fileLayer } from '../../helpers/sbom-images.ts';

// debootstrap --variant=minbase bookworm (≈80 s once, then cached under .work/sbom-image).
test('real Debian root: dpkg packages equal dpkg-query on that root', { timeout: 600_000 }, async (t) => {
  const root = ensureDebianRoot();
  if (typeof root === 'string') {
    t.skip(root);
    return;
  }
  const expected = execFileSync('dpkg-query', [`--admindir=${root.dir}/var/lib/dpkg`, '-W', '-f', '${db:Status-Abbrev} ${Package} ${Version} ${Architecture}\n'], { encoding: 'utf8' })
    .split('\n')
    .filter((l) => l.startsWith('ii '))
    .map((l) => l.slice(4).trim())
    .sort();
  const result = await scanImageLayers({ layers: [fileLayer(root.layerPath)] });
  assert.deepEqual(result.warnings, []);
  assert.equal(result.os?.id, 'debian');
  assert.equal(result.os?.versionId, '12');
  const deb = result.packages.filter((p) => p.type === 'deb');
  const actual = deb.map((p) => `${p.name} ${p.version} ${/arch=([^&]+)/.exec(p.purl)![1]}`).sort();
  assert.ok(expected.length > 80, `expected a minbase root, got ${expected.length} packages`);
  assert.deepEqual(actual, expected);
  for (const p of deb) assert.match(p.purl, /^pkg:deb\/debian\/[^@]+@[^?]+\?arch=[a-z0-9]+&distro=debian-12$/);
  // Every Depends edge points at a listed package, and most packages have licenses from copyright files.
  const purls = new Set(deb.map((p) => p.purl));
  for (const p of deb) for (const d of p.dependsOn) assert.ok(purls.has(d), `${p.purl} → ${d}`);
  assert.ok(deb.filter((p) => p.licenses.length > 0).length > deb.length / 2);
  assert.deepEqual(result.packages.filter((p) => p.type !== 'deb').map((p) => p.purl), []);
});
