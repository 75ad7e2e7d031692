import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scanImageLayers } from '../../../src/sbom/image/scan-image.ts';
import { isOcisignError } from '../../../src/core/errors.ts';
import { blobLayer, buildTar, compress, tarLayer } from '../../helpers/sbom-images.ts';

const stanza = (name: string, version: string, extra: Record<string, string> = {}): string =>
  [
    `Package: ${name}`,
    `Status: ${extra.Status ?? 'install ok installed'}`,
    'Priority: optional',
    `Architecture: ${extra.Architecture ?? 'amd64'}`,
    `Version: ${version}`,
    ...Object.entries(extra)
      .filter(([k]) => k !== 'Status' && k !== 'Architecture')
      .map(([k, v]) => `${k}: ${v}`),
    `Description: the ${name} package`,
    ' with a second description line',
    '',
  ].join('\n');

const BASE = [
  stanza('libc6', '2.36-9+deb12u4', { Depends: 'libgcc-s1' }),
  stanza('libgcc-s1', '12.2.0-14', { Depends: 'gcc-12-base (= 12.2.0-14), libc6 (>= 2.35)', Source: 'gcc-12' }),
  stanza('gcc-12-base', '12.2.0-14', { Source: 'gcc-12' }),
  stanza('zlib1g', '1:1.2.13.dfsg-1', { Depends: 'libc6 (>= 2.14)', Source: 'zlib (1:1.2.13.dfsg-1)' }),
  stanza('oldpkg', '0.9', { Status: 'deinstall ok config-files' }),
];

const pkgJson = (name: string, version: string, deps: Record<string, string> = {}): string =>
  JSON.stringify({ name, version, license: 'MIT', dependencies: deps });

const ZLIB_COPYRIGHT = [
  'Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/',
  'Upstream-Name: zlib',
  '',
  'Files: *',
  'Copyright: 1995-2013 Jean-loup Gailly and Mark Adler',
  'License: Zlib',
  ' This software is provided as-is.',
  '',
].join('\n');

