/**
 * Image layers with hostile package databases, through the real CLI process: a database with one huge line is
 * skipped with a warning naming it, in bounded memory (before: the line was held, split and copied, ~2 GiB).
 * And node:sqlite is loaded only when an rpm database is met.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildImage } from '../../../src/oci/image-builder.ts';
import { createLayoutRepository } from '../../../src/oci/layout/layout-repository.ts';
import { errorRuleViolation, rssUnavailable, runHostile } from '../../hostile/run-cli.ts';

const PEAK_MIB = 300;

for (const db of ['lib/apk/db/installed', 'var/lib/dpkg/status']) {
  test(`${db} with one 60 MiB line: a warning naming it, peak RSS < ${PEAK_MIB} MiB`, { skip: rssUnavailable() }, async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'ocisign-hostile-layer-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    await chmod(dir, 0o755);
    const content = new Uint8Array(60 * 1024 * 1024).fill(0x61);
    content.set(new TextEncoder().encode(db.includes('apk') ? 'P:' : 'Package: '));
    const image = await buildImage(createLayoutRepository({ kind: 'layout', path: join(dir, 'img') }), {
      layers: [{ files: [{ path: 'etc/os-release', content: 'ID=alpine\nVERSION_ID=3.20.0\n' }, { path: db, content }] }],
    }, 'v1');
    const r = await runHostile(['sbom', `oci:${join(dir, 'img')}:v1`], { measure: true });
    assert.equal(errorRuleViolation(r), undefined);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr.trim(), `ocisign: warning: ${db} in layer ${image.layers[0]!.descriptor.digest}: line 1 is longer than 1048576 bytes; skipped`);
    assert.equal((JSON.parse(r.stdout) as { components?: unknown[] }).components?.length ?? 0, 1, 'only the OS component');
    assert.ok(r.peakMiB! < PEAK_MIB, `peak RSS ${r.peakMiB} MiB`);
  });
}

test('node:sqlite is not loaded by the SBOM code until an rpm database is read', () => {
  const script = `
    await import(${JSON.stringify(new URL('../../../src/ops/sbom.ts', import.meta.url).href)});
    await import(${JSON.stringify(new URL('../../../src/sbom/catalogers/installed/index.ts', import.meta.url).href)});
    const before = process.moduleLoadList.some((m) => /sqlite/.test(m));
    const { readRpmSqlite } = await import(${JSON.stringify(new URL('../../../src/sbom/catalogers/installed/rpm.ts', import.meta.url).href)});
    try { readRpmSqlite(new Uint8Array(0)); } catch {}
    console.log(JSON.stringify({ before, after: process.moduleLoadList.some((m) => /sqlite/.test(m)) }));`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  assert.deepEqual(JSON.parse(out), { before: false, after: true });
});
