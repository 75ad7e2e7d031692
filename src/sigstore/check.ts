/** The outcome of a check over data: a value, or a one-line reason why the data does not pass. */
export type Check<T> = { ok: true; value: T } | { ok: false; reason: string };

export function pass<T>(value: T): Check<T> {
  return { ok: true, value };
}

export function fail<T = never>(reason: string): Check<T> {
  return { ok: false, reason };
}