function debianImage() {
  const layer1 = tarLayer(
    [
      { path: 'etc', type: 'dir' },
      { path: 'etc/os-release', type: 'symlink', linkName: '../usr/lib/os-release' },
      { path: 'usr/lib/os-release', content: 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\n' },
      { path: './var/lib/dpkg/status', content: [stanza('base-files', '12.4+deb12u5'), ...BASE].join('\n') },
      { path: 'usr/share/doc/zlib1g/copyright', content: ZLIB_COPYRIGHT },
      { path: 'app/node_modules/express/package.json', content: pkgJson('express', '4.18.2', { debug: '2.6.9' }) },
      { path: 'app/node_modules/express/lib/package.json', content: '{"type":"commonjs"}' },
      { path: 'app/node_modules/debug/package.json', content: pkgJson('debug', '2.6.9', { ms: '2.0.0' }) },
      { path: 'app/node_modules/debug/node_modules/ms/package.json', content: pkgJson('ms', '2.0.0') },
      { path: 'app/node_modules/ms/package.json', content: pkgJson('ms', '2.1.3') },
      { path: 'app/node_modules/@types/node/package.json', content: pkgJson('@types/node', '20.1.0') },
      { path: 'app/node_modules/left-pad/package.json', content: pkgJson('left-pad', '1.3.0') },
      { path: 'app/node_modules/lodash/package.json', content: pkgJson('lodash', '4.17.20') },
      { path: 'app/node_modules/lodash/lodash.js', content: '/* old */' },
    ],
    'gzip',
  );
  const layer2 = tarLayer(
    [
      {
        path: 'var/lib/dpkg/status',
        content: [
          stanza('base-files', '12.4+deb12u5'),
          ...BASE,
          stanza('curl', '7.88.1-10+deb12u5', { Depends: 'libc6 (>= 2.34), libcurl3 | libcurl4 (= 7.88.1-10+deb12u5)' }),
          stanza('libcurl4', '7.88.1-10+deb12u5', { Depends: 'libc6:any, zlib1g (>= 1:1.1.4)' }),
          stanza('purgeme', '1.0-1'),
        ].join('\n'),
      },
      { path: 'usr/share/doc/purgeme/copyright', content: 'not machine readable' },
      { path: 'app/node_modules/.wh.left-pad' },
      { path: 'app/node_modules/lodash/package.json', content: pkgJson('lodash', '4.17.21') },
      { path: 'app/node_modules/lodash/.wh..wh..opq' },
      {
        path: 'usr/lib/python3/dist-packages/requests-2.31.0.dist-info/METADATA',
        content:
          'Metadata-Version: 2.1\nName: requests\nVersion: 2.31.0\nSummary: Python HTTP for Humans.\nLicense: Apache 2.0\n' +
          'Requires-Dist: charset_normalizer (<4,>=2)\nRequires-Dist: urllib3 (<3,>=1.21.1)\n' +
          'Requires-Dist: PySocks (!=1.5.7,>=1.5.6) ; extra == "socks"\n\n# Requests\n\nLong description body.\n',
      },
      {
        path: 'usr/lib/python3/dist-packages/urllib3-2.0.7.dist-info/METADATA',
        content: 'Metadata-Version: 2.3\nName: urllib3\nVersion: 2.0.7\nLicense-Expression: MIT\n',
      },
      {
        path: 'usr/lib/python3/dist-packages/Charset_Normalizer-3.3.2.egg-info/PKG-INFO',
        content: 'Metadata-Version: 2.1\nName: charset-normalizer\nVersion: 3.3.2\nClassifier: License :: OSI Approved :: MIT License\n',
      },
      {
        path: 'usr/lib/python3/dist-packages/zope.interface-5.5.2.egg-info',
        content: 'Metadata-Version: 1.1\nName: zope.interface\nVersion: 5.5.2\nLicense: ZPL 2.1\n',
      },
    ],
    'zstd',
  );
  const layer3 = tarLayer(
    [
      {
        path: 'var/lib/dpkg/status',
        content: [
          stanza('base-files', '12.4+deb12u6'),
          ...BASE,
          stanza('curl', '7.88.1-10+deb12u5', { Depends: 'libc6 (>= 2.34), libcurl3 | libcurl4 (= 7.88.1-10+deb12u5)' }),
          stanza('libcurl4', '7.88.1-10+deb12u5', { Depends: 'libc6:any, zlib1g (>= 1:1.1.4)' }),
        ].join('\n'),
      },
      { path: 'usr/share/doc/.wh.purgeme' },
    ],
    'none',
  );
  return [layer1, layer2, layer3];
}

const deb = (name: string, version: string): string => `pkg:deb/debian/${name}@${version}?arch=amd64&distro=debian-12`;

test('debian image: squashed view, whiteouts, opaque dirs, dpkg rewrites, exact purl set', async () => {
  const layers = debianImage();
  const progress: number[] = [];
  const result = await scanImageLayers({ layers, onProgress: (p) => progress.push(p.layersDone) });
  assert.deepEqual(result.warnings, []);
  assert.deepEqual(result.os, {
    id: 'debian',
    versionId: '12',
    prettyName: 'Debian GNU/Linux 12 (bookworm)',
    versionCodename: 'bookworm',
    location: { path: 'usr/lib/os-release', layerDigest: layers[0]!.digest },
  });
  assert.deepEqual(
    new Set(result.packages.map((p) => p.purl)),
    new Set([
      deb('base-files', '12.4%2Bdeb12u6'),
      deb('libc6', '2.36-9%2Bdeb12u4'),
      deb('libgcc-s1', '12.2.0-14'),
      deb('gcc-12-base', '12.2.0-14'),
      deb('zlib1g', '1:1.2.13.dfsg-1'),
      deb('curl', '7.88.1-10%2Bdeb12u5'),
      deb('libcurl4', '7.88.1-10%2Bdeb12u5'),
      'pkg:npm/express@4.18.2',
      'pkg:npm/debug@2.6.9',
      'pkg:npm/ms@2.0.0',
      'pkg:npm/ms@2.1.3',
      'pkg:npm/%40types/node@20.1.0',
      'pkg:npm/lodash@4.17.21',
      'pkg:pypi/requests@2.31.0',
      'pkg:pypi/urllib3@2.0.7',
      'pkg:pypi/charset-normalizer@3.3.2',
      'pkg:pypi/zope-interface@5.5.2',
    ]),
  );
  assert.equal(result.packages.length, 17);
  const by = new Map(result.packages.map((p) => [p.purl, p]));
  const layerOf = (purl: string): string | undefined => by.get(purl)?.locations[0]?.layerDigest;
  // First layer in which the exact package appears, not the layer that last rewrote the status file.
  assert.equal(layerOf(deb('libc6', '2.36-9%2Bdeb12u4')), layers[0]!.digest);
  assert.equal(layerOf(deb('curl', '7.88.1-10%2Bdeb12u5')), layers[1]!.digest);
  assert.equal(layerOf(deb('base-files', '12.4%2Bdeb12u6')), layers[2]!.digest);
  assert.equal(layerOf('pkg:npm/lodash@4.17.21'), layers[1]!.digest);
  assert.equal(by.get(deb('libc6', '2.36-9%2Bdeb12u4'))!.locations[0]!.path, 'var/lib/dpkg/status');
  // Dependency edges
  assert.deepEqual(by.get(deb('curl', '7.88.1-10%2Bdeb12u5'))!.dependsOn, [deb('libc6', '2.36-9%2Bdeb12u4'), deb('libcurl4', '7.88.1-10%2Bdeb12u5')]);
  assert.deepEqual(by.get(deb('libgcc-s1', '12.2.0-14'))!.dependsOn, [deb('gcc-12-base', '12.2.0-14'), deb('libc6', '2.36-9%2Bdeb12u4')]);
  assert.deepEqual(by.get('pkg:npm/express@4.18.2')!.dependsOn, ['pkg:npm/debug@2.6.9']);
  assert.deepEqual(by.get('pkg:npm/debug@2.6.9')!.dependsOn, ['pkg:npm/ms@2.0.0']);
  assert.deepEqual(by.get('pkg:pypi/requests@2.31.0')!.dependsOn, ['pkg:pypi/charset-normalizer@3.3.2', 'pkg:pypi/urllib3@2.0.7']);
  // Metadata
  assert.deepEqual(by.get(deb('zlib1g', '1:1.2.13.dfsg-1'))!.licenses, ['Zlib']);
  assert.deepEqual(by.get(deb('zlib1g', '1:1.2.13.dfsg-1'))!.properties, { 'ocisign:deb:source': 'zlib', 'ocisign:deb:source-version': '1:1.2.13.dfsg-1' });
  assert.equal(by.get(deb('zlib1g', '1:1.2.13.dfsg-1'))!.version, '1:1.2.13.dfsg-1');
  assert.equal(by.get(deb('libc6', '2.36-9%2Bdeb12u4'))!.description, 'the libc6 package');
  assert.deepEqual(by.get('pkg:npm/%40types/node@20.1.0')!.namespace, '@types');
  assert.deepEqual(by.get('pkg:pypi/urllib3@2.0.7')!.licenses, ['MIT']);
  assert.deepEqual(by.get('pkg:pypi/charset-normalizer@3.3.2')!.licenses, ['MIT License']);
  assert.deepEqual(by.get('pkg:pypi/requests@2.31.0')!.licenses, ['Apache 2.0']);
  assert.deepEqual(progress.slice(-3), [1, 2, 3]);
});

test('alpine image: apk database with dependencies through provides', async () => {
  const db = [
    'C:Q1abc=\nP:musl\nV:1.2.5-r0\nA:x86_64\nL:MIT\nT:the musl c library\no:musl\np:so:libc.musl-x86_64.so.1=1\n',
    'P:busybox\nV:1.36.1-r29\nA:x86_64\nL:GPL-2.0-only\no:busybox\nD:so:libc.musl-x86_64.so.1 !busybox-old\np:/bin/sh cmd:busybox=1.36.1-r29\n',
    'P:zlib\nV:1.3.1-r1\nA:x86_64\nL:Zlib\no:zlib\nD:so:libc.musl-x86_64.so.1\np:so:libz.so.1=1.3.1\n',
    'P:libcrypto3\nV:3.3.1-r0\nA:x86_64\nL:Apache-2.0\no:openssl\nD:so:libc.musl-x86_64.so.1 zlib>=1.2\n',
  ].join('\n');
  const layers = [
    tarLayer([
      { path: 'etc/os-release', content: 'NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.20.1\n' },
      { path: 'lib/apk/db/installed', content: db },
    ]),
  ];
  const result = await scanImageLayers({ layers });
  assert.deepEqual(result.warnings, []);
  const apk = (n: string, v: string): string => `pkg:apk/alpine/${n}@${v}?arch=x86_64&distro=alpine-3.20.1`;
  assert.deepEqual(result.packages.map((p) => p.purl).sort(), [apk('busybox', '1.36.1-r29'), apk('libcrypto3', '3.3.1-r0'), apk('musl', '1.2.5-r0'), apk('zlib', '1.3.1-r1')].sort());
  const by = new Map(result.packages.map((p) => [p.name, p]));
  assert.deepEqual(by.get('libcrypto3')!.dependsOn, [apk('musl', '1.2.5-r0'), apk('zlib', '1.3.1-r1')]);
  assert.deepEqual(by.get('libcrypto3')!.properties, { 'ocisign:apk:origin': 'openssl' });
  assert.deepEqual(by.get('musl')!.licenses, ['MIT']);
});

test('distroless dpkg status.d and foreign/nondistributable media types', async () => {
  const layers = [
    tarLayer(
      [
        { path: 'etc/os-release', content: 'ID=debian\nVERSION_ID="12"\n' },
        { path: 'var/lib/dpkg/status.d/base', content: stanza('base-files', '12.4+deb12u5').replace(/Status:.*\n/, '') },
        { path: 'var/lib/dpkg/status.d/base.md5sums', content: 'abc  etc/debian_version\n' },
        { path: 'var/lib/dpkg/status.d/tzdata', content: stanza('tzdata', '2024a-0+deb12u1', { Architecture: 'all' }) },
      ],
      'gzip',
      'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
    ),
    tarLayer([{ path: 'x', content: 'y' }], 'zstd', 'application/vnd.oci.image.layer.nondistributable.v1.tar+zstd'),
  ];
  const result = await scanImageLayers({ layers });
  assert.deepEqual(result.warnings, []);
  assert.deepEqual(result.packages.map((p) => p.purl), [
    'pkg:deb/debian/base-files@12.4%2Bdeb12u5?arch=amd64&distro=debian-12',
    'pkg:deb/debian/tzdata@2024a-0%2Bdeb12u1?arch=all&distro=debian-12',
  ]);
});

test('a media type lying about compression is read by its magic bytes', async () => {
  const plain = buildTar([{ path: 'app/node_modules/a/package.json', content: pkgJson('a', '1.0.0') }]);
  const result = await scanImageLayers({ layers: [blobLayer(plain, 'application/vnd.oci.image.layer.v1.tar+gzip')] });
  assert.deepEqual(result.packages.map((p) => p.purl), ['pkg:npm/a@1.0.0']);
});

async function rejectsNamingLayer(layer: ReturnType<typeof blobLayer>, pattern: RegExp): Promise<void> {
  await assert.rejects(scanImageLayers({ layers: [layer] }), (err: unknown) => {
    assert.ok(isOcisignError(err, 'BAD_INPUT'), String(err));
    assert.match(err.message, new RegExp(`^reading layer ${layer.digest}: `));
    assert.match(err.message, pattern);
    return true;
  });
}

test('unreadable layers are errors naming the layer', async () => {
  const tar = buildTar([{ path: 'app/node_modules/a/package.json', content: pkgJson('a', '1.0.0') }, { path: 'big', content: 'z'.repeat(20000) }]);
  const gz = compress(tar, 'gzip');
  const corrupt = gz.slice();
  corrupt.fill(0xaa, 15, 40);
  await rejectsNamingLayer(blobLayer(corrupt, 'application/vnd.oci.image.layer.v1.tar+gzip'), /./);
  await rejectsNamingLayer(blobLayer(gz.subarray(0, gz.length - 20), 'application/vnd.oci.image.layer.v1.tar+gzip'), /unexpected end of file/);
  await rejectsNamingLayer(blobLayer(tar.subarray(0, 5000), 'application/vnd.oci.image.layer.v1.tar'), /unexpected end of tar data/);
  const zst = compress(tar, 'zstd');
  await rejectsNamingLayer(blobLayer(zst.subarray(0, zst.length - 10), 'application/vnd.oci.image.layer.v1.tar+zstd'), /./);
  await rejectsNamingLayer(blobLayer(gz, 'application/x-foo'), /unsupported layer media type application\/x-foo/);
});

const GIANT = `{"name":"giant","version":"1.0.0","x":"${'x'.repeat(9 * 1024 * 1024)}"}`;

test('bad entries and bad package metadata are warnings naming path and layer', async () => {
  const layer = tarLayer([
    { path: '../../etc/evil/node_modules/x/package.json', content: pkgJson('evil', '1.0.0') },
    { path: 'etc/os-release', type: 'symlink', linkName: 'loop-a' },
    { path: 'etc/loop-a', type: 'symlink', linkName: '/etc/os-release' },
    { path: 'usr/lib/os-release', type: 'symlink', linkName: '/usr/lib/os-release' },
    { path: 'app/node_modules/hl/package.json', type: 'hardlink', linkName: 'app/node_modules/missing/package.json' },
    { path: 'app/node_modules/good/package.json', content: pkgJson('good', '1.0.0') },
    { path: 'app/node_modules/good2/package.json', type: 'hardlink', linkName: 'app/node_modules/good/package.json' },
    { path: 'app/node_modules/giant/package.json', content: GIANT },
    { path: 'app/node_modules/badjson/package.json', content: '{"name": "badjson", "version": ' },
    { path: 'app/node_modules/badutf8/package.json', content: new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]) },
    { path: 'app/node_modules/noversion/package.json', content: '{"name":"noversion"}' },
    { path: 'usr/lib/python3/dist-packages/bad-1.0.dist-info/METADATA', content: new Uint8Array([0x4e, 0x61, 0x6d, 0x65, 0x3a, 0x20, 0xc3, 0x28]) },
  ]);
  const result = await scanImageLayers({ layers: [layer] });
  const d = layer.digest;
  assert.deepEqual(result.packages.map((p) => p.purl), ['pkg:npm/good@1.0.0']);
  assert.deepEqual(result.packages[0]!.locations.map((l) => l.path), ['app/node_modules/good/package.json', 'app/node_modules/good2/package.json']);
  assert.equal(result.os, undefined);
  const w = result.warnings.map((x) => `${x.subject} | ${x.reason}`).sort();
  assert.deepEqual(w, [
    `../../etc/evil/node_modules/x/package.json in layer ${d} | path escapes the root; entry skipped`,
    `app/node_modules/badjson/package.json in layer ${d} | ${w.find((s) => s.startsWith('app/node_modules/badjson'))!.split(' | ')[1]}`,
    `app/node_modules/badutf8/package.json in layer ${d} | invalid UTF-8; skipped`,
    `app/node_modules/giant/package.json in layer ${d} | file of ${GIANT.length} bytes exceeds the 8388608-byte limit; skipped`,
    `app/node_modules/hl/package.json in layer ${d} | hard link to missing file app/node_modules/missing/package.json; skipped`,
    'etc/os-release | too many levels of symbolic links resolving etc/os-release',
    'usr/lib/os-release | too many levels of symbolic links resolving usr/lib/os-release',
    `usr/lib/python3/dist-packages/bad-1.0.dist-info/METADATA in layer ${d} | invalid UTF-8; skipped`,
  ]);
  assert.match(w[1]!, /JSON|Unexpected|Expected/);
  assert.match(w[1]!, /; skipped$/);
});

