import { parse } from 'smol-toml';
import { describeError } from '../../core/errors.ts';
import type { SbomWarning } from '../model.ts';

/** Parse a TOML lockfile, or a warning naming it. */
export function parseTomlFile(path: string, text: string): { value: Record<string, unknown> } | { warning: SbomWarning } {
  try {
    return { value: parse(text) as Record<string, unknown> };
  } catch (err) {
    return { warning: { subject: path, reason: `invalid TOML: ${describeError(err)}` } };
  }
}

export function tablesOf(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value) ? value.filter((v): v is Record<string, unknown> => !!v && typeof v === 'object') : [];
}

export function objOf(value: unknown): Record<string, unknown> {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

export function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
