import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  apkPurl,
  cargoPurl,
  composerPurl,
  debPurl,
  encodePurlComponent,
  formatPurl,
  gemPurl,
  golangPurl,
  mavenPurl,
  normalizePypiName,
  npmPurl,
  ociPurl,
  pypiPurl,
  rpmPurl,
} from '../../src/sbom/purl.ts';

test('encoding: colon never encoded, plus and slash in values encoded', () => {
  assert.equal(encodePurlComponent('1:2.4.47-2+b1'), '1:2.4.47-2%2Bb1');
  assert.equal(encodePurlComponent('a b/c@d'), 'a%20b%2Fc%40d');
  assert.equal(encodePurlComponent('é'), '%C3%A9');
});

test('qualifiers are sorted, lower-cased keys, empty values dropped', () => {
  assert.equal(
    formatPurl({ type: 'Generic', name: 'x', version: '1', qualifiers: { z: '1', A: 'b', e: '', u: undefined } }),
    'pkg:generic/x@1?a=b&z=1',
  );
  assert.equal(formatPurl({ type: 'generic', name: 'x', subpath: '/a/../b/' }), 'pkg:generic/x#a/b');
});

test('deb: epoch in version, distro qualifier, lower-case vendor and name', () => {
  assert.equal(
    debPurl({ vendor: 'Debian', name: 'attr', version: '1:2.4.47-2+b1', arch: 'amd64', distro: 'debian-12' }),
    'pkg:deb/debian/attr@1:2.4.47-2%2Bb1?arch=amd64&distro=debian-12',
  );
  assert.equal(debPurl({ vendor: 'ubuntu', name: 'dpkg', version: '1.19.0.4' }), 'pkg:deb/ubuntu/dpkg@1.19.0.4');
});

test('apk', () => {
  assert.equal(
    apkPurl({ vendor: 'alpine', name: 'musl', version: '1.2.5-r0', arch: 'x86_64', distro: 'alpine-3.20.1' }),
    'pkg:apk/alpine/musl@1.2.5-r0?arch=x86_64&distro=alpine-3.20.1',
  );
});

test('rpm: version-release, epoch as qualifier (not 0), name case kept', () => {
  assert.equal(
    rpmPurl({ vendor: 'fedora', name: 'centerim', version: '4.22.10', release: '1.el6', arch: 'i686', epoch: 1, distro: 'fedora-25' }),
    'pkg:rpm/fedora/centerim@4.22.10-1.el6?arch=i686&distro=fedora-25&epoch=1',
  );
  assert.equal(rpmPurl({ vendor: 'rhel', name: 'NetworkManager', version: '1', release: '2', epoch: 0 }), 'pkg:rpm/rhel/NetworkManager@1-2');
});

test('npm: scope is the namespace, %40-encoded', () => {
  assert.equal(npmPurl('@angular/animation', '12.3.1'), 'pkg:npm/%40angular/animation@12.3.1');
  assert.equal(npmPurl('foobar', '12.3.1'), 'pkg:npm/foobar@12.3.1');
});

test('pypi: PEP 503 normalised names', () => {
  assert.equal(normalizePypiName('Zope.Interface__x'), 'zope-interface-x');
  assert.equal(pypiPurl('Django_Rest.Framework', '3.15.0'), 'pkg:pypi/django-rest-framework@3.15.0');
});

test('golang: last module path segment is the name', () => {
  assert.equal(golangPurl('github.com/gorilla/context', 'v1.1.1'), 'pkg:golang/github.com/gorilla/context@v1.1.1');
  assert.equal(golangPurl('stdlib', 'go1.22.1'), 'pkg:golang/stdlib@go1.22.1');
  assert.equal(golangPurl('github.com/Azure/go-autorest', 'v14.2.0+incompatible'), 'pkg:golang/github.com/Azure/go-autorest@v14.2.0%2Bincompatible');
});

test('maven, cargo, composer, gem', () => {
  assert.equal(mavenPurl('org.apache.xmlgraphics', 'batik-anim', '1.9.1'), 'pkg:maven/org.apache.xmlgraphics/batik-anim@1.9.1');
  assert.equal(mavenPurl('g', 'a', '1', { classifier: 'sources' }), 'pkg:maven/g/a@1?classifier=sources');
  assert.equal(cargoPurl('rand', '0.7.2'), 'pkg:cargo/rand@0.7.2');
  assert.equal(composerPurl('Laravel/Laravel', '5.5.0'), 'pkg:composer/laravel/laravel@5.5.0');
  assert.equal(gemPurl('jruby-launcher', '1.1.2', 'java'), 'pkg:gem/jruby-launcher@1.1.2?platform=java');
  assert.equal(gemPurl('rake', '13.0.0', 'ruby'), 'pkg:gem/rake@13.0.0');
});

test('oci: digest version, repository_url encoded', () => {
  assert.equal(
    ociPurl({ repository: 'docker.io/library/Debian', digest: 'sha256:244fd47e07d10', tag: 'latest', arch: 'amd64' }),
    'pkg:oci/debian@sha256:244fd47e07d10?arch=amd64&repository_url=docker.io%2Flibrary%2FDebian&tag=latest',
  );
});
