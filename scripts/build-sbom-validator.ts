/**
 * Build step: compile the CycloneDX library's own strict CycloneDX 1.6 JSON schema ahead of time into a standalone
 * validator module (ajv `standaloneCode`), so `ocisign sbom` validates without compiling the schema at run time
 * (~1 s of CPU). Same schema files, same ajv options and formats as the library's `JsonStrictValidator`
 * (node_modules/@cyclonedx/cyclonedx-library/dist.node/_optPlug.node/__jsonValidators/ajv.js): ajv-formats' full
 * formats, `idn-email` from ajv-formats-draft2019, `iri-reference` accepted as is. The module records the library
 * and ajv versions it was built from; src/sbom/output/validate.ts ignores it when they differ from the installed ones.
 *
 * One keyword is generated differently, with the same result: `uniqueItems` over arrays of objects. ajv compares
 * every pair with a deep equal (O(n²): ~0.4 s on 2,400 components); here items are put in buckets by a fingerprint
 * that deep-equal items always share (sorted keys, scalar values, array lengths), and only items in the same bucket
 * are compared, with ajv's own deep equal. So the same pairs are found equal, and the error names the same pair
 * (i, j) ajv's loop would: the largest i with an equal item before it, and the largest such j.
 * Arrays of scalars and `$data` schemas keep ajv's own code.
 * Usage: node scripts/build-sbom-validator.ts [OUT_FILE]   (default dist/generated/cdx-1.6-strict-validator.cjs)
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);

export const DEFAULT_VALIDATOR_FILE = fileURLToPath(new URL('../dist/generated/cdx-1.6-strict-validator.cjs', import.meta.url));

/** The versions a generated validator is tied to. */
export function validatorStamp(): string {
  const lib = (require('@cyclonedx/cyclonedx-library/package.json') as { version: string }).version;
  const ajv = (require('ajv/package.json') as { version: string }).version;
  return `cyclonedx-library@${lib} ajv@${ajv}`;
}

/** JS source shared by the generated module (and evaluated here for ajv's compile-time references). */
const DUPLICATE_HELPERS = `
const ocisignEqual = require("ajv/dist/runtime/equal").default;
/** Equal for every pair ocisignEqual calls equal: same keys, same scalar values, same array lengths. */
function ocisignFingerprint(v) {
  if (typeof v !== "object" || v === null) return JSON.stringify(v);
  if (Array.isArray(v)) return "[" + v.length;
  const keys = Object.keys(v).sort();
  let out = "{";
  for (let k = 0; k < keys.length; k++) {
    const x = v[keys[k]];
    out += JSON.stringify(keys[k]) + ":" + (typeof x !== "object" || x === null ? JSON.stringify(x) : Array.isArray(x) ? "[" + x.length : "{") + ",";
  }
  return out;
}
/** [i, j] as ajv's pairwise loop reports it: the largest i with an equal item before it, the largest such j. */
function ocisignDuplicatePair(items) {
  const buckets = new Map();
  let pair;
  for (let k = 0; k < items.length; k++) {
    const key = ocisignFingerprint(items[k]);
    const bucket = buckets.get(key);
    if (bucket === undefined) {
      buckets.set(key, [k]);
      continue;
    }
    for (let b = bucket.length; b--;) {
      if (ocisignEqual(items[k], items[bucket[b]])) {
        pair = [k, bucket[b]];
        break;
      }
    }
    bucket.push(k);
  }
  return pair;
}`;

type Codegen = typeof import('ajv');
type KeywordCxt = import('ajv').KeywordCxt;