test('all-layers in one pass: deleted, purged, replaced and upgraded packages too, with first layer and visibility', async () => {
  const layers = debianImage();
  const opened: string[] = [];
  const counted = layers.map((l) => ({ ...l, open: () => (opened.push(l.digest), l.open()) }));
  const squashed = await scanImageLayers({ layers });
  const result = await scanImageLayers({ layers: counted, scope: 'all-layers' });
  assert.deepEqual(opened, layers.map((l) => l.digest), 'each layer is read once, in order');
  assert.deepEqual(result.warnings, []);
  const hidden = new Map([
    [deb('base-files', '12.4%2Bdeb12u5'), 0], // upgraded by layer 3's status
    [deb('purgeme', '1.0-1'), 1], // its stanza gone in layer 3
    ['pkg:npm/left-pad@1.3.0', 0], // deleted by a whiteout
    ['pkg:npm/lodash@4.17.20', 0], // replaced behind an opaque whiteout
  ]);
  const visible = new Set(squashed.packages.map((p) => p.purl));
  assert.deepEqual(new Set(result.packages.map((p) => p.purl)), new Set([...visible, ...hidden.keys()]));
  assert.equal(result.packages.length, visible.size + hidden.size);
  for (const p of result.packages) {
    const isHidden = hidden.has(p.purl);
    assert.equal(p.properties?.['ocisign:image:visible'], String(!isHidden), p.purl);
    const layer = isHidden ? layers[hidden.get(p.purl)!]!.digest : squashed.packages.find((q) => q.purl === p.purl)!.locations[0]!.layerDigest;
    assert.equal(p.locations[0]!.layerDigest, layer, `first layer of ${p.purl}`);
  }
  assert.equal(result.packages.find((p) => p.purl === 'pkg:npm/left-pad@1.3.0')!.locations[0]!.path, 'app/node_modules/left-pad/package.json');
  assert.deepEqual(result.packages.map((p) => p.purl), [...result.packages.map((p) => p.purl)].sort(), 'sorted by purl');
});
