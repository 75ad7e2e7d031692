import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFileBounded } from '../../src/core/fs.ts';
import { OcisignError } from '../../src/core/errors.ts';

test('readFileBounded: reads files up to the limit, refuses bigger ones and endless devices, names the file', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'ocisign-fs-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'f');
  await writeFile(file, 'hello');
  assert.equal(String(await readFileBounded(file, 5, 'thing')), 'hello');
  assert.equal((await readFileBounded(join(dir, 'f'), 5, 'thing')).byteLength, 5);
  await writeFile(join(dir, 'empty'), '');
  assert.equal((await readFileBounded(join(dir, 'empty'), 5, 'thing')).byteLength, 0);
  const refused = (re: RegExp) => (err: unknown) => err instanceof OcisignError && err.code === 'BAD_INPUT' && re.test(err.message);
  await assert.rejects(readFileBounded(file, 4, 'thing'), refused(new RegExp(`^reading thing ${file}: 5 bytes, more than the limit of 4$`)));
  await assert.rejects(readFileBounded('/dev/zero', 1024 * 1024, 'key'), refused(/^reading key \/dev\/zero: more than the limit of 1048576 \(1 MiB\)$/));
  await assert.rejects(readFileBounded(join(dir, 'nope'), 10, 'key'), refused(/: no such file or directory$/));
  await assert.rejects(readFileBounded(dir, 10, 'key'), refused(/: is a directory$/));
});
