// Every case of ../shared/fixtures/interop/cases.json is owned by exactly one suite (test/helpers/interop-cases.ts),
// and every suite's test file runs the cases it owns.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ABSENT_REASON, casesOf, INTEROP_PRESENT, loadInteropCases, SUITES, suitesOf, type SuiteName } from '../helpers/interop-cases.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

if (!INTEROP_PRESENT) {
  test('interop case coverage', (t) => t.skip(ABSENT_REASON));
} else {
  test('interop case coverage: every case of cases.json has exactly one owning suite', (t) => {
    const cases = loadInteropCases();
    assert.ok(cases.length > 0);
    const unclaimed = cases.filter((c) => suitesOf(c).length === 0).map((c) => c.name);
    const shared = cases.filter((c) => suitesOf(c).length > 1).map((c) => `${c.name} (${suitesOf(c).join(', ')})`);
    assert.deepEqual(unclaimed, [], 'cases no suite runs');
    assert.deepEqual(shared, [], 'cases claimed by more than one suite');
    const names = cases.map((c) => c.name);
    assert.equal(new Set(names).size, names.length, 'case names are unique');
    const counts = (Object.keys(SUITES) as SuiteName[]).map((s) => [s, casesOf(s).length] as const);
    assert.equal(counts.reduce((n, [, k]) => n + k, 0), cases.length);
    t.diagnostic(`${cases.length} cases: ${counts.map(([s, k]) => `${s} ${k}`).join(', ')}`);
  });

  test('interop case coverage: each suite file exists and runs the cases it owns', () => {
    for (const [name, suite] of Object.entries(SUITES)) {
      const path = resolve(repoRoot, suite.file);
      assert.ok(existsSync(path), `${suite.file} (suite ${name}) exists`);
      assert.match(readFileSync(path, 'utf8'), new RegExp(`casesOf\\('${name}'\\)`), `${suite.file} registers the cases of suite ${name}`);
    }
  });
}
