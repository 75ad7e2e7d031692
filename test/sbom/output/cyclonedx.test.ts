/** CycloneDX/SPDX writers: strict validation, the graph's shape, determinism, compositions. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { scanDirectory } from '../../../src/sbom/directory/index.ts';
import type { Sbom } from '../../../src/sbom/model.ts';
import { npmPurl, debPurl } from '../../../src/sbom/purl.ts';
import { validateCdxJson, writeCycloneDx, writeSpdx } from '../../../src/sbom/output/index.ts';

const fixture = (name: string) => fileURLToPath(new URL(`../../../fixtures/sbom/dir/${name}`, import.meta.url));
const opts = { toolVersion: '9.9.9', timestamp: new Date('2024-01-02T03:04:05Z'), deterministic: true };

type Bom = {
  serialNumber: string;
  metadata: { timestamp?: string; component: { 'bom-ref': string; type: string; purl?: string; hashes?: unknown[] }; tools: { components: { name: string; version: string }[] } };
  components: { 'bom-ref': string; type: string; purl?: string; licenses?: { license?: { id?: string; name?: string }; expression?: string }[]; properties?: { name: string; value: string }[] }[];
  dependencies: { ref: string; dependsOn: string[] }[];
  compositions: { aggregate: string }[];
};

function imageSbom(): Sbom {
  const layer = 'sha256:' + 'a'.repeat(64);
  const deb = (name: string, version: string, deps: string[] = []) => ({
    type: 'deb', namespace: 'debian', name, version, purl: debPurl({ vendor: 'debian', name, version, arch: 'amd64', distro: 'debian-12' }),
    licenses: ['GPL-2.0-or-later'], hashes: [], locations: [{ path: 'var/lib/dpkg/status', layerDigest: layer }], dependsOn: deps, foundBy: 'dpkg',
  });
  const libc = deb('libc6', '2.36-9+deb12u4');
  const zlib = deb('zlib1g', '1:1.2.13.dfsg-1', [libc.purl]);
  return {
    subject: { kind: 'container', name: '127.0.0.1:5000/app', version: 'sha256:' + 'b'.repeat(64), digest: 'sha256:' + 'b'.repeat(64), purl: 'pkg:oci/app@sha256:' + 'b'.repeat(64) + '?arch=amd64&repository_url=127.0.0.1:5000%2Fapp', arch: 'amd64', layers: [layer] },
    os: { id: 'debian', versionId: '12', prettyName: 'Debian GNU/Linux 12 (bookworm)' },
    packages: [zlib, libc, {
      type: 'npm', name: 'left-pad', version: '1.3.0', purl: npmPurl('left-pad', '1.3.0'), licenses: ['WTFPL', 'Custom Thing'], hashes: [],
      locations: [{ path: 'usr/lib/node_modules/left-pad/package.json', layerDigest: layer }], dependsOn: [], foundBy: 'npm-installed',
    }],
    warnings: [],
  };
}

function checkGraph(bom: Bom): void {
  const refs = new Set([bom.metadata.component['bom-ref'], ...bom.components.map((c) => c['bom-ref'])]);
  const listed = bom.dependencies.map((d) => d.ref);
  assert.deepEqual([...listed].sort(), [...refs].sort(), 'every component (and the root) has a dependencies entry');
  for (const d of bom.dependencies) {
    assert.ok(Array.isArray(d.dependsOn), `dependsOn of ${d.ref} is an array (empty for leaves)`);
    for (const t of d.dependsOn) assert.ok(refs.has(t), `${d.ref} -> ${t} resolves`);
  }
  assert.deepEqual(listed, [...listed].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)), 'dependencies sorted');
}

describe('CycloneDX JSON', () => {
  it('an image BOM validates strictly: container root, OS component, root → OS → packages, layer properties', async () => {
    const { text } = await writeCycloneDx(imageSbom(), { ...opts, format: 'json' });
    await validateCdxJson(text, 'test');
    const bom = JSON.parse(text) as Bom;
    checkGraph(bom);
    const root = bom.metadata.component;
    assert.equal(root.type, 'container');
    assert.ok(root.purl?.startsWith('pkg:oci/app@sha256:'));
    assert.deepEqual(root.hashes, [{ alg: 'SHA-256', content: 'b'.repeat(64) }]);
    const os = bom.components.find((c) => c.type === 'operating-system')!;
    const deps = Object.fromEntries(bom.dependencies.map((d) => [d.ref, d.dependsOn]));
    assert.deepEqual(deps[root['bom-ref']], [os['bom-ref'], 'pkg:npm/left-pad@1.3.0'].sort());
    assert.equal(deps[os['bom-ref']]!.length, 2);
    assert.deepEqual(deps['pkg:npm/left-pad@1.3.0'], []);
    const zlib = bom.components.find((c) => c.purl?.startsWith('pkg:deb/debian/zlib1g@1:1.2.13'))!;
    assert.ok(zlib.properties?.some((p) => p.name === 'ocisign:layer:digest' && p.value === 'sha256:' + 'a'.repeat(64)));
    assert.ok(zlib.properties?.some((p) => p.name === 'ocisign:location:path' && p.value === 'var/lib/dpkg/status'));
    const lp = bom.components.find((c) => c.purl === 'pkg:npm/left-pad@1.3.0')!;
    assert.deepEqual(new Set(lp.licenses), new Set([{ license: { name: 'Custom Thing' } }, { license: { id: 'WTFPL' } }]));
    assert.equal(bom.metadata.tools.components[0]!.name, 'ocisign');
    assert.equal(bom.metadata.timestamp, '2024-01-02T03:04:05.000Z');
    assert.deepEqual(bom.compositions.map((c) => c.aggregate), ['complete']);
  });

  it('a directory BOM: application root → lockfile application → lock graph; components sorted by purl', async () => {
    const { text } = await writeCycloneDx(await scanDirectory(fixture('npm-v3')), { ...opts, format: 'json' });
    await validateCdxJson(text, 'test');
    const bom = JSON.parse(text) as Bom;
    checkGraph(bom);
    assert.equal(bom.metadata.component.type, 'application');
    const deps = Object.fromEntries(bom.dependencies.map((d) => [d.ref, d.dependsOn]));
    assert.deepEqual(deps['pkg:npm/app-v3@3.0.0'], ['ocisign:application:package-lock.json']);
    assert.equal(deps['ocisign:application:package-lock.json']!.length, 5);
    const a = bom.components.find((c) => c.purl === 'pkg:npm/a@1.1.0')!;
    assert.deepEqual(a.licenses, [{ expression: '(MIT OR Apache-2.0)' }]);
    const refs = bom.components.map((c) => c['bom-ref']);
    assert.deepEqual(refs, [...refs].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0)));
  });

  it('deterministic: same input → byte-identical output, serial a UUIDv5 of the content', async () => {
    const sbom = await scanDirectory(fixture('yarn-v1'));
    const one = (await writeCycloneDx(sbom, { ...opts, format: 'json' })).text;
    const two = (await writeCycloneDx(await scanDirectory(fixture('yarn-v1')), { ...opts, format: 'json' })).text;
    assert.equal(one, two);
    assert.match((JSON.parse(one) as Bom).serialNumber, /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const random = (await writeCycloneDx(sbom, { ...opts, deterministic: false, format: 'json' })).text;
    assert.notEqual((JSON.parse(random) as Bom).serialNumber, (JSON.parse(one) as Bom).serialNumber);
  });

  it('warnings make the composition incomplete; the BOM still validates', async () => {
    const sbom = await scanDirectory(fixture('bad-json'));
    const { text } = await writeCycloneDx(sbom, { ...opts, format: 'json' });
    await validateCdxJson(text, 'test');
    assert.deepEqual((JSON.parse(text) as Bom).compositions.map((c) => c.aggregate), ['incomplete']);
  });

  it('XML carries the same BOM with compositions after dependencies', async (t) => {
    const { text, notes } = await writeCycloneDx(imageSbom(), { ...opts, format: 'xml' });
    assert.match(text, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<bom xmlns="http:\/\/cyclonedx.org\/schema\/bom\/1.6"/);
    assert.ok(text.indexOf('</dependencies>') < text.indexOf('<compositions>'));
    assert.match(text, /<aggregate>complete<\/aggregate>/);
    if (notes.length > 0) t.diagnostic(`note: ${notes.join('; ')}`);
  });
});

describe('SPDX 2.3 JSON', () => {
  it('has the required fields, DESCRIBES the subject, DEPENDS_ON for every edge, purls and checksums', async () => {
    const text = writeSpdx(await scanDirectory(fixture('npm-v3')), opts);
    const doc = JSON.parse(text) as { spdxVersion: string; creationInfo: { created: string }; packages: { SPDXID: string; externalRefs?: { referenceLocator: string }[]; checksums?: { algorithm: string }[] }[]; relationships: { relationshipType: string }[] };
    assert.equal(doc.spdxVersion, 'SPDX-2.3');
    assert.equal(doc.creationInfo.created, '2024-01-02T03:04:05Z');
    assert.equal(doc.relationships.filter((r) => r.relationshipType === 'DESCRIBES').length, 1);
    const a = doc.packages.find((p) => p.externalRefs?.[0]?.referenceLocator === 'pkg:npm/a@1.1.0')!;
    assert.equal(a.checksums?.[0]?.algorithm, 'SHA512');
    // root → app, app → 5, plus the 6 package edges
    assert.equal(doc.relationships.filter((r) => r.relationshipType === 'DEPENDS_ON').length, 1 + 5 + 6);
    assert.equal(text, writeSpdx(await scanDirectory(fixture('npm-v3')), opts));
  });
});

describe('validator worker', () => {
  it('prewarmed: valid BOMs pass, invalid ones fail with the schema error', async () => {
    const { prewarmCdxValidator } = await import('../../../src/sbom/output/index.ts');
    prewarmCdxValidator();
    const { text } = await writeCycloneDx(imageSbom(), { ...opts, format: 'json' });
    await validateCdxJson(text, 'good');
    const bad = JSON.parse(text) as Record<string, unknown>;
    (bad.components as Record<string, unknown>[])[0]!.type = 'not-a-type';
    await assert.rejects(validateCdxJson(JSON.stringify(bad), 'bad'), /validating bad against CycloneDX 1.6/);
  });
});
