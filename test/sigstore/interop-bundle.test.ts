// Every Sigstore-bundle case of ../shared/fixtures/interop/cases.json (sigstore-js, sigstore-rs, cosign
// bundle v0.3, sigstore-conformance bundle-verify), through verifySigstoreBundle.
import assert from 'node:assert/strict';
import { createPublicKey } from 'node:crypto';
import { test } from 'node:test';
import { sha256Digest, verifySigstoreBundle, type BundlePolicy } from '../../src/sigstore/verify-bundle.ts';
import { ABSENT_REASON, fixture, fixtureText, identitiesFor, INTEROP_PRESENT, isBundleCase, loadCases, trustFor, type InteropCase } from './interop.ts';

const CONF_DEFAULT_ARTIFACT = 'sigstore-conformance/test/assets/bundle-verify/a.txt';

/** Divergences found, run but reported as TODO rather than hidden: case name → why. */
const KNOWN_DIVERGENCES: Record<string, string> = {
  'rs-cosign-v3-image-signature-bundle':
    'the case names sigstore-rs/trust_root/prod, which has no TSA; the bundle carries an RFC 3161 timestamp from timestamp.sigstore.dev and @sigstore/verify requires every timestamp to verify (passes with the sigstore-js production root, see below)',
};

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

const cases = loadCases().filter((c) => isBundleCase(c.name));

test('bundle cases are present', (t) => {
  if (!INTEROP_PRESENT) return t.skip(ABSENT_REASON);
  assert.ok(cases.length > 0);
});

for (const c of cases) {
  test(`bundle ${c.name} → ${c.expected}`, (t) => {
    let outcome: { valid: boolean; reason: string };
    try {
      outcome = run(c);
    } catch (err) {
      outcome = { valid: false, reason: `threw: ${(err as Error).message}` };
    }
    t.diagnostic(outcome.reason);
    const divergence = KNOWN_DIVERGENCES[c.name];
    if (divergence) t.todo(divergence);
    assert.equal(outcome.valid ? 'valid' : 'invalid', c.expected, `${c.reason} — got: ${outcome.reason}`);
  });
}

test('rs-cosign-v3-image-signature-bundle verifies with the production root that holds its TSA', (t) => {
  if (!INTEROP_PRESENT) return t.skip(ABSENT_REASON);
  const c = cases.find((x) => x.name === 'rs-cosign-v3-image-signature-bundle');
  if (!c) return t.skip('case absent from cases.json');
  const json = JSON.parse(fixtureText(bundleFile(c)));
  const trust = { ...c.trust, trustedRoot: 'sigstore-js/packages/tuf/decoded/trusted_root.json' };
  const r = verifySigstoreBundle(json, undefined, trustFor(trust), policyFor(c, json));
  assert.ok(r.ok, r.ok ? '' : r.reason);
});
