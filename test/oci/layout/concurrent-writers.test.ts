import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createLayoutRepository } from '../../../src/oci/layout/layout-repository.ts';

const run = promisify(execFile);
const WRITERS = 10;
const ROUNDS = 5;

test(`${WRITERS} processes tagging into one layout never lose an index.json entry`, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'ocisign-concurrent-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const layout = join(dir, 'layout');
  const child = new URL('./concurrent-writer.ts', import.meta.url).pathname;
  const outputs = await Promise.all(
    Array.from({ length: WRITERS }, (_, w) => run(process.execPath, [child, layout, `w${w}`, String(ROUNDS)])),
  );
  const expected = new Map(outputs.flatMap((o) => o.stdout.trim().split('\n').map((l) => l.split(' ') as [string, string])));
  assert.equal(expected.size, WRITERS * ROUNDS);
  const repo = createLayoutRepository({ kind: 'layout', path: layout });
  const tags = await repo.listTags();
  assert.equal(tags.length, WRITERS * ROUNDS, 'every tag kept');
  for (const [tag, digest] of expected) assert.equal((await repo.resolve(tag))?.digest, digest, tag);
  const leftovers = (await readdir(layout)).filter((n) => n !== 'blobs' && n !== 'index.json' && n !== 'oci-layout');
  assert.deepEqual(leftovers, [], 'no lock or temp files left');
});
