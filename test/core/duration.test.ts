// Go durations for --timeout / --request-timeout (cosign's syntax), and how deadlines are printed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatGoDuration, formatSeconds, parseGoDuration } from '../../src/core/duration.ts';
import { isOcisignError } from '../../src/core/errors.ts';

test('parses Go durations', () => {
  const cases: Array<[string, number]> = [
    ['0', 0], ['30s', 30_000], ['2m', 120_000], ['1m30s', 90_000], ['3m0s', 180_000], ['1h', 3_600_000],
    ['1.5s', 1500], ['500ms', 500], ['.5s', 500], ['1h2m3s4ms', 3_723_004], ['1500us', 2], ['2000000ns', 2],
  ];
  for (const [text, ms] of cases) assert.equal(parseGoDuration(text, '--timeout'), ms, text);
});

test('refuses malformed and negative durations, as a usage error naming the flag', () => {
  for (const bad of ['', '30', 's', '1d', '-1s', '1 s', '1s2', 'x1', '1m-1s']) {
    assert.throws(() => parseGoDuration(bad, '--timeout'), (err: Error) =>
      isOcisignError(err, 'USAGE') && err.message.startsWith(`invalid duration for --timeout: ${JSON.stringify(bad)}`), bad);
  }
});

test('prints durations as Go does, and per-request deadlines in seconds', () => {
  assert.deepEqual([180_000, 90_000, 30_000, 1500, 500, 3_723_000].map(formatGoDuration), ['3m0s', '1m30s', '30s', '1.5s', '500ms', '1h2m3s']);
  assert.deepEqual([30_000, 1500, 300].map(formatSeconds), ['30 s', '1.5 s', '300 ms']);
});