/** ajv's uniqueItems keyword, with the O(n) duplicate search for arrays that may hold objects or arrays. */
function linearUniqueItems(ajvModule: Codegen) {
  const { _ } = ajvModule;
  const original = require('ajv/dist/vocabularies/validation/uniqueItems').default as import('ajv').CodeKeywordDefinition;
  const { getSchemaTypes } = require('ajv/dist/compile/validate/dataType') as { getSchemaTypes(s: unknown): string[] };
  const duplicatePair = new Function('require', `${DUPLICATE_HELPERS}\nreturn ocisignDuplicatePair;`)(require) as (items: unknown[]) => unknown;
  return {
    ...original,
    code(cxt: KeywordCxt): void {
      const { gen, data, $data, schema, parentSchema, schemaCode } = cxt;
      const itemTypes = parentSchema.items ? getSchemaTypes(parentSchema.items) : [];
      const scalarItems = itemTypes.length > 0 && !itemTypes.some((t) => t === 'object' || t === 'array');
      if ($data || scalarItems) return original.code.call(original, cxt, undefined as never);
      if (!schema) return;
      const valid = gen.let('valid');
      const fn = gen.scopeValue('func', { ref: duplicatePair, code: _`ocisignDuplicatePair` });
      cxt.block$data(valid, () => {
        const i = gen.let('i', _`${data}.length`);
        const j = gen.let('j');
        cxt.setParams({ i, j });
        gen.assign(valid, true);
        gen.if(_`${i} > 1`, () => {
          const pair = gen.const('pair', _`${fn}(${data})`);
          gen.if(_`${pair} !== undefined`, () => {
            gen.assign(i, _`${pair}[0]`).assign(j, _`${pair}[1]`);
            cxt.error();
            gen.assign(valid, false);
          });
        });
      }, _`${schemaCode} === false`);
      cxt.ok(valid);
    },
  };
}

const SCHEMA_REFS: Record<string, string> = {
  'http://cyclonedx.org/schema/spdx.SNAPSHOT.schema.json': 'spdx.SNAPSHOT.schema.json',
  'http://cyclonedx.org/schema/cryptography-defs.SNAPSHOT.schema.json': 'cryptography-defs.SNAPSHOT.schema.json',
  'http://cyclonedx.org/schema/jsf-0.82.SNAPSHOT.schema.json': 'jsf-0.82.SNAPSHOT.schema.json',
};

/** CommonJS source of the standalone validator: `module.exports = validate` plus `module.exports.stamp`. */
export async function generateValidatorSource(): Promise<string> {
  const schemaDir = join(dirname(require.resolve('@cyclonedx/cyclonedx-library/package.json')), 'res', 'schema');
  const readJson = async (f: string) => JSON.parse(await readFile(join(schemaDir, f), 'utf8')) as Record<string, unknown>;
  const schema = await readJson('bom-1.6.SNAPSHOT.schema.json');
  const schemas: Record<string, import('ajv').AnySchema> = {};
  for (const [uri, file] of Object.entries(SCHEMA_REFS)) schemas[uri] = (await readJson(file)) as import('ajv').AnySchema;
  const ajvModule = require('ajv') as typeof import('ajv');
  const { default: Ajv, _ } = ajvModule;
  const addFormats = require('ajv-formats') as typeof import('ajv-formats').default;
  const addDraft2019 = require('ajv-formats-draft2019') as (ajv: unknown, o: { formats: string[] }) => void;
  const standaloneCode = require('ajv/dist/standalone').default as typeof import('ajv/dist/standalone/index.js').default;
  const ajv = new Ajv({
    useDefaults: false, strict: false, strictSchema: false, addUsedSchema: false,
    loadSchema: (uri: string) => { throw new Error(`Remote schemas are disabled: ${uri}`); },
    schemas,
    // every format the generated code calls is looked up in one object defined at the top of the module
    code: { source: true, formats: _`ocisignFormats` },
  });
  addFormats(ajv);
  addDraft2019(ajv, { formats: ['idn-email'] });
  ajv.addFormat('iri-reference', true);
  ajv.removeKeyword('uniqueItems');
  ajv.addKeyword(linearUniqueItems(ajvModule));
  const code = standaloneCode(ajv, ajv.compile(schema));
  const formats = [
    'const ocisignFormats = {',
    '  ...require("ajv-formats/dist/formats").fullFormats,',
    '  "idn-email": require("ajv-formats-draft2019/formats/idn-email"),',
    '  "iri-reference": true,',
    '};',
    DUPLICATE_HELPERS,
  ].join('\n');
  const body = code.replace(/^"use strict";/, '');
  return `"use strict";\n// generated by scripts/build-sbom-validator.ts — do not edit\n${formats}\n${body}\nmodule.exports.stamp = ${JSON.stringify(validatorStamp())};\n`;
}

/** Write the module atomically (temp file + rename). */
export async function writeValidatorModule(file: string = DEFAULT_VALIDATOR_FILE): Promise<string> {
  const source = await generateValidatorSource();
  await mkdir(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, source);
  await rename(tmp, file);
  return file;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const file = await writeValidatorModule(process.argv[2] ?? DEFAULT_VALIDATOR_FILE);
  console.error(`wrote ${file}`);
}
