/** Each lockfile cataloger on its own fixture folder: the exact purl set, every edge, the root's edges. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { scanDirectory } from '../../../src/sbom/directory/index.ts';
import type { Sbom } from '../../../src/sbom/model.ts';

const fixture = (name: string) => fileURLToPath(new URL(`../../../fixtures/sbom/dir/${name}`, import.meta.url));

interface Expected {
  purls: string[];
  edges: string[];
  /** app name → its direct dependencies. */
  roots: Record<string, string[]>;
  subject?: string;
}

function edgesOf(sbom: Sbom): string[] {
  return sbom.packages.flatMap((p) => p.dependsOn.map((d) => `${p.purl} -> ${d}`)).sort();
}

async function check(name: string, expected: Expected): Promise<Sbom> {
  const sbom = await scanDirectory(fixture(name));
  assert.deepEqual(sbom.packages.map((p) => p.purl).sort(), [...expected.purls].sort(), 'purls');
  assert.deepEqual(edgesOf(sbom), [...expected.edges].sort(), 'edges');
  const roots = Object.fromEntries((sbom.applications ?? []).map((a) => [a.name, [...a.dependsOn].sort()]));
  assert.deepEqual(roots, Object.fromEntries(Object.entries(expected.roots).map(([k, v]) => [k, [...v].sort()])), 'root edges');
  if (expected.subject) assert.equal(sbom.subject.purl ?? sbom.subject.name, expected.subject);
  return sbom;
}

const pkg = (sbom: Sbom, purl: string) => sbom.packages.find((p) => p.purl === purl)!;

describe('npm package-lock.json', () => {
  it('v1: nested dependencies resolve in the subtree first, aliases name the real package', async () => {
    const sbom = await check('npm-v1', {
      subject: 'pkg:npm/app-v1@1.0.0',
      purls: ['pkg:npm/express-lite@1.2.0', 'pkg:npm/debug@2.6.9', 'pkg:npm/debug@4.3.4', 'pkg:npm/ms@2.0.0', 'pkg:npm/ms@2.1.3', 'pkg:npm/%40test/runner@2.1.0', 'pkg:npm/left-pad@1.3.0'],
      edges: [
        'pkg:npm/express-lite@1.2.0 -> pkg:npm/debug@2.6.9',
        'pkg:npm/express-lite@1.2.0 -> pkg:npm/ms@2.1.3',
        'pkg:npm/debug@2.6.9 -> pkg:npm/ms@2.0.0',
        'pkg:npm/debug@4.3.4 -> pkg:npm/ms@2.1.3',
        'pkg:npm/%40test/runner@2.1.0 -> pkg:npm/debug@4.3.4',
      ],
      roots: { 'package-lock.json': ['pkg:npm/express-lite@1.2.0', 'pkg:npm/%40test/runner@2.1.0'] },
    });
    assert.equal(pkg(sbom, 'pkg:npm/%40test/runner@2.1.0').scope, 'excluded');
    assert.equal(pkg(sbom, 'pkg:npm/left-pad@1.3.0').scope, 'optional');
    assert.deepEqual(pkg(sbom, 'pkg:npm/express-lite@1.2.0').hashes, [{ alg: 'SHA-512', content: '1f40fc92da241694750979ee6cf582f2d5d7d28e18335de05abc54d0560e0f5302860c652bf08d560252aa5e74210546f369fbbbce8c12cfc7957b2652fe9a75' }]);
  });

  it('v2: the packages map wins over the v1 tree; sha1 integrity; extraneous alias by name', async () => {
    const sbom = await check('npm-v2', {
      subject: 'pkg:npm/app-v2@2.0.0',
      purls: ['pkg:npm/x@1.0.0', 'pkg:npm/y@1.0.0', 'pkg:npm/real-z@9.0.0'],
      edges: ['pkg:npm/x@1.0.0 -> pkg:npm/y@1.0.0'],
      roots: { 'package-lock.json': ['pkg:npm/x@1.0.0'] },
    });
    assert.equal(pkg(sbom, 'pkg:npm/x@1.0.0').hashes[0]!.alg, 'SHA-1');
    assert.equal(pkg(sbom, 'pkg:npm/real-z@9.0.0').properties?.['cdx:npm:package:extraneous'], 'true');
  });

  it('v3: nested node_modules lookup, scopes, bundled, workspace links, licenses', async () => {
    const sbom = await check('npm-v3', {
      subject: 'pkg:npm/app-v3@3.0.0',
      purls: ['pkg:npm/%40scope/lib@1.0.0', 'pkg:npm/a@1.1.0', 'pkg:npm/b@1.0.0', 'pkg:npm/b@2.0.0', 'pkg:npm/inner@0.1.0', 'pkg:npm/tester@1.0.0', 'pkg:npm/fsx@1.0.0', 'pkg:npm/%40app/util@0.0.1'],
      edges: [
        'pkg:npm/%40scope/lib@1.0.0 -> pkg:npm/b@2.0.0',
        'pkg:npm/a@1.1.0 -> pkg:npm/b@1.0.0',
        'pkg:npm/a@1.1.0 -> pkg:npm/inner@0.1.0',
        'pkg:npm/inner@0.1.0 -> pkg:npm/b@1.0.0',
        'pkg:npm/tester@1.0.0 -> pkg:npm/b@2.0.0',
        'pkg:npm/%40app/util@0.0.1 -> pkg:npm/a@1.1.0',
      ],
      roots: { 'package-lock.json': ['pkg:npm/%40scope/lib@1.0.0', 'pkg:npm/a@1.1.0', 'pkg:npm/tester@1.0.0', 'pkg:npm/fsx@1.0.0', 'pkg:npm/%40app/util@0.0.1'] },
    });
    assert.equal(pkg(sbom, 'pkg:npm/tester@1.0.0').scope, 'excluded');
    assert.equal(pkg(sbom, 'pkg:npm/fsx@1.0.0').scope, 'optional');
    assert.equal(pkg(sbom, 'pkg:npm/inner@0.1.0').properties?.['cdx:npm:package:bundled'], 'true');
    assert.equal(pkg(sbom, 'pkg:npm/b@1.0.0').properties?.['cdx:npm:package:path'], 'node_modules/a/node_modules/b');
    assert.deepEqual(pkg(sbom, 'pkg:npm/a@1.1.0').licenses, ['(MIT OR Apache-2.0)']);
    assert.equal(pkg(sbom, 'pkg:npm/%40scope/lib@1.0.0').namespace, '@scope');
  });

  it('invalid JSON is a warning naming the file, no packages', async () => {
    const sbom = await scanDirectory(fixture('bad-json'));
    assert.equal(sbom.packages.length, 0);
    assert.equal(sbom.warnings.length, 1);
    assert.equal(sbom.warnings[0]!.subject, 'package-lock.json');
    assert.match(sbom.warnings[0]!.reason, /^invalid JSON/);
  });
});

