import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeTar } from '../../src/oci/tar-writer.ts';

test('tar writer output is read back by GNU tar: types, long names (ustar prefix and PAX), whiteouts', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'ocisign-tar-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const long = `x/${'y'.repeat(120)}/${'z'.repeat(90)}`;
  const pax = 'q'.repeat(150);
  const tar = writeTar([
    { path: 'd', dir: true },
    { path: 'd/f', content: 'hi', mode: 0o600 },
    { path: 'd/l', symlink: 'f' },
    { path: 'd/h', hardlink: 'd/f' },
    { path: long, content: 'long' },
    { path: pax, content: 'pax' },
    { path: 'd/gone', whiteout: true },
    { path: 'd', opaque: true },
  ], { mtime: 1700000000 });
  assert.equal(tar.byteLength % 512, 0);
  assert.deepEqual(writeTar([{ path: 'a', content: 'b' }]), writeTar([{ path: 'a', content: 'b' }]), 'deterministic');
  const file = join(dir, 'a.tar');
  await writeFile(file, tar);
  let listing: string;
  try {
    listing = execFileSync('tar', ['tvf', file, '--utc'], { encoding: 'utf8' });
  } catch (err) {
    return t.skip(`GNU tar not runnable: ${String(err)}`);
  }
  const names = execFileSync('tar', ['tf', file], { encoding: 'utf8' }).trim().split('\n');
  assert.deepEqual(names, ['d/', 'd/f', 'd/l', 'd/h', long, pax, 'd/.wh.gone', 'd/.wh..wh..opq']);
  assert.match(listing, /^-rw------- 0\/0 +2 2023-11-14 22:13 d\/f$/m);
  assert.match(listing, /^lrwxrwxrwx 0\/0 +0 .* d\/l -> f$/m);
  assert.match(listing, /d\/h link to d\/f/);
  assert.throws(() => writeTar([{ path: '../evil', content: '' }]), /invalid tar path/);
});
