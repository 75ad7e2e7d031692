/**
 * A pull reader over an async iterable of byte chunks: exact reads, skips and bounded sub-streams, without
 * ever concatenating more than the caller asked for.
 */
export class ByteReader {
  private readonly iterator: AsyncIterator<Uint8Array>;
  private chunk: Uint8Array = new Uint8Array(0);
  private offset = 0;
  private done = false;
  /** Bytes handed out or skipped so far. */
  consumed = 0;

  constructor(source: AsyncIterable<Uint8Array>) {
    this.iterator = source[Symbol.asyncIterator]();
  }

  private available(): number {
    return this.chunk.length - this.offset;
  }

  /** Load the next non-empty chunk; false at end of input. */
  private async fill(): Promise<boolean> {
    while (!this.done && this.available() === 0) {
      const next = await this.iterator.next();
      if (next.done) {
        this.done = true;
        break;
      }
      this.chunk = next.value;
      this.offset = 0;
    }
    return this.available() > 0;
  }

  /**
   * Read exactly n bytes. Returns null when the input ends before the first byte; throws `truncated` when it
   * ends part-way.
   */
  async readExact(n: number): Promise<Uint8Array | null> {
    if (!(await this.fill())) return null;
    if (this.available() >= n) {
      const out = this.chunk.subarray(this.offset, this.offset + n);
      this.offset += n;
      this.consumed += n;
      return out;
    }
    const out = new Uint8Array(n);
    let filled = 0;
    while (filled < n) {
      if (!(await this.fill())) throw new Error(`unexpected end of tar data (${n - filled} bytes missing)`);
      const take = Math.min(n - filled, this.available());
      out.set(this.chunk.subarray(this.offset, this.offset + take), filled);
      this.offset += take;
      filled += take;
      this.consumed += take;
    }
    return out;
  }

  /** Yield the next n bytes as chunks (views into the source chunks; copy them to keep them). */
  async *take(n: number): AsyncGenerator<Uint8Array> {
    let left = n;
    while (left > 0) {
      if (!(await this.fill())) throw new Error(`unexpected end of tar data (${left} bytes missing)`);
      const size = Math.min(left, this.available());
      const out = this.chunk.subarray(this.offset, this.offset + size);
      this.offset += size;
      this.consumed += size;
      left -= size;
      yield out;
    }
  }

  /** Discard n bytes. */
  async skip(n: number): Promise<void> {
    let left = n;
    while (left > 0) {
      if (!(await this.fill())) throw new Error(`unexpected end of tar data (${left} bytes missing)`);
      const size = Math.min(left, this.available());
      this.offset += size;
      this.consumed += size;
      left -= size;
    }
  }

  /** Stop reading: let the source release its resources. */
  async close(): Promise<void> {
    if (!this.done) {
      this.done = true;
      await this.iterator.return?.();
    }
  }
}