describe('yarn.lock', () => {
  it('classic v1 with package.json roots and an npm: alias', async () => {
    await check('yarn-v1', {
      subject: 'pkg:npm/yarn-app@0.1.0',
      purls: ['pkg:npm/%40babel/code-frame@7.12.13', 'pkg:npm/%40babel/highlight@7.13.10', 'pkg:npm/chalk@2.4.2', 'pkg:npm/ansi-styles@3.2.1', 'pkg:npm/js-tokens@4.0.0', 'pkg:npm/supports-color@5.5.0'],
      edges: [
        'pkg:npm/%40babel/code-frame@7.12.13 -> pkg:npm/%40babel/highlight@7.13.10',
        'pkg:npm/%40babel/highlight@7.13.10 -> pkg:npm/chalk@2.4.2',
        'pkg:npm/%40babel/highlight@7.13.10 -> pkg:npm/js-tokens@4.0.0',
        'pkg:npm/chalk@2.4.2 -> pkg:npm/ansi-styles@3.2.1',
        'pkg:npm/chalk@2.4.2 -> pkg:npm/supports-color@5.5.0',
      ],
      roots: { 'yarn.lock': ['pkg:npm/%40babel/code-frame@7.12.13', 'pkg:npm/chalk@2.4.2'] },
    });
  });

  it('berry: workspace root entry, patch: entries merged with their package', async () => {
    await check('yarn-berry', {
      purls: ['pkg:npm/lodash@4.17.21', 'pkg:npm/resolve@1.22.8', 'pkg:npm/is-core-module@2.13.1', 'pkg:npm/%40ljharb/has@1.0.3'],
      edges: ['pkg:npm/resolve@1.22.8 -> pkg:npm/is-core-module@2.13.1', 'pkg:npm/is-core-module@2.13.1 -> pkg:npm/%40ljharb/has@1.0.3'],
      roots: { 'yarn.lock': ['pkg:npm/lodash@4.17.21', 'pkg:npm/resolve@1.22.8'] },
    });
  });
});

