import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nestingExceeds, parseBoundedJson, parseBoundedJsonOrThrow, valueNestingExceeds } from '../../src/core/bounded-json.ts';
import { INPUT_LIMITS } from '../../src/core/input-limits.ts';
import { OcisignError } from '../../src/core/errors.ts';

const enc = (s: string) => new TextEncoder().encode(s);
const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

test('parses JSON as JSON.parse does, from bytes or text', () => {
  assert.deepEqual(parseBoundedJson(enc('{"a":[1,{"b":null}],"a2":"x"}')), { ok: true, value: { a: [1, { b: null }], a2: 'x' } });
  assert.deepEqual(parseBoundedJson('{"k":1,"k":2}'), { ok: true, value: { k: 2 } });
  const proto = parseBoundedJson('{"__proto__":{"polluted":true}}');
  assert.ok(proto.ok && Object.hasOwn(proto.value as object, '__proto__'));
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

test('depth: arrays and objects count, brackets in strings and escaped quotes do not', () => {
  assert.deepEqual(parseBoundedJson(nested(3), { maxDepth: 3 }), { ok: true, value: [[[]]] });
  assert.deepEqual(parseBoundedJson(nested(4), { maxDepth: 3 }), { ok: false, reason: 'nested deeper than 3 levels' });
  assert.equal(parseBoundedJson('{"a":{"b":{"c":{}}}}', { maxDepth: 3 }).ok, false);
  assert.deepEqual(parseBoundedJson('["[[[[{{{{", "\\"[[[[", "\\\\", [1]]', { maxDepth: 2 }), { ok: true, value: ['[[[[{{{{', '"[[[[', '\\', [1]] });
  assert.equal(nestingExceeds('"unterminated [[[[[', 1), false);
});

test('the default depth (1000) rejects 100,000 levels without a RangeError, and keeps 1000', () => {
  const deep = parseBoundedJson(enc(`{"optional":${nested(100_000)}}`));
  assert.deepEqual(deep, { ok: false, reason: `nested deeper than ${INPUT_LIMITS.maxJsonDepth} levels` });
  assert.equal(parseBoundedJson(nested(INPUT_LIMITS.maxJsonDepth)).ok, true);
});

test('size, UTF-8 and syntax failures are reasons, never throws', () => {
  assert.deepEqual(parseBoundedJson(enc('[1,2,3]'), { maxBytes: 6 }), { ok: false, reason: '7 bytes, more than the limit of 6' });
  assert.deepEqual(parseBoundedJson('"ééé"', { maxBytes: 7 }), { ok: false, reason: '8 bytes, more than the limit of 7' });
  assert.deepEqual(parseBoundedJson(new Uint8Array([0x22, 0xff, 0x22])), { ok: false, reason: 'not UTF-8' });
  const bad = parseBoundedJson('{"a":');
  assert.equal(bad.ok, false);
  assert.match((bad as { reason: string }).reason, /^not JSON \(.+\)$/);
  assert.throws(() => parseBoundedJsonOrThrow('[', 'reading x'), (err: unknown) => err instanceof OcisignError && err.code === 'BAD_INPUT' && /^reading x: not JSON/.test(err.message));
});

test('valueNestingExceeds walks built values iteratively (YAML/TOML results)', () => {
  let v: unknown = 1;
  for (let i = 0; i < 200_000; i++) v = [v];
  assert.equal(valueNestingExceeds(v, 1000), true);
  assert.equal(valueNestingExceeds({ a: [{ b: 1 }] }, 3), false);
  assert.equal(valueNestingExceeds({ a: [{ b: {} }] }, 3), true);
});
