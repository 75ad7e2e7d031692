/**
 * Layer decompression, decided by media type AND by magic bytes: a layer whose media type says gzip but
 * whose bytes are plain tar is read as tar (registries and tools get this wrong), and the other way round.
 */
import { Readable } from 'node:stream';
import { createGunzip, createZstdDecompress } from 'node:zlib';

export type LayerCompression = 'gzip' | 'zstd' | 'none';

const LAYER_MEDIA_TYPES: Record<string, LayerCompression> = {
  'application/vnd.oci.image.layer.v1.tar': 'none',
  'application/vnd.oci.image.layer.v1.tar+gzip': 'gzip',
  'application/vnd.oci.image.layer.v1.tar+zstd': 'zstd',
  'application/vnd.oci.image.layer.nondistributable.v1.tar': 'none',
  'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip': 'gzip',
  'application/vnd.oci.image.layer.nondistributable.v1.tar+zstd': 'zstd',
  'application/vnd.docker.image.rootfs.diff.tar': 'none',
  'application/vnd.docker.image.rootfs.diff.tar.gzip': 'gzip',
  'application/vnd.docker.image.rootfs.diff.tar.zstd': 'zstd',
  'application/vnd.docker.image.rootfs.foreign.diff.tar': 'none',
  'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip': 'gzip',
  'application/vnd.docker.image.rootfs.foreign.diff.tar.zstd': 'zstd',
};

/** The compression a layer media type declares, or undefined for a media type that is not a layer. */
export function layerCompression(mediaType: string): LayerCompression | undefined {
  return LAYER_MEDIA_TYPES[mediaType];
}

/** Compression recognised from the first bytes of a blob. */
export function sniffCompression(head: Uint8Array): LayerCompression {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 4 && head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) return 'zstd';
  return 'none';
}

async function* prepend(first: Uint8Array[], iterator: AsyncIterator<Uint8Array>): AsyncGenerator<Uint8Array> {
  try {
    yield* first;
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      yield next.value;
    }
  } finally {
    await iterator.return?.();
  }
}

/** Read until at least 4 bytes are known (or the input ends). */
async function peek(iterator: AsyncIterator<Uint8Array>): Promise<Uint8Array[]> {
  const head: Uint8Array[] = [];
  let length = 0;
  while (length < 4) {
    const next = await iterator.next();
    if (next.done) break;
    head.push(next.value);
    length += next.value.length;
  }
  return head;
}

function concatHead(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(Math.min(4, chunks.reduce((n, c) => n + c.length, 0)));
  let pos = 0;
  for (const c of chunks) {
    if (pos >= out.length) break;
    const take = c.subarray(0, out.length - pos);
    out.set(take, pos);
    pos += take.length;
  }
  return out;
}

/**
 * Decompress a (possibly compressed) tar stream. `onRaw` sees the count of compressed bytes read.
 * Throws (while iterating) on corrupt compressed data.
 */
export async function* decompressLayer(
  source: AsyncIterable<Uint8Array>,
  onRaw?: (bytes: number) => void,
): AsyncGenerator<Uint8Array> {
  const iterator = source[Symbol.asyncIterator]();
  const head = await peek(iterator);
  const counted = (async function* () {
    for await (const chunk of prepend(head, iterator)) {
      onRaw?.(chunk.length);
      yield chunk;
    }
  })();
  const kind = sniffCompression(concatHead(head));
  if (kind === 'none') {
    yield* counted;
    return;
  }
  const options = { chunkSize: 64 * 1024 };
  const inflater = kind === 'gzip' ? createGunzip(options) : createZstdDecompress(options);
  const input = Readable.from(counted, { objectMode: false });
  input.on('error', (err) => inflater.destroy(err));
  input.pipe(inflater);
  try {
    for await (const chunk of inflater) yield chunk as Uint8Array;
  } finally {
    input.unpipe(inflater);
    input.destroy();
    inflater.destroy();
  }
}
