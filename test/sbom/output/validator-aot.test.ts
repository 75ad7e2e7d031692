/**
 * The ahead-of-time CycloneDX 1.6 validator (scripts/build-sbom-validator.ts) accepts and rejects exactly like the
 * library's JsonStrictValidator — same verdict and same error objects — on valid BOMs and on BOMs broken in the
 * ways the schema checks: types, enums, required fields, additional properties, formats (date-time, idn-email,
 * iri-reference, uri), SPDX ids, and uniqueItems on arrays of objects and of scalars (deep-equal duplicates with
 * reordered keys, near-duplicates that differ deep inside).
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as CDX from '@cyclonedx/cyclonedx-library';
import { generateValidatorSource, validatorStamp } from '../../../scripts/build-sbom-validator.ts';
import { scanDirectory } from '../../../src/sbom/directory/index.ts';
import { writeCycloneDx } from '../../../src/sbom/output/index.ts';
import { aheadOfTimeValidator } from '../../../src/sbom/output/validate.ts';

type Json = Record<string, any>;
type Compiled = ((data: unknown) => boolean) & { errors?: unknown; stamp?: string };

const root = fileURLToPath(new URL('../../../', import.meta.url));

/** Evaluate the generated CommonJS source as a module living at the repository root. */
function load(source: string): Compiled {
  const module = { exports: {} as unknown };
  new Function('module', 'exports', 'require', source)(module, module.exports, createRequire(`${root}package.json`));
  return module.exports as Compiled;
}

async function realBom(): Promise<Json> {
  const sbom = await scanDirectory(fileURLToPath(new URL('../../../fixtures/sbom/dir/npm-v3', import.meta.url)), {});
  const { text } = await writeCycloneDx(sbom, { toolVersion: '1.0.0', timestamp: new Date('2024-01-02T03:04:05Z'), deterministic: true, format: 'json' });
  return JSON.parse(text) as Json;
}

const clone = (x: Json): Json => structuredClone(x);
const reversedKeys = (o: Json): Json => Object.fromEntries(Object.entries(o).reverse());

function variants(base: Json): [string, Json][] {
  const out: [string, Json][] = [['valid as written', base]];
  const edit = (name: string, f: (b: Json) => void): void => {
    const b = clone(base);
    f(b);
    out.push([name, b]);
  };
  edit('minimal', (b) => { for (const k of Object.keys(b)) if (k !== 'bomFormat' && k !== 'specVersion') delete b[k]; });
  edit('missing bomFormat', (b) => { delete b.bomFormat; });
  edit('wrong bomFormat', (b) => { b.bomFormat = 'SPDX'; });
  edit('specVersion not a string', (b) => { b.specVersion = 1.6; });
  edit('unknown top-level property', (b) => { b.extra = true; });
  edit('bad serialNumber', (b) => { b.serialNumber = 'urn:uuid:nope'; });
  edit('bad timestamp (date-time)', (b) => { b.metadata.timestamp = '2024-13-45T99:00:00Z'; });
  edit('good author email (idn-email)', (b) => { b.metadata.authors = [{ name: 'a', email: 'ä@example.org' }]; });
  edit('bad author email (idn-email)', (b) => { b.metadata.authors = [{ name: 'a', email: 'not an email' }]; });
  edit('any external reference url (iri-reference)', (b) => { b.components[0].externalReferences = [{ type: 'website', url: '::not a url::' }]; });
  edit('bad component type', (b) => { b.components[0].type = 'gadget'; });
  edit('component without name', (b) => { delete b.components[0].name; });
  edit('bad hash content', (b) => { b.components[0].hashes = [{ alg: 'SHA-256', content: 'xyz' }]; });
  edit('unknown SPDX license id', (b) => { b.components[0].licenses = [{ license: { id: 'Not-A-License' } }]; });
  edit('duplicate component (same object)', (b) => { b.components.push(clone(b.components[1])); });
  edit('duplicate component (keys reordered)', (b) => { b.components.splice(1, 0, reversedKeys(clone(b.components[3]))); });
  edit('near-duplicate component (a nested value differs)', (b) => {
    const c = clone(b.components[2]);
    c.properties = [...(c.properties ?? []), { name: 'x', value: 'y' }];
    b.components.push(c);
  });
  edit('three equal components', (b) => { const c = b.components[0]; b.components.push(clone(c), reversedKeys(clone(c))); });
  edit('duplicate dependency entry', (b) => { b.dependencies.unshift(clone(b.dependencies.at(-1))); });
  edit('duplicate ref in dependsOn (scalar items)', (b) => {
    const d = b.dependencies.find((x: Json) => x.dependsOn.length > 0);
    d.dependsOn.push(d.dependsOn[0]);
  });
  edit('duplicate hashes', (b) => { b.components[0].hashes = [{ alg: 'SHA-256', content: 'a'.repeat(64) }, { content: 'a'.repeat(64), alg: 'SHA-256' }]; });
  edit('duplicate tools', (b) => { b.metadata.tools.components.push(clone(b.metadata.tools.components[0])); });
  return out;
}

describe('ahead-of-time CycloneDX 1.6 validator', () => {
  it('gives the same verdict and the same errors as the library JsonStrictValidator', async () => {
    const generated = load(await generateValidatorSource());
    assert.equal(generated.stamp, validatorStamp());
    const library = new CDX.Validation.JsonStrictValidator(CDX.Spec.Version.v1dot6);
    const base = await realBom();
    assert.ok(base.components.length >= 4 && base.dependencies.length >= 4, 'a BOM with a few components to break');
    let rejected = 0;
    for (const [name, bom] of variants(base)) {
      const text = JSON.stringify(bom);
      const expected = await library.validate(text);
      const ok = generated(JSON.parse(text));
      assert.equal(ok, expected === null, `${name}: verdict`);
      if (!ok) {
        rejected++;
        assert.deepEqual(generated.errors, expected, `${name}: errors`);
      }
    }
    assert.ok(rejected >= 15, `most variants are invalid (${rejected})`);
  });

  it('is used by validateCdxJson only when built from the installed versions', (t) => {
    const v = aheadOfTimeValidator();
    if (v === null) return t.skip('dist/generated/ not built (npm run build): validateCdxJson uses the library validator');
    assert.equal(v.stamp, validatorStamp());
  });
});