describe('pnpm-lock.yaml', () => {
  it('v6: peer suffixes dropped, dev flag → excluded', async () => {
    const sbom = await check('pnpm-v6', {
      purls: ['pkg:npm/%40types/node@20.1.0', 'pkg:npm/loose-envify@1.4.0', 'pkg:npm/js-tokens@4.0.0', 'pkg:npm/react@18.2.0', 'pkg:npm/react-dom@18.2.0', 'pkg:npm/scheduler@0.23.0'],
      edges: [
        'pkg:npm/loose-envify@1.4.0 -> pkg:npm/js-tokens@4.0.0',
        'pkg:npm/react@18.2.0 -> pkg:npm/loose-envify@1.4.0',
        'pkg:npm/react-dom@18.2.0 -> pkg:npm/loose-envify@1.4.0',
        'pkg:npm/react-dom@18.2.0 -> pkg:npm/react@18.2.0',
        'pkg:npm/react-dom@18.2.0 -> pkg:npm/scheduler@0.23.0',
        'pkg:npm/scheduler@0.23.0 -> pkg:npm/loose-envify@1.4.0',
      ],
      roots: { 'pnpm-lock.yaml': ['pkg:npm/react-dom@18.2.0', 'pkg:npm/react@18.2.0', 'pkg:npm/%40types/node@20.1.0'] },
    });
    assert.equal(pkg(sbom, 'pkg:npm/%40types/node@20.1.0').scope, 'excluded');
  });

  it('v9: importers + snapshots, aliases resolve, links skipped', async () => {
    await check('pnpm-v9', {
      purls: ['pkg:npm/%40vue/shared@3.4.21', 'pkg:npm/host@2.0.0', 'pkg:npm/plugin@1.0.0'],
      edges: ['pkg:npm/plugin@1.0.0 -> pkg:npm/%40vue/shared@3.4.21', 'pkg:npm/plugin@1.0.0 -> pkg:npm/host@2.0.0'],
      roots: { 'pnpm-lock.yaml': ['pkg:npm/%40vue/shared@3.4.21', 'pkg:npm/plugin@1.0.0', 'pkg:npm/host@2.0.0'] },
    });
  });
});

describe('python', () => {
  it('requirements*.txt: == pins only; unpinned → version-less component + one warning', async () => {
    const sbom = await check('requirements', {
      purls: ['pkg:pypi/django@4.2.11', 'pkg:pypi/requests@2.31.0', 'pkg:pypi/zope-interface@6.2', 'pkg:pypi/flask-sqlalchemy', 'pkg:pypi/pytest@8.1.1'],
      edges: [],
      roots: {
        'requirements.txt': ['pkg:pypi/django@4.2.11', 'pkg:pypi/requests@2.31.0', 'pkg:pypi/zope-interface@6.2', 'pkg:pypi/flask-sqlalchemy'],
        'dev-requirements.txt': ['pkg:pypi/pytest@8.1.1'],
      },
    });
    assert.equal(pkg(sbom, 'pkg:pypi/flask-sqlalchemy').properties?.['ocisign:python:constraint'], '>=3.0,<4');
    assert.deepEqual(sbom.warnings.map((w) => w.subject), ['requirements.txt']);
  });

  it('poetry.lock: names normalised, edges by name, roots from pyproject.toml, dev group → excluded', async () => {
    const sbom = await check('poetry', {
      subject: 'pkg:pypi/poetry-app@0.3.0',
      purls: ['pkg:pypi/certifi@2024.2.2', 'pkg:pypi/requests@2.31.0', 'pkg:pypi/charset-normalizer@3.3.2', 'pkg:pypi/pytest@8.1.1'],
      edges: ['pkg:pypi/requests@2.31.0 -> pkg:pypi/certifi@2024.2.2', 'pkg:pypi/requests@2.31.0 -> pkg:pypi/charset-normalizer@3.3.2'],
      roots: { 'poetry.lock': ['pkg:pypi/requests@2.31.0', 'pkg:pypi/pytest@8.1.1'] },
    });
    assert.equal(pkg(sbom, 'pkg:pypi/pytest@8.1.1').scope, 'excluded');
    assert.equal(pkg(sbom, 'pkg:pypi/certifi@2024.2.2').scope, 'required');
  });

  it('uv.lock: the editable root is the project, dev groups are root edges (scope excluded)', async () => {
    const sbom = await check('uv', {
      subject: 'pkg:pypi/uv-app@0.1.0',
      purls: ['pkg:pypi/anyio@4.3.0', 'pkg:pypi/idna@3.6', 'pkg:pypi/sniffio@1.3.1', 'pkg:pypi/ruff@0.3.4'],
      edges: ['pkg:pypi/anyio@4.3.0 -> pkg:pypi/idna@3.6', 'pkg:pypi/anyio@4.3.0 -> pkg:pypi/sniffio@1.3.1'],
      roots: { 'uv.lock': ['pkg:pypi/anyio@4.3.0', 'pkg:pypi/ruff@0.3.4'] },
    });
    assert.equal(pkg(sbom, 'pkg:pypi/ruff@0.3.4').scope, 'excluded');
    assert.equal(pkg(sbom, 'pkg:pypi/idna@3.6').scope, 'required');
  });
});

