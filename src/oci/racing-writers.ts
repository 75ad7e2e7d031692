/**
 * Timing shared by the writers that read, merge and rewrite a tag on registries without conditional writes (the
 * `.sig`/`.att`/`.sbom` append and the `sha256-<hex>` referrers index): how long to settle before the confirming
 * read, and how long to back off between rounds.
 */
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Long enough for a writer that read before our write to have written after it: twice `windowMs`, the time from the
 * start of the read our write was based on to the written tag (a concurrent writer is stale for about as long; it
 * grows with the registry's latency and the machine's load), 15 ms to 2 s, plus up to as much jitter. The write time
 * alone was too short: under a load average of 30, one of 32 racing attesters on distribution 2.8 lost its entry.
 */
export function settleMs(windowMs: number, random: () => number): number {
  const base = Math.min(2000, Math.max(15, 2 * windowMs));
  return base + random() * base;
}

/** Full jitter, growing from 10 ms to `capMs`: spreads racing writers out so each round has fewer of them. */
export function backoffMs(attempt: number, capMs: number, random: () => number): number {
  return random() * Math.min(capMs, 10 * 2 ** attempt);
}
