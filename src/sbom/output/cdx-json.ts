/**
 * The CycloneDX library's JSON serializer without its XML side. The library's `Serialize` entry point also loads the
 * XML serializer and xmlbuilder2 (~120 modules, ~0.1 s of start-up) even when only JSON is written; its
 * `serialize/index.common.js` holds the JSON parts alone. The package's exports map does not list that file, so it
 * is required by path; if a library version moves it, the full `Serialize` entry point is used instead.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type * as Serialize from '@cyclonedx/cyclonedx-library/Serialize';

export type JsonSerialization = Pick<typeof Serialize, 'JsonSerializer' | 'JSON'>;

let loaded: JsonSerialization | undefined;

export function loadJsonSerialization(): JsonSerialization {
  if (loaded) return loaded;
  const require = createRequire(import.meta.url);
  try {
    const dir = dirname(require.resolve('@cyclonedx/cyclonedx-library/package.json'));
    const common = require(join(dir, 'dist.node', 'serialize', 'index.common.js')) as Partial<JsonSerialization>;
    if (typeof common.JsonSerializer === 'function' && typeof common.JSON?.Normalize?.Factory === 'function') loaded = common as JsonSerialization;
  } catch {
    // fall through to the public entry point
  }
  loaded ??= require('@cyclonedx/cyclonedx-library/Serialize') as JsonSerialization;
  return loaded;
}