describe('other ecosystems', () => {
  it('go.mod: replace applied, local replace dropped, indirect not a root edge; go.sum beside it ignored', async () => {
    const sbom = await check('gomod', {
      subject: 'pkg:golang/github.com/example/svc',
      purls: ['pkg:golang/github.com/gorilla/mux@v1.8.1', 'pkg:golang/golang.org/x/net@v0.22.0', 'pkg:golang/github.com/new/lib@v1.2.0', 'pkg:golang/github.com/pkg/errors@v0.9.1'],
      edges: [],
      roots: { 'go.mod': ['pkg:golang/github.com/gorilla/mux@v1.8.1', 'pkg:golang/github.com/new/lib@v1.2.0', 'pkg:golang/github.com/pkg/errors@v0.9.1'] },
    });
    assert.equal(pkg(sbom, 'pkg:golang/golang.org/x/net@v0.22.0').properties?.['ocisign:golang:indirect'], 'true');
  });

  it('Cargo.lock: two versions of a crate, checksums as SHA-256, workspace members as roots', async () => {
    const sbom = await check('cargo', {
      purls: ['pkg:cargo/cargo-app@0.1.0', 'pkg:cargo/rand@0.7.3', 'pkg:cargo/rand@0.8.5', 'pkg:cargo/serde@1.0.197'],
      edges: ['pkg:cargo/cargo-app@0.1.0 -> pkg:cargo/serde@1.0.197', 'pkg:cargo/cargo-app@0.1.0 -> pkg:cargo/rand@0.8.5', 'pkg:cargo/rand@0.8.5 -> pkg:cargo/rand@0.7.3'],
      roots: { 'Cargo.lock': ['pkg:cargo/cargo-app@0.1.0'] },
    });
    assert.deepEqual(pkg(sbom, 'pkg:cargo/serde@1.0.197').hashes, [{ alg: 'SHA-256', content: '3fb1c873e1b9b056a4dc4c0c198b24c3ffa059243875552b2bd0933b1aee4ce2' }]);
  });

  it('composer.lock: dev packages excluded, platform requirements skipped, empty shasum no hash', async () => {
    const sbom = await check('composer', {
      subject: 'acme/shop',
      purls: ['pkg:composer/monolog/monolog@3.5.0', 'pkg:composer/psr/log@3.0.0', 'pkg:composer/phpunit/phpunit@10.5.0'],
      edges: ['pkg:composer/monolog/monolog@3.5.0 -> pkg:composer/psr/log@3.0.0'],
      roots: { 'composer.lock': ['pkg:composer/monolog/monolog@3.5.0', 'pkg:composer/phpunit/phpunit@10.5.0'] },
    });
    assert.equal(pkg(sbom, 'pkg:composer/phpunit/phpunit@10.5.0').scope, 'excluded');
    assert.deepEqual(pkg(sbom, 'pkg:composer/monolog/monolog@3.5.0').hashes, []);
    assert.equal(pkg(sbom, 'pkg:composer/psr/log@3.0.0').hashes[0]!.alg, 'SHA-1');
  });

  it('Gemfile.lock: platform gems as a qualifier, CHECKSUMS as SHA-256, DEPENDENCIES as roots', async () => {
    const sbom = await check('gemfile', {
      purls: ['pkg:gem/actionpack@7.1.3', 'pkg:gem/nokogiri@1.16.2?platform=x86_64-linux', 'pkg:gem/racc@1.7.3', 'pkg:gem/rack@3.0.9', 'pkg:gem/rack-test@2.1.0'],
      edges: [
        'pkg:gem/actionpack@7.1.3 -> pkg:gem/rack@3.0.9',
        'pkg:gem/actionpack@7.1.3 -> pkg:gem/rack-test@2.1.0',
        'pkg:gem/nokogiri@1.16.2?platform=x86_64-linux -> pkg:gem/racc@1.7.3',
        'pkg:gem/rack-test@2.1.0 -> pkg:gem/rack@3.0.9',
      ],
      roots: { 'Gemfile.lock': ['pkg:gem/actionpack@7.1.3', 'pkg:gem/nokogiri@1.16.2?platform=x86_64-linux'] },
    });
    assert.equal(pkg(sbom, 'pkg:gem/rack@3.0.9').hashes[0]!.alg, 'SHA-256');
  });
});
