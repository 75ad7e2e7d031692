/**
 * `sbom dir:` on hostile trees, through the real CLI process: unreadable directories and files are warnings
 * naming the path; huge files, huge lines and too many packages are refused (exit 3) naming the file and the
 * limit, with bounded memory; nothing overflows the stack.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INPUT_LIMITS } from '../../../src/core/input-limits.ts';
import { errorRuleViolation, rssUnavailable, runHostile, unprivilegedUnavailable } from '../../hostile/run-cli.ts';

const PEAK_MIB = 300;

async function tree(t: { after(fn: () => Promise<void>): void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ocisign-hostile-dir-'));
  await chmod(dir, 0o755); // readable by the unprivileged user
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

const lock = (packages: Record<string, unknown>) => JSON.stringify({ name: 'app', version: '1.0.0', lockfileVersion: 3, packages: { '': { name: 'app', version: '1.0.0', dependencies: { a: '1' } }, ...packages } });

test('an unreadable directory and an unreadable lockfile are warnings naming them; the rest is scanned', { skip: unprivilegedUnavailable() }, async (t) => {
  const dir = await tree(t);
  await writeFile(join(dir, 'package-lock.json'), lock({ 'node_modules/a': { version: '1.0.0' } }));
  await mkdir(join(dir, 'locked', 'inner'), { recursive: true });
  await writeFile(join(dir, 'locked', 'inner', 'requirements.txt'), 'flask==3.0.0\n');
  await mkdir(join(dir, 'sub'));
  await writeFile(join(dir, 'sub', 'requirements.txt'), 'django==5.0\n');
  await chmod(join(dir, 'locked'), 0o000);
  await chmod(join(dir, 'sub', 'requirements.txt'), 0o000);
  const r = await runHostile(['sbom', `dir:${dir}`], { unprivileged: true });
  assert.equal(errorRuleViolation(r), undefined);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /^ocisign: warning: locked\/: unreadable directory \(permission denied\); skipped$/m);
  assert.match(r.stderr, /^ocisign: warning: sub\/requirements\.txt: unreadable \(permission denied\); skipped$/m);
  const bom = JSON.parse(r.stdout) as { components: { purl: string }[]; compositions: { aggregate: string }[] };
  assert.deepEqual(bom.components.flatMap((c) => (c.purl ? [c.purl] : [])), ['pkg:npm/a@1.0.0']);
  assert.equal(bom.compositions[0]!.aggregate, 'incomplete');
});

test('a million-line requirements.txt: refused at the package limit, naming the file, in bounded memory', { skip: rssUnavailable() }, async (t) => {
  const dir = await tree(t);
  const lines: string[] = [];
  for (let i = 0; i < 1_000_000; i++) lines.push(`pkg${i}==1.0.${i}`);
  await writeFile(join(dir, 'requirements.txt'), `${lines.join('\n')}\n`);
  const r = await runHostile(['sbom', `dir:${dir}`], { measure: true });
  assert.equal(errorRuleViolation(r), undefined);
  assert.equal(r.code, 3, r.stderr);
  assert.equal(r.stderr.trim(), `ocisign: scanning directory ${dir}: reading requirements.txt: more than ${INPUT_LIMITS.maxSbomPackages} packages, the limit of one SBOM`);
  assert.ok(r.peakMiB! < PEAK_MIB, `peak RSS ${r.peakMiB} MiB`);
});

test('a package-lock.json with more entries than the package limit: refused, no stack overflow', async (t) => {
  const dir = await tree(t);
  const packages: Record<string, unknown> = {};
  for (let i = 0; i <= INPUT_LIMITS.maxSbomPackages; i++) packages[`node_modules/p${i}`] = { version: '1.0.0' };
  await writeFile(join(dir, 'package-lock.json'), lock(packages));
  const r = await runHostile(['sbom', `dir:${dir}`]);
  assert.equal(errorRuleViolation(r), undefined);
  assert.equal(r.code, 3, r.stderr);
  assert.match(r.stderr, new RegExp(`^ocisign: scanning directory .*, after package-lock\\.json: more than ${INPUT_LIMITS.maxSbomPackages} packages`));
});

test('go.sum with one huge line, and a lockfile over the size limit: refused naming the file and the limit, in bounded memory', { skip: rssUnavailable() }, async (t) => {
  const dir = await tree(t);
  await writeFile(join(dir, 'go.sum'), `example.com/a v1.0.0 h1:${'x'.repeat(40 * 1024 * 1024)}\n`);
  const line = await runHostile(['sbom', `dir:${dir}`], { measure: true });
  assert.equal(errorRuleViolation(line), undefined);
  assert.equal(line.code, 3, line.stderr);
  assert.equal(line.stderr.trim(), `ocisign: reading ${join(dir, 'go.sum')}: line 1 is longer than the limit of ${INPUT_LIMITS.maxLineBytes} (1 MiB)`);
  assert.ok(line.peakMiB! < PEAK_MIB, `peak RSS ${line.peakMiB} MiB`);

  await rm(join(dir, 'go.sum'));
  await writeFile(join(dir, 'poetry.lock'), '');
  await truncate(join(dir, 'poetry.lock'), 2 * 1024 * 1024 * 1024); // sparse: 2 GiB on paper
  const big = await runHostile(['sbom', `dir:${dir}`], { measure: true });
  assert.equal(big.code, 3, big.stderr);
  assert.equal(big.stderr.trim(), `ocisign: reading file ${join(dir, 'poetry.lock')}: 2147483648 bytes, more than the limit of ${INPUT_LIMITS.maxLockfileBytes} (64 MiB)`);
  assert.ok(big.peakMiB! < PEAK_MIB, `peak RSS ${big.peakMiB} MiB`);
});
