/**
 * bin/ocisign before the CLI loads: the Node version check (run under the system Node when it is older than
 * package.json's engines) and finding the command after global options with values (`-o json sbom …`).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GLOBAL_VALUE_OPTIONS, commandOf, nodeVersionProblem, satisfiesEngines } from '../../bin/command-line.js';
import { commandOf as cliCommandOf } from '../../src/cli/argv-check.ts';
import { globalValueFlags } from '../../src/cli/global-options.ts';
import { buildImage, sampleLayers } from '../../src/oci/image-builder.ts';
import { createLayoutRepository } from '../../src/oci/layout/layout-repository.ts';
import { runHostile } from '../hostile/run-cli.ts';

const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { engines: { node: string } };
const SYSTEM_NODE = '/usr/bin/node';

function systemNodeTooOld(): string | undefined {
  const r = spawnSync(SYSTEM_NODE, ['-p', 'process.versions.node'], { encoding: 'utf8' });
  if (r.status !== 0) return `${SYSTEM_NODE} is not installed`;
  const version = r.stdout.trim();
  return satisfiesEngines(version, pkg.engines.node) ? `${SYSTEM_NODE} is Node ${version}, which ocisign supports: nothing to refuse` : undefined;
}

test('on an older Node (the system Node 20): one line saying which Node is needed and how to get it, exit 2', { skip: systemNodeTooOld() }, async () => {
  for (const args of [['sbom', 'dir:.'], ['verify', '--key', 'k.pub', 'registry.example/app:1']]) {
    for (const fromSource of [true, false]) {
      const r = await runHostile(args, { node: SYSTEM_NODE, fromSource });
      assert.equal(r.code, 2, r.stderr);
      assert.equal(r.stdout, '');
      const lines = r.stderr.trimEnd().split('\n');
      assert.equal(lines.length, 1, r.stderr);
      assert.match(lines[0]!, /^ocisign: needs Node \^22\.22\.2 or >=24\.15\.0; this is Node 20\.\d+\.\d+ \(\/usr\/bin\/node\)\. In a checkout: "npm ci", then "npx ocisign …" \(runs the Node 24 the project pins\); or install Node 24 LTS\.$/);
    }
  }
  const version = await runHostile(['--version'], { node: SYSTEM_NODE });
  assert.equal(version.code, 0, 'the version is still answered');
});

test('the engines range is understood (a range the shim cannot read would refuse nothing)', () => {
  assert.equal(satisfiesEngines(process.versions.node, pkg.engines.node), true, 'the Node running the tests');
  assert.equal(satisfiesEngines('20.20.2', pkg.engines.node), false);
  assert.equal(satisfiesEngines('22.22.1', pkg.engines.node), false);
  assert.equal(satisfiesEngines('22.22.2', pkg.engines.node), true);
  assert.equal(satisfiesEngines('23.11.0', pkg.engines.node), false);
  assert.equal(satisfiesEngines('24.15.0', pkg.engines.node), true);
  assert.equal(satisfiesEngines('26.0.0', pkg.engines.node), true);
  assert.equal(satisfiesEngines('20.0.0', '20.x'), undefined);
  assert.equal(nodeVersionProblem('26.1.0', pkg.engines.node, '/x/node'), undefined);
});

test('the command is found after global options and their values (-o json sbom …)', () => {
  const cases: [string[], string][] = [
    [['-o', 'json', 'sbom', 'oci:x'], 'sbom'],
    [['--output', 'json', 'verify', 'x'], 'verify'],
    [['--registry-username', 'u', '--registry-password', 'p', '-v', 'sign', 'x'], 'sign'],
    [['--registry-cacert', 'ca.pem', '--allow-http-registry', 'digest', 'x'], 'digest'],
    [['--output=json', 'tree', 'x'], 'tree'],
    [['--', 'sbom'], 'sbom'],
    [[], ''],
  ];
  for (const [args, command] of cases) {
    assert.equal(commandOf(args), command, args.join(' '));
    assert.equal(cliCommandOf(args) ?? '', command, `the CLI agrees: ${args.join(' ')}`);
  }
  assert.deepEqual([...GLOBAL_VALUE_OPTIONS].sort(), globalValueFlags().sort(), 'bin/command-line.js lists the global options that take a value');
});

test('-o json sbom IMAGE: the shim sees "sbom" and runs the image scan with its small young generation', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'ocisign-shim-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await buildImage(createLayoutRepository({ kind: 'layout', path: dir }), { layers: sampleLayers('amd64') }, 'v1');
  const r = await runHostile(['-v', '-o', 'json', 'sbom', `oci:${dir}:v1`]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /^ocisign: node \S+ .*--max-semi-space-size=4/m);
  assert.equal(JSON.parse(r.stdout).bomFormat, 'CycloneDX');
});
