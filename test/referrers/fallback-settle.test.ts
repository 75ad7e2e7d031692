// The settle wait after a fallback-index write must cover the whole window in which another writer's read can be
// stale: from the start of the read our write was based on to our write's answer, not the write alone. With the write
// time alone, one of 32 racing attesters on distribution 2.8 lost its entry under a load average of 30.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Descriptor, RawManifest } from '../../src/oci/manifest.ts';
import { addToFallbackIndex, type FallbackTagStore, type TagRead } from '../../src/oci/referrers/update-fallback.ts';
import { serializeFallbackIndex } from '../../src/oci/referrers/fallback-index.ts';

const SUBJECT = `sha256:${'a'.repeat(64)}`;
const entry = (n: number): Descriptor => ({ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${String(n).padStart(64, '0')}`, size: 100 });
const delay = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** One index in memory behind reads that take `readMs` and writes that take `writeMs`, as a slow registry would. */
function slowStore(readMs: number, writeMs: number, initial: Descriptor[]): FallbackTagStore {
  let current: RawManifest | undefined = initial.length > 0 ? serializeFallbackIndex(initial) : undefined;
  return {
    displayName: '127.0.0.1:5000/app',
    tag: `sha256-${'a'.repeat(64)}`,
    async getManifest(): Promise<TagRead | undefined> {
      const answer = current; // the registry answers with the index it held when the request arrived
      await delay(readMs);
      return answer && { raw: answer };
    },
    async resolve() {
      await delay(readMs);
      return current && { digest: current.digest };
    },
    async listTags() {
      return current ? [`sha256-${'a'.repeat(64)}`] : [];
    },
    async write(index: RawManifest) {
      await delay(writeMs);
      current = index;
      return 'written';
    },
  };
}

test('the settle wait is at least twice the read-to-write window, however slow the reads are', async () => {
  const readMs = 120;
  const writeMs = 10;
  const sleeps: number[] = [];
  const result = await addToFallbackIndex(slowStore(readMs, writeMs, [entry(1)]), SUBJECT, entry(2), {
    maxBytes: 1 << 20,
    random: () => 0,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
  });
  assert.equal(result.writes, 1);
  assert.equal(result.entries, 2);
  assert.equal(sleeps.length, 1, `one settle wait, no backoff: ${JSON.stringify(sleeps)}`);
  // the window is one read (120 ms) and one write (10 ms): at least 2 × 130 ms less timer slack (a loaded machine only
  // makes the measured window, and so the wait, longer)
  assert.ok(sleeps[0]! >= 2 * (readMs + writeMs) - 10, `settle of ${sleeps[0]!.toFixed(0)} ms covers a ${readMs + writeMs} ms read-to-write window twice`);
});
