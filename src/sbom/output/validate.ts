/**
 * Strict CycloneDX 1.6 validation with the library's schema. The build (`npm run build`) compiles the library's
 * strict 1.6 JSON schema ahead of time into dist/generated/cdx-1.6-strict-validator.cjs
 * (scripts/build-sbom-validator.ts: same schema, options and formats as the library's JsonStrictValidator);
 * when that module is there and was built from the installed library and ajv, it validates in-process with no
 * compile step. Otherwise the library's JsonStrictValidator is used: its schema compile costs ~1 s of CPU, so
 * `prewarmCdxValidator()` (called by generateSbom before cataloging) starts it in a worker thread, where it
 * compiles while the main thread catalogs; without a warm worker, validation runs in-process (compiled once). XML validation needs the optional native `libxmljs2`; without it
 * the XML is checked through its JSON twin (same model) and the caller is told so.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type * as Validation from '@cyclonedx/cyclonedx-library/Validation';
import { Version } from '@cyclonedx/cyclonedx-library/Spec';
import { OcisignError } from '../../core/errors.ts';

let jsonValidator: Validation.JsonStrictValidator | undefined;
let xmlValidator: Validation.XmlValidator | undefined;
/** The library's validators, loaded only when used (they pull in ajv and the XML tooling). */
const loadValidation = () => import('@cyclonedx/cyclonedx-library/Validation');
let worker: { thread: Worker; pending: Map<number, (error: string | null) => void>; next: number } | undefined;

type CompiledValidator = ((data: unknown) => boolean) & { errors?: unknown; stamp?: string };

const GENERATED = 'dist/generated/cdx-1.6-strict-validator.cjs';
let compiled: CompiledValidator | null | undefined;

/**
 * The ahead-of-time validator, when built and stamped with the installed versions (null otherwise). Found by
 * walking up from this module: src/sbom/output, dist/sbom/output and dist/cli-bundle/chunks all reach the root.
 */
export function aheadOfTimeValidator(): CompiledValidator | null {
  if (compiled !== undefined) return compiled;
  compiled = null;
  let dir = new URL('.', import.meta.url);
  for (let up = 0; up < 5; up++, dir = new URL('..', dir)) {
    const file = fileURLToPath(new URL(GENERATED, dir));
    if (!existsSync(file)) continue;
    try {
      const require = createRequire(file);
      const v = require(file) as CompiledValidator;
      const lib = (require('@cyclonedx/cyclonedx-library/package.json') as { version: string }).version;
      const ajv = (require('ajv/package.json') as { version: string }).version;
      if (typeof v === 'function' && v.stamp === `cyclonedx-library@${lib} ajv@${ajv}`) compiled = v;
    } catch {
      compiled = null;
    }
    break;
  }
  return compiled;
}

/** Start compiling the JSON schema in a worker thread (idempotent; falls back to in-process on failure). */
export function prewarmCdxValidator(): void {
  if (worker || aheadOfTimeValidator()) return;
  try {
    const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
    const thread = new Worker(new URL(`./validator-worker${ext}`, import.meta.url));
    const state = { thread, pending: new Map<number, (error: string | null) => void>(), next: 1 };
    thread.unref();
    thread.on('message', (msg: { id: number; error: string | null }) => {
      state.pending.get(msg.id)?.(msg.error);
      state.pending.delete(msg.id);
      if (state.pending.size === 0) thread.unref();
    });
    thread.on('error', () => failWorker(state));
    thread.on('exit', () => failWorker(state));
    worker = state;
  } catch {
    worker = undefined;
  }
}

/** A dead worker: pending validations are redone in-process. */
function failWorker(state: NonNullable<typeof worker>): void {
  if (worker === state) worker = undefined;
  for (const resolve of state.pending.values()) resolve('__retry_in_process__');
  state.pending.clear();
}

function validateInWorker(text: string): Promise<string | null> | undefined {
  const state = worker;
  if (!state) return undefined;
  return new Promise((resolve) => {
    const id = state.next++;
    state.pending.set(id, resolve);
    state.thread.ref();
    state.thread.postMessage({ id, text });
  });
}

/** Throws INTERNAL naming the first schema errors when `text` is not valid CycloneDX 1.6 JSON. */
export async function validateCdxJson(text: string, what: string): Promise<void> {
  const aot = aheadOfTimeValidator();
  let error: string | null | undefined = aot ? validateAheadOfTime(aot, text) : await validateInWorker(text);
  if (error === undefined || error === '__retry_in_process__') {
    jsonValidator ??= new (await loadValidation()).JsonStrictValidator(Version.v1dot6);
    const e = await jsonValidator.validate(text);
    error = e === null ? null : JSON.stringify(e);
  }
  if (error !== null) throw new OcisignError('INTERNAL', `validating ${what} against CycloneDX 1.6: ${summarize(error)}`);
}

function validateAheadOfTime(validate: CompiledValidator, text: string): string | null {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    return `not JSON: ${err instanceof Error ? err.message : String(err)}`;
  }
  return validate(data) ? null : JSON.stringify(validate.errors);
}

/** true when validated; false when libxmljs2 is not installed (nothing was checked). */
export async function validateCdxXml(text: string, what: string): Promise<boolean> {
  const V = await loadValidation();
  xmlValidator ??= new V.XmlValidator(Version.v1dot6);
  let error: unknown;
  try {
    error = await xmlValidator.validate(text);
  } catch (err) {
    if (err instanceof V.MissingOptionalDependencyError) return false;
    throw err;
  }
  if (error !== null) throw new OcisignError('INTERNAL', `validating ${what} against CycloneDX 1.6 XML schema: ${summarize(JSON.stringify(error))}`);
  return true;
}

function summarize(text: string): string {
  return text.length > 600 ? `${text.slice(0, 600)}…` : text;
}
