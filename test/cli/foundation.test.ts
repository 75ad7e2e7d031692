import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { attachmentTag } from '../../src/cosign/tags.ts';
import { buildIndex, sampleLayers } from '../../src/oci/image-builder.ts';
import { createLayoutRepository } from '../../src/oci/layout/layout-repository.ts';
import { registryAvailable, startRegistry } from '../helpers/registry-server.ts';
import { attach } from '../ops/attach.ts';
import { runCli, BIN } from './run-cli.ts';

async function sample(t: { after(fn: () => Promise<void>): void }) {
  const dir = await mkdtemp(join(tmpdir(), 'ocisign-cli-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const repo = createLayoutRepository({ kind: 'layout', path: join(dir, 'src') });
  const index = await buildIndex(repo, [{ layers: sampleLayers('amd64') }, { layers: sampleLayers('arm64'), platform: { os: 'linux', architecture: 'arm64' } }], 'v1');
  await attach(repo, index.digest, 'signature');
  await attach(repo, index.images[0]!.digest, 'attestation');
  return { dir, src: `oci:${join(dir, 'src')}`, index };
}

/** One line on stderr, `ocisign: …`, and nothing on stdout. */
function assertOneLineError(r: { stdout: string; stderr: string }, pattern: RegExp) {
  assert.equal(r.stdout, '');
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0]!, /^ocisign: /);
  assert.match(lines[0]!, pattern);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
}

test('digest, triangulate, tree and copy on layouts, text and --output json', async (t) => {
  const { dir, src, index } = await sample(t);
  const d = await runCli(['digest', `${src}:v1`]);
  assert.equal(d.code, 0, d.stderr);
  assert.equal(d.stdout, `${index.digest}\n`);
  const dj = await runCli(['digest', '--output', 'json', `${src}:v1`]);
  assert.deepEqual(JSON.parse(dj.stdout), { reference: `${src}@${index.digest}`, digest: index.digest, mediaType: index.descriptor.mediaType, size: index.descriptor.size });

  const tri = await runCli(['triangulate', `${src}:v1`]);
  assert.equal(tri.stdout, `${src}:${attachmentTag(index.digest, 'signature')}\n`);
  const triSbom = await runCli(['triangulate', '--type', 'sbom', '--repository', '127.0.0.1:5000/sigs', `${src}:v1`]);
  assert.equal(triSbom.stdout, `127.0.0.1:5000/sigs:${attachmentTag(index.digest, 'sbom')}\n`);
  const triEnv = await runCli(['triangulate', '-o', 'json', '--type', 'attestation', `${src}:v1`], { env: { COSIGN_REPOSITORY: 'ghcr.io/acme/sigs' } });
  assert.deepEqual(JSON.parse(triEnv.stdout), { type: 'attestation', digest: index.digest, reference: `ghcr.io/acme/sigs:${attachmentTag(index.digest, 'attestation')}` });

  const dst = `oci:${join(dir, 'dst')}`;
  const cp = await runCli(['copy', '-o', 'json', `${src}:v1`, `${dst}:copy`]);
  assert.equal(cp.code, 0, cp.stderr);
  const copied = JSON.parse(cp.stdout);
  assert.equal(copied.digest, index.digest);
  assert.deepEqual(copied.attachments.sort(), [attachmentTag(index.digest, 'signature'), attachmentTag(index.images[0]!.digest, 'attestation')].sort());
  assert.equal((await runCli(['digest', `${dst}:copy`])).stdout, `${index.digest}\n`);

  const tree = await runCli(['tree', `${dst}:copy`]);
  assert.equal(tree.code, 0, tree.stderr);
  assert.match(tree.stdout, new RegExp(`Signatures: ${dst.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:sha256-`));
  assert.match(tree.stdout, /linux\/arm64: /);
  assert.match(tree.stdout, /predicateType=https:\/\/slsa.dev\/provenance\/v1/);
  const treeJson = JSON.parse((await runCli(['tree', '-o', 'json', `${dst}:copy`])).stdout);
  assert.equal(treeJson.children.length, 2);
  assert.equal(treeJson.children[0].attachments[0].kind, 'attestation');
});

test('errors: one line, stable exit codes, stack only with --verbose', async (t) => {
  const { dir, src } = await sample(t);
  assertOneLineError(await runCli(['digest', 'Bad:ref:x']), /^ocisign: invalid reference "Bad:ref:x": /);
  assert.equal((await runCli(['digest', 'Bad:ref:x'])).code, 3);
  const missing = await runCli(['digest', `${src}:nope`]);
  assert.equal(missing.code, 11);
  assertOneLineError(missing, new RegExp(`image ${src.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:nope not found`));
  const copyMissing = await runCli(['copy', `${src}:nope`, `oci:${join(dir, 'x')}`]);
  assert.equal(copyMissing.code, 11);
  assert.equal(existsSync(join(dir, 'x')), false, 'nothing written');

  await writeFile(join(dir, 'src', 'index.json'), '{"schemaVersion":2,');
  const corrupt = await runCli(['tree', `${src}:v1`]);
  assert.equal(corrupt.code, 3);
  assertOneLineError(corrupt, new RegExp(`corrupt layout index ${join(dir, 'src', 'index.json').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: not JSON`));
  const verbose = await runCli(['--verbose', 'tree', `${src}:v1`]);
  assert.equal(verbose.code, 3);
  assert.match(verbose.stderr, /\n\s+at /, 'stack with --verbose');

  const usage = await runCli(['digest']);
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /^ocisign: missing arguments: ocisign digest <image>\n/);
  assert.equal((await runCli(['no-such-command'])).code, 2);
  assert.equal((await runCli(['--output', 'yaml', 'digest', 'x'])).code, 2);
  const refused = await runCli(['digest', '127.0.0.1:1/nothing/here:v1']);
  assert.equal(refused.code, 4, refused.stderr);
  assert.equal(refused.stderr.trimEnd().split('\n').length, 1, refused.stderr);
});

test('--version is answered by the shim (built and source forms agree with package.json)', async () => {
  const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8'));
  const r = await runCli(['--version']);
  assert.equal(r.code, 0);
  assert.equal(r.stdout, `${pkg.version}\n`);
  assert.ok(BIN.endsWith('bin/ocisign'));
  const help = await runCli(['--help']);
  assert.equal(help.code, 0);
  for (const c of ['digest', 'triangulate', 'tree', 'copy']) assert.match(help.stdout, new RegExp(`ocisign ${c} `));
});

test('copy layout → real registry through the CLI, then digest and tree from the registry', async (t) => {
  const why = registryAvailable();
  if (why) return t.skip(why);
  const registry = await startRegistry({ mode: 'http' });
  t.after(() => registry.stop());
  const { src, index } = await sample(t);
  const dst = `${registry.host}/cli/app:v1`;
  const cp = await runCli(['copy', `${src}:v1`, dst]);
  assert.equal(cp.code, 0, cp.stderr);
  assert.equal(cp.stdout, `${registry.host}/cli/app:v1@${index.digest}\n`);
  assert.equal((await runCli(['digest', dst])).stdout, `${index.digest}\n`);
  const tri = await runCli(['triangulate', dst]);
  assert.equal(tri.stdout, `${registry.host}/cli/app:${attachmentTag(index.digest, 'signature')}\n`);
  const tree = JSON.parse((await runCli(['tree', '-o', 'json', dst])).stdout);
  assert.equal(tree.attachments[0].kind, 'signature');
  const missing = await runCli(['digest', `${registry.host}/cli/app:nope`]);
  assert.equal(missing.code, 11, missing.stderr);
});
