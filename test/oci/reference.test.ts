import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatReference, parseReference, repositoryName, withDigest, withTag, lookupKey } from '../../src/oci/reference.ts';
import { isOcisignError } from '../../src/core/errors.ts';

const D = `sha256:${'a'.repeat(64)}`;
const D512 = `sha512:${'b'.repeat(128)}`;

// [input, canonical form] — cases learned from the distribution reference grammar and docker normalisation.
const valid: Array<[string, string]> = [
  ['nginx', 'index.docker.io/library/nginx:latest'],
  ['nginx:1.25', 'index.docker.io/library/nginx:1.25'],
  ['docker.io/nginx', 'index.docker.io/library/nginx:latest'],
  ['docker.io/library/nginx', 'index.docker.io/library/nginx:latest'],
  ['index.docker.io/user/app:v1', 'index.docker.io/user/app:v1'],
  ['user/app', 'index.docker.io/user/app:latest'],
  ['test_com', 'index.docker.io/library/test_com:latest'],
  ['test.com:tag', 'index.docker.io/library/test.com:tag'],
  ['test.com:5000', 'index.docker.io/library/test.com:5000'],
  ['test.com/repo:tag', 'test.com/repo:tag'],
  ['test:5000/repo', 'test:5000/repo:latest'],
  ['test:5000/repo:tag', 'test:5000/repo:tag'],
  ['localhost/app', 'localhost/app:latest'],
  ['localhost:5000/a/b/c:t', 'localhost:5000/a/b/c:t'],
  ['127.0.0.1:5000/demo/app:latest', '127.0.0.1:5000/demo/app:latest'],
  [`127.0.0.1:5000/demo/app@${D}`, `127.0.0.1:5000/demo/app@${D}`],
  [`127.0.0.1:5000/demo/app:v1@${D}`, `127.0.0.1:5000/demo/app:v1@${D}`],
  [`app@${D512}`, `index.docker.io/library/app@${D512}`],
  ['[::1]:5000/x', '[::1]:5000/x:latest'],
  ['[2001:db8::1]/x/y:tag', '[2001:db8::1]/x/y:tag'],
  ['Docker.Example.com/app', 'Docker.Example.com/app:latest'],
  ['foo-bar.com:8080/a__b/c-d---e/f.g:T_a.g-1', 'foo-bar.com:8080/a__b/c-d---e/f.g:T_a.g-1'],
  ['a/' + 'b'.repeat(200), 'index.docker.io/a/' + 'b'.repeat(200) + ':latest'],
  ['x:' + 'w'.repeat(128), 'index.docker.io/library/x:' + 'w'.repeat(128)],
];

const invalid: Array<[string, RegExp]> = [
  ['', /empty/],
  ['Uppercase', /lowercase/],
  ['host/Upper/app', /lowercase/],
  ['a'.repeat(64), /image id/],
  ['app:', /bad tag/],
  ['app:-bad', /bad tag/],
  ['app:' + 'w'.repeat(129), /bad tag/],
  ['app@sha256:abc', /bad digest/],
  [`app@sha256:${'A'.repeat(64)}`, /unsupported digest/],
  [`app@md5:${'a'.repeat(32)}`, /unsupported digest/],
  ['host:5000/', /empty path component/],
  ['a//b', /empty path component/],
  ['-app', /bad path component/],
  ['app-', /bad path component/],
  ['a/b_/c', /bad path component/],
  ['a/b___c', /bad path component/],
  ['a/b..c', /bad path component/],
  ['-host.com/app', /bad registry host/],
  ['host.com:port/app', /bad registry host/],
  ['foo_bar.com/app', /bad registry host/],
  ['[::1/app', /bad registry host|bad path component/],
  ['a/' + 'b'.repeat(254), /longer than 255/],
  ['@' + D, /no repository name/],
  ['oci:', /no layout directory/],
  ['oci::tag', /no layout directory/],
  ['oci:dir:bad tag', /bad tag/],
  ['oci:dir@sha256:12', /bad digest/],
];

for (const [input, want] of valid) {
  test(`parses ${JSON.stringify(input.length > 60 ? input.slice(0, 60) + '…' : input)}`, () => {
    const ref = parseReference(input);
    assert.equal(ref.kind, 'registry');
    assert.equal(formatReference(ref), want);
    assert.deepEqual(parseReference(formatReference(ref)), ref, 'canonical form round-trips');
  });
}

for (const [input, why] of invalid) {
  test(`rejects ${JSON.stringify(input.length > 60 ? input.slice(0, 60) + '…' : input)}`, () => {
    assert.throws(() => parseReference(input), (err: unknown) => {
      assert.ok(isOcisignError(err, 'BAD_INPUT'), String(err));
      assert.equal(err.exitCode, 3);
      assert.ok(err.message.startsWith(`invalid reference ${JSON.stringify(input)}: `), err.message);
      assert.match(err.message, why);
      return true;
    });
  });
}

test('registry reference parts', () => {
  assert.deepEqual(parseReference(`localhost:5000/a/b:t@${D}`), {
    kind: 'registry', registry: 'localhost:5000', repository: 'a/b', tag: 't', digest: D,
  });
  assert.deepEqual(parseReference(`a/b@${D}`), { kind: 'registry', registry: 'index.docker.io', repository: 'a/b', digest: D });
});

test('layout references', () => {
  assert.deepEqual(parseReference('oci:dir'), { kind: 'layout', path: 'dir' });
  assert.deepEqual(parseReference('oci:/tmp/x/layout:v1'), { kind: 'layout', path: '/tmp/x/layout', tag: 'v1' });
  assert.deepEqual(parseReference('oci:./a:b/c'), { kind: 'layout', path: './a:b/c' });
  assert.deepEqual(parseReference('oci:./a:b/c:t'), { kind: 'layout', path: './a:b/c', tag: 't' });
  assert.deepEqual(parseReference(`oci:/l@${D}`), { kind: 'layout', path: '/l', digest: D });
  assert.deepEqual(parseReference(`oci:/l:t@${D}`), { kind: 'layout', path: '/l', tag: 't', digest: D });
  assert.equal(formatReference(parseReference(`oci:/l:t@${D}`)), `oci:/l:t@${D}`);
  assert.equal(repositoryName(parseReference('oci:/l:t')), 'oci:/l');
});

test('helpers', () => {
  const ref = parseReference('127.0.0.1:5000/demo/app:v1');
  assert.equal(repositoryName(ref), '127.0.0.1:5000/demo/app');
  assert.equal(formatReference(withDigest(ref, D)), `127.0.0.1:5000/demo/app@${D}`);
  assert.equal(formatReference(withTag(parseReference(`x/y@${D}`), 'sha256-abc.sig')), 'index.docker.io/x/y:sha256-abc.sig');
  assert.equal(lookupKey(parseReference(`x/y:t@${D}`)), D);
  assert.equal(lookupKey(ref), 'v1');
  assert.throws(() => withTag(ref, 'bad tag'), /invalid tag/);
  assert.throws(() => withDigest(ref, 'sha256:1'), /invalid digest/);
});
