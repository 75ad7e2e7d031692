// The experimental start-up snapshot (`node scripts/bundle.ts --snapshot` → dist/ocisign.blob; not used by
// bin/ocisign) gives the same stdout and exit codes as the ESM bundle. Builds into a temp copy of dist/ so the
// shared dist/ is left alone.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';

const root = resolve(import.meta.dirname, '../..');

function run(command: string[], cwd: string): { code: number | null; stdout: string } {
  const r = spawnSync(process.execPath, command, { cwd, encoding: 'utf8', env: { ...process.env, OCISIGN_FROM_SOURCE: '0' } });
  return { code: r.status, stdout: r.stdout };
}

test('snapshot CLI matches the ESM bundle', async (t) => {
  if (!existsSync(join(root, 'dist/cli-bundle/main.js'))) return t.skip('no dist/cli-bundle: run npm run build first');
  const dir = mkdtempSync(join(tmpdir(), 'ocisign-snapshot-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // A private package root: scripts/, src/, package.json copied, node_modules linked; the snapshot is built there.
  for (const part of ['scripts', 'src', 'bin', 'package.json', 'tsconfig.json']) cpSync(join(root, part), join(dir, part), { recursive: true });
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
  const built = spawnSync(process.execPath, ['scripts/bundle.ts', '--snapshot'], { cwd: dir, encoding: 'utf8' });
  assert.equal(built.status, 0, built.stderr);
  assert.match(readFileSync(join(dir, 'dist/ocisign.blob.stamp'), 'utf8'), new RegExp(`^${process.version.replaceAll('.', '\\.')} \\d+\\.\\d+\\.\\d+\\n$`));

  const blob = join(dir, 'dist/ocisign.blob');
  const layout = join(dir, 'no-such-layout');
  const cases = [['--version'], ['--help'], ['digest', `oci:${layout}`], ['verify', '--key', 'x.pub', `oci:${layout}`], ['bogus'], ['digest']];
  for (const args of cases) {
    const esm = run(['bin/ocisign', ...args], dir);
    const snap = run(['--snapshot-blob', blob, '--', ...args], dir);
    assert.equal(snap.code, esm.code, `exit code of ${args.join(' ')}`);
    assert.equal(snap.stdout, esm.stdout, `stdout of ${args.join(' ')}`);
  }
});
