// Policy files and CEL conditions: load-time errors name the file and rule; evaluation passes, fails with a
// reason, or refuses an expression whose cost bound over the input is too high.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Statement } from '../../src/attest/statement.ts';
import { isOcisignError } from '../../src/core/errors.ts';
import { celInput, compileCondition, evaluateCondition } from '../../src/policy/cel.ts';
import { applyPolicy } from '../../src/policy/evaluate.ts';
import { parsePolicy } from '../../src/policy/policy-file.ts';

function statement(components: unknown[], predicateType = 'https://cyclonedx.org/bom'): Statement {
  const raw = { _type: 'https://in-toto.io/Statement/v1', predicateType, subject: [{ name: 'r/app', digest: { sha256: 'ab' } }], predicate: { metadata: { timestamp: '2025-06-01T00:00:00Z' }, components } };
  return { _type: raw._type, predicateType, subject: raw.subject, predicate: raw.predicate, raw };
}
const lic = (id: string) => ({ name: id, licenses: [{ license: { id } }] });
const NO_AGPL = "predicate.components.all(c, !has(c.licenses) || c.licenses.all(l, !has(l.license.id) || l.license.id != 'AGPL-3.0'))";

const POLICY = `
keys: [keys/release.pub]
attestations:
  - type: cyclonedx
    name: sbom
    conditions:
      no-agpl: "${NO_AGPL}"
      recent: "timestamp(predicate.metadata.timestamp) > timestamp('2025-01-01T00:00:00Z')"
`;

test('policy file: keys relative to the file, rules compiled, JSON too', () => {
  const p = parsePolicy(POLICY, '/etc/gate/policy.yaml');
  assert.deepEqual(p.keys, ['/etc/gate/keys/release.pub']);
  assert.equal(p.requireSignatures, true);
  assert.equal(p.attestations[0]!.predicateType, 'https://cyclonedx.org/bom');
  assert.deepEqual(p.attestations[0]!.conditions.map((c) => c.name), ['no-agpl', 'recent']);
  const j = parsePolicy(JSON.stringify({ signatures: 'optional', attestations: [{ type: 'https://slsa.dev/provenance/v1', conditions: [{ name: 'n', expression: 'true' }] }] }), 'p.json');
  assert.equal(j.requireSignatures, false);
});

test('policy file: syntax errors, unknown fields, bad types and bad CEL are exit 3 naming file and rule', () => {
  const cases: [string, RegExp][] = [
    ['attestations: [type: x', /policy p\.yaml: syntax error/],
    ['keyz: []', /policy p\.yaml: unknown field "keyz"/],
    ['attestations: [{type: nope}]', /attestations\[0\]: unknown predicate type "nope"/],
    ['attestations: [{type: cyclonedx, name: sbom, conditions: {bad: "predicate.x +"}}]', /rule attestations\[0\] \(sbom\) condition "bad": syntax error/],
    ['attestations: [{type: cyclonedx, conditions: {typed: "size(predicate) + 1"}}]', /condition "typed": does not type-check: expression gives int, not bool/],
    ['attestations: [{type: cyclonedx, conditions: {undeclared: "image == 1"}}]', /does not type-check: undeclared reference to 'image'/],
    ['attestations: [{type: cyclonedx, conditions: {overload: "1 + \'a\' == 2"}}]', /no matching overload for _\+_\(int, string\)/],
    ['attestations: [{type: cyclonedx, conditions: {fn: "nope(predicate)"}}]', /undeclared function 'nope'/],
    ['limits: {maxCost: -1}', /limits\.maxCost must be a positive integer/],
  ];
  for (const [text, re] of cases) {
    assert.throws(() => parsePolicy(text, 'p.yaml'), (e) => isOcisignError(e, 'BAD_INPUT') && e.exitCode === 3 && re.test(e.message), text);
  }
});

test('CEL: conditions pass and fail over statements; errors fail closed', () => {
  const p = parsePolicy(POLICY, '/p.yaml');
  const clean = { statement: statement([lic('MIT'), lic('Apache-2.0'), { name: 'nolicense' }]), where: 'layer-a' };
  assert.deepEqual(applyPolicy(p, [clean]), []);
  const agpl = { statement: statement([lic('MIT'), lic('AGPL-3.0')]), where: 'layer-b' };
  const v = applyPolicy(p, [clean, agpl]);
  assert.equal(v.length, 1);
  assert.equal(v[0]!.condition, 'no-agpl');
  assert.match(v[0]!.reason, /evaluated to false \(attestation layer-b\)/);
  const missing = applyPolicy(p, [{ statement: statement([], 'https://slsa.dev/provenance/v1'), where: 'x' }]);
  assert.match(missing[0]!.reason, /no verified attestation of type https:\/\/cyclonedx\.org\/bom \(found: https:\/\/slsa\.dev\/provenance\/v1\)/);
  const c = compileCondition('predicate.nope == 1');
  assert.ok(typeof c !== 'string');
  const r = evaluateCondition(c, celInput(clean.statement.raw));
  assert.ok(!r.ok && /evaluation error: field not found: nope/.test(r.reason));
});

test('CEL: an expression that would run too long is refused before evaluation, naming the rule', () => {
  const components = Array.from({ length: 2000 }, (_, i) => lic(i % 2 ? 'MIT' : 'BSD-3-Clause'));
  const p = parsePolicy(`attestations: [{type: cyclonedx, name: sbom, conditions: {cubic: "predicate.components.all(a, predicate.components.all(b, predicate.components.all(c, a.name != 'x')))"}}]`, 'p.yaml');
  const v = applyPolicy(p, [{ statement: statement(components), where: 'l' }]);
  assert.equal(v.length, 1);
  assert.equal(v[0]!.rule, 'attestations[0] (sbom)');
  assert.match(v[0]!.reason, /would run too long: estimated cost \d+ over this statement, more than the limit of 10000000/);
  // The natural nested form is sized by the inner lists, not the outer one: it runs.
  const ok = parsePolicy(`attestations: [{type: cyclonedx, conditions: {n: "${NO_AGPL}"}}]`, 'p.yaml');
  assert.deepEqual(applyPolicy(ok, [{ statement: statement(components), where: 'l' }]), []);
  // Over-long and over-large expressions are refused at load.
  assert.match(String(compileCondition('true && '.repeat(2000) + 'true')), /more than the limit/);
});
