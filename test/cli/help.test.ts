/**
 * Help and usage errors, through the real CLI process (non-TTY: help is 100 columns wide). `verify --help` is
 * compared with the committed snapshot (update it with: OCISIGN_FROM_SOURCE=1 node bin/ocisign verify --help >
 * test/cli/snapshots/verify-help.txt, and review the diff). Every command's help is checked for the faults
 * found before: flags listed twice, flag names cut, "[default: []]", own options after the global ones.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { commands } from '../../src/cli/commands/index.ts';
import { GLOBAL_OPTIONS } from '../../src/cli/global-options.ts';
import { runHostile } from '../hostile/run-cli.ts';

test('verify --help matches the committed snapshot exactly', async () => {
  const r = await runHostile(['verify', '--help']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, await readFile(new URL('./snapshots/verify-help.txt', import.meta.url), 'utf8'));
});

for (const name of commands.map((c) => String(c.command).split(' ')[0]!)) {
  test(`${name} --help: each flag once and whole, no "[default: []]", own options before the global ones`, async () => {
    const r = await runHostile([name, '--help']);
    assert.equal(r.code, 0, r.stderr);
    const text = r.stdout;
    assert.doesNotMatch(text, /\[default: \[\]\]/);
    const flagLines = text.split('\n').filter((l) => /^ {2}(-\w, )?( {4})?--?\w/.test(l));
    const flags = flagLines.map((l) => l.trim().split(/\s{2,}/)[0]!);
    assert.ok(flags.length >= Object.keys(GLOBAL_OPTIONS).length + 2, `flags found: ${flags.join(' ')}`);
    for (const f of flags) {
      assert.doesNotMatch(f, /(-\w), \1/, `flag listed twice: ${f}`);
      assert.match(f, /^(-\w, )?--[a-z0-9-]+$/, `a whole flag name: "${f}"`);
    }
    assert.equal(new Set(flags).size, flags.length, `no flag twice: ${flags.join(' ')}`);
    const globalAt = text.indexOf('Global options:');
    const ownAt = text.indexOf('\nOptions:');
    assert.ok(globalAt > 0, 'global options listed');
    if (ownAt > 0) assert.ok(ownAt < globalAt, 'own options first');
    for (const g of Object.keys(GLOBAL_OPTIONS)) assert.ok(text.slice(globalAt).includes(`--${g}`), `--${g} under Global options`);
  });
}

test('a misspelled boolean flag is named (with the nearest flag), not taken for the image', async () => {
  const r = await runHostile(['verify', '--key', 'k.pub', '--insecure-ignore-tlg', 'registry.example/app:1']);
  assert.equal(r.code, 2, r.stderr);
  assert.equal(r.stderr, 'ocisign: unknown option --insecure-ignore-tlg: did you mean --insecure-ignore-tlog?\nocisign: run "ocisign verify --help" for usage\n');
  const short = await runHostile(['sign', '-x', 'registry.example/app:1']);
  assert.equal(short.code, 2);
  assert.match(short.stderr, /^ocisign: unknown option -x\n/);
  const global = await runHostile(['--verbos', 'digest', 'registry.example/app:1']);
  assert.equal(global.code, 2);
  assert.match(global.stderr, /^ocisign: unknown option --verbos: did you mean --verbose\?\n/);
});

test('a misspelled command: "did you mean sign?" (exit 2); missing arguments and bad choices in plain words', async () => {
  const r = await runHostile(['sgin', '--key', 'cosign.key', 'registry.example/app:1']);
  assert.equal(r.code, 2);
  assert.equal(r.stderr, 'ocisign: unknown command "sgin": did you mean sign?\nocisign: run "ocisign --help" for usage\n');
  const far = await runHostile(['frobnicate']);
  assert.equal(far.code, 2);
  assert.match(far.stderr, /^ocisign: unknown command "frobnicate"\n/);
  const missing = await runHostile(['verify', '--key', 'k.pub']);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /^ocisign: missing arguments: ocisign verify <images\.\.>\n/);
  const choice = await runHostile(['-o', 'yaml', 'digest', 'x']);
  assert.equal(choice.code, 2);
  assert.match(choice.stderr, /^ocisign: invalid value "yaml" for --output \(one of: text, json\)\n/);
});
