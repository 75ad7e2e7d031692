import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { compileExcludes } from '../../../src/sbom/directory/exclude.ts';
import { walkDirectory } from '../../../src/sbom/directory/walk.ts';

describe('compileExcludes (.gitignore semantics)', () => {
  const cases: [string[], string, boolean, boolean][] = [
    [['*.lock'], 'a/b/poetry.lock', false, true],
    [['*.lock'], 'poetry.lock', false, true],
    [['/poetry.lock'], 'a/poetry.lock', false, false],
    [['/poetry.lock'], 'poetry.lock', false, true],
    [['vendor/'], 'x/vendor', true, true],
    [['vendor/'], 'x/vendor', false, false],
    [['a/*/c'], 'a/b/c', true, true],
    [['a/*/c'], 'a/b/d/c', true, false],
    [['a/**/c'], 'a/b/d/c', true, true],
    [['a/**/c'], 'a/c', true, true],
    [['**/test'], 'x/y/test', true, true],
    [['*.lock', '!keep.lock'], 'keep.lock', false, false],
    [['req?.txt'], 'req1.txt', false, true],
    [['[ab].json'], 'b.json', false, true],
    [['# comment', ''], 'anything', false, false],
  ];
  for (const [patterns, path, isDir, expected] of cases) {
    it(`${JSON.stringify(patterns)} ${expected ? 'excludes' : 'keeps'} ${path}${isDir ? '/' : ''}`, () => {
      assert.equal(compileExcludes(patterns)(path, isDir), expected);
    });
  }
});

describe('walkDirectory', () => {
  it('skips .git, notes node_modules and *-info dirs without entering them, applies excludes, sorts', async (t) => {
    const root = await mkdtemp(join(tmpdir(), 'ocisign-walk-'));
    t.after(() => rm(root, { recursive: true, force: true }));
    for (const d of ['.git', 'node_modules/x', 'b', 'a/skip', 'venv/lib/foo-1.0.dist-info']) await mkdir(join(root, d), { recursive: true });
    for (const f of ['.git/package-lock.json', 'node_modules/x/package-lock.json', 'b/yarn.lock', 'package-lock.json', 'a/skip/yarn.lock', 'a/yarn.lock', 'README.md']) {
      await writeFile(join(root, f), '');
    }
    const r = await walkDirectory(root, (b) => b.endsWith('.lock') || b.endsWith('.json'), compileExcludes(['skip/']), () => {});
    assert.deepEqual(r.files.map((f) => f.path), ['a/yarn.lock', 'b/yarn.lock', 'package-lock.json']);
    assert.deepEqual(r.nodeModulesParents, ['']);
    assert.deepEqual(r.pythonInstalled, ['venv/lib/foo-1.0.dist-info']);
  });
});
