/** Go duration strings (`30s`, `2m`, `1m30s`, `1.5h`, `500ms`), as cosign's `--timeout` takes them. */
import { OcisignError } from './errors.ts';

// Go takes both micro signs, U+00B5 and U+03BC; escaped, so that bundles of this code stay ASCII (scripts/bundle.ts).
const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, '\u00b5s': 1e-3, '\u03bcs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Milliseconds in a Go duration; `0` alone is allowed (Go's rule). Throws USAGE naming `what` when malformed. */
export function parseGoDuration(text: string, what: string): number {
  const input = text.trim();
  if (input === '0') return 0;
  const parts = /^(?:(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|\u00b5s|\u03bcs|ms|s|m|h))+$/.test(input) ? input.match(/(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|\u00b5s|\u03bcs|ms|s|m|h)/g) : null;
  if (!parts) throw new OcisignError('USAGE', `invalid duration for ${what}: ${JSON.stringify(text)} (examples: 30s, 2m, 1m30s)`);
  let ms = 0;
  for (const part of parts) {
    const [, value, unit] = /^([\d.]+)(.+)$/.exec(part)!;
    ms += Number(value) * UNIT_MS[unit!]!;
  }
  return Math.round(ms);
}

/** `3m0s`, `1m30s`, `30s`, `1.5s`, `500ms`: how Go prints a duration (for messages next to the flag). */
export function formatGoDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const hours = Math.floor(ms / 3_600_000);
  const minutes = Math.floor((ms % 3_600_000) / 60_000);
  const seconds = (ms % 60_000) / 1000;
  const s = `${Number(seconds.toFixed(3))}s`;
  if (hours > 0) return `${hours}h${minutes}m${s}`;
  if (minutes > 0) return `${minutes}m${s}`;
  return s;
}

/** `30 s`, `1.5 s`, `250 ms`: a per-request deadline in a message. */
export function formatSeconds(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Number((ms / 1000).toFixed(3))} s`;
}
