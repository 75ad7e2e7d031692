import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readTar } from '../../../src/sbom/image/tar-stream.ts';
import { decompressLayer } from '../../../src/sbom/image/decompress.ts';
import { buildTar, compress } from '../../helpers/sbom-images.ts';

async function* chunks(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

async function list(bytes: Uint8Array, chunkSize = 97): Promise<{ path: string; type: string; linkName: string; text?: string }[]> {
  const out = [];
  for await (const e of readTar(decompressLayer(chunks(bytes, chunkSize)))) {
    const data = e.path.endsWith('.skip') ? undefined : await e.read(1 << 20);
    out.push({ path: e.path, type: e.type, linkName: e.linkName, ...(data ? { text: new TextDecoder().decode(data) } : {}) });
  }
  return out;
}

const longName = `${'a'.repeat(60)}/${'b'.repeat(60)}/${'c'.repeat(60)}/package.json`;

test('reads ustar, pax long names and GNU long names, skipping unread bodies', async () => {
  for (const gnu of [false, true]) {
    const tar = buildTar(
      [
        { path: 'etc', type: 'dir' },
        { path: 'etc/big.skip', content: 'x'.repeat(5000) },
        { path: longName, content: '{"a":1}' },
        { path: 'lnk', type: 'symlink', linkName: `/${longName}` },
        { path: 'hard', type: 'hardlink', linkName: 'etc/big.skip' },
      ],
      { gnu },
    );
    const entries = await list(tar);
    assert.deepEqual(entries, [
      { path: 'etc/', type: 'directory', linkName: '', text: '' },
      { path: 'etc/big.skip', type: 'file', linkName: '' },
      { path: longName, type: 'file', linkName: '', text: '{"a":1}' },
      { path: 'lnk', type: 'symlink', linkName: `/${longName}`, text: '' },
      { path: 'hard', type: 'hardlink', linkName: 'etc/big.skip', text: '' },
    ]);
  }
});

test('gzip, zstd and plain tar are recognised by magic bytes', async () => {
  const tar = buildTar([{ path: 'f', content: 'hello' }]);
  for (const c of ['gzip', 'zstd', 'none'] as const) {
    assert.deepEqual(await list(compress(tar, c), 3), [{ path: 'f', type: 'file', linkName: '', text: 'hello' }]);
  }
});

test('base-256 sizes are decoded', async () => {
  const tar = buildTar([{ path: 'f', content: 'abc' }]);
  // Rewrite the size field as base-256 (3) and fix the checksum.
  tar.fill(0, 124, 136);
  tar[124] = 0x80;
  tar[135] = 3;
  tar.fill(0x20, 148, 156);
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += tar[i]!;
  tar.set(new TextEncoder().encode(`${sum.toString(8).padStart(6, '0')}\0 `), 148);
  assert.deepEqual(await list(tar), [{ path: 'f', type: 'file', linkName: '', text: 'abc' }]);
});

test('read() refuses bodies over the cap and the entry is still skipped correctly', async () => {
  const tar = buildTar([{ path: 'a', content: 'x'.repeat(3000) }, { path: 'b', content: 'y' }]);
  const seen: (number | undefined)[] = [];
  for await (const e of readTar(chunks(tar, 512))) seen.push((await e.read(1000))?.length);
  assert.deepEqual(seen, [undefined, 1]);
});

test('a partly streamed body is skipped correctly', async () => {
  const tar = buildTar([{ path: 'a', content: 'x'.repeat(100_000) }, { path: 'b', content: 'y' }]);
  const paths: string[] = [];
  for await (const e of readTar(chunks(tar, 1000))) {
    paths.push(e.path);
    for await (const _ of e.body()) break;
  }
  assert.deepEqual(paths, ['a', 'b']);
});

test('truncated tar, corrupt gzip and bad checksums throw', async () => {
  const tar = buildTar([{ path: 'a', content: 'x'.repeat(3000) }]);
  await assert.rejects(list(tar.subarray(0, 1500)), /unexpected end of tar data/);
  const gz = compress(tar, 'gzip');
  const corrupt = gz.slice();
  corrupt.fill(0x55, 20, 60);
  await assert.rejects(list(corrupt));
  await assert.rejects(list(gz.subarray(0, gz.length - 30)), /unexpected end of file/);
  const bad = tar.slice();
  bad[10] = 0x41;
  await assert.rejects(list(bad), /checksum/);
});
