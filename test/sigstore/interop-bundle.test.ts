// The Sigstore-bundle cases of ../shared/fixtures/interop/cases.json (the `bundle` suite of
// test/helpers/interop-cases.ts: sigstore-js, sigstore-rs, cosign bundle v0.3, sigstore-conformance
// bundle-verify), through verifySigstoreBundle.
import assert from 'node:assert/strict';
import { createPublicKey } from 'node:crypto';
import { test } from 'node:test';
import { sha256Digest, verifySigstoreBundle, type BundlePolicy } from '../../src/sigstore/verify-bundle.ts';
import { casesOf, ranLine } from '../helpers/interop-cases.ts';
import { ABSENT_REASON, fixture, fixtureText, identitiesFor, INTEROP_PRESENT, trustFor, type InteropCase } from './interop.ts';

const CONF_DEFAULT_ARTIFACT = 'sigstore-conformance/test/assets/bundle-verify/a.txt';

function bundleFile(c: InteropCase): string {
  const f = c.files.find((p) => /\.sigstore(\.json)?$/.test(p) || /bundle_v03\.json$|oci-attestation\.sigstore\.json$/.test(p));
  assert.ok(f, `${c.name}: no bundle file`);
  return f;
}

function artifactFile(c: InteropCase): string | undefined {
  return c.files.find((p) => p.endsWith('/artifact')) ?? c.files.find((p) => p === CONF_DEFAULT_ARTIFACT);
}

function policyFor(c: InteropCase, bundle: { dsseEnvelope?: unknown }): BundlePolicy {
  const policy: BundlePolicy = { identities: identitiesFor(c.trust) };
  const keys = c.trust.publicKeys ?? [];
  if (keys.length > 0) policy.key = createPublicKey(fixtureText(keys[0]!));
  const artifact = artifactFile(c);
  if (bundle.dsseEnvelope && artifact) policy.subjectDigest = sha256Digest(fixture(artifact));
  if (c.imageDigest) policy.subjectDigest = c.imageDigest;
  if (c.name === 'cosign-oci-attestation-wrong-image') policy.subjectDigest = sha256Digest(Buffer.from('another image'));
  return policy;
}

function run(c: InteropCase): { valid: boolean; reason: string } {
  const json = JSON.parse(fixtureText(bundleFile(c)));
  const artifact = artifactFile(c);
  const bytes = json.dsseEnvelope || !artifact ? undefined : fixture(artifact);
  const r = verifySigstoreBundle(json, bytes, trustFor(c.trust), policyFor(c, json));
  return { valid: r.ok, reason: r.ok ? 'ok' : r.reason };
}

const cases = casesOf('bundle');
const RS_V3 = 'rs-cosign-v3-image-signature-bundle';
const SJS_PROD_ROOT = 'sigstore-js/packages/tuf/decoded/trusted_root.json';

if (!INTEROP_PRESENT) {
  test('interop sigstore bundle cases', (t) => t.skip(ABSENT_REASON));
} else {
  test('interop sigstore bundle cases', async (t) => {
    assert.ok(cases.length > 0, 'cases.json has bundle cases');
    let ran = 0;
    for (const c of cases) {
      await t.test(`${c.name} → ${c.expected}`, () => {
        let outcome: { valid: boolean; reason: string };
        try {
          outcome = run(c);
        } catch (err) {
          outcome = { valid: false, reason: `threw: ${(err as Error).message}` };
        }
        assert.equal(outcome.valid ? 'valid' : 'invalid', c.expected, `${c.reason} — got: ${outcome.reason}`);
      });
      ran += 1;
    }
    t.diagnostic(ranLine('bundle', ran));
  });

  test('RFC 3161 timestamps and a trusted root without a TSA', async (t) => {
    const c = cases.find((x) => x.name === RS_V3);
    assert.ok(c, `${RS_V3} in cases.json`);
    const json = JSON.parse(fixtureText(bundleFile(c)));
    const verify = (bundle: unknown, root: ReturnType<typeof trustFor>) => verifySigstoreBundle(bundle, undefined, root, policyFor(c, json));

    await t.test('root without a TSA: the timestamp is set aside, the SET integrated time is the observation', () => {
      const r = verify(json, trustFor(c.trust));
      assert.ok(r.ok, r.ok ? '' : r.reason);
      assert.equal(r.value.uncheckedTimestamps, 1);
    });
    await t.test('root holding the TSA that signed it: the timestamp is checked and counted', () => {
      const r = verify(json, trustFor({ ...c.trust, trustedRoot: SJS_PROD_ROOT }));
      assert.ok(r.ok, r.ok ? '' : r.reason);
      assert.equal(r.value.uncheckedTimestamps, undefined);
    });
    await t.test('root with another TSA only: the timestamp must verify, and does not', () => {
      const root = trustFor({ ...c.trust, trustedRoot: SJS_PROD_ROOT });
      const other = trustFor({ trustedRoot: 'sigstore-conformance/test/assets/bundle-verify/rekor2-happy-path/trusted_root.json' });
      assert.ok(other.timestampAuthorities.length > 0);
      const r = verify(json, { ...root, proto: undefined, timestampAuthorities: other.timestampAuthorities });
      assert.ok(!r.ok);
      assert.match(r.reason, /timestamp could not be verified/);
    });
    await t.test('no inclusion promise (no SET): nothing is set aside, the unverifiable timestamp fails', () => {
      const noSet = structuredClone(json);
      for (const e of noSet.verificationMaterial.tlogEntries) delete e.inclusionPromise;
      const r = verify(noSet, trustFor(c.trust));
      assert.ok(!r.ok);
      assert.match(r.reason, /timestamp could not be verified/);
    });
  });
}
