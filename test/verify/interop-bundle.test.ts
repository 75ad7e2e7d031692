// The Sigstore-bundle cases of ../shared/fixtures/interop/cases.json (the `bundle` suite of
// test/helpers/interop-cases.ts: sigstore-js, sigstore-rs, cosign bundle v0.3, sigstore-conformance
// bundle-verify), through the one verification pipeline: evidence from the bundle, authenticate, claims.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { KeyVerifier } from '../../src/sign/key-signer.ts';
import { authenticate, type TrustPolicy } from '../../src/verify/authenticate.ts';
import { checkAttestationClaims } from '../../src/verify/claims.ts';
import { evidenceFromBundle } from '../../src/verify/evidence/from-bundle.ts';
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

const sha256 = (b: Uint8Array) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

function trustOf(c: InteropCase, root = trustFor(c.trust)): TrustPolicy {
  return {
    keys: (c.trust.publicKeys ?? []).map((p) => KeyVerifier.fromPem(fixtureText(p), p)),
    identities: identitiesFor(c.trust),
    root,
    ignoreTlog: false,
    ignoreSct: false,
  };
}

/** The digest the signed content must name: the case's image, the artifact, or (negative case) another image. */
function expectedDigest(c: InteropCase): string | undefined {
  if (c.name === 'cosign-oci-attestation-wrong-image') return sha256(Buffer.from('another image'));
  if (c.imageDigest) return c.imageDigest;
  const artifact = artifactFile(c);
  return artifact ? sha256(fixture(artifact)) : undefined;
}

export async function runBundleCase(c: InteropCase, root = trustFor(c.trust)): Promise<{ valid: boolean; reason: string; setAside?: number }> {
  const artifact = artifactFile(c);
  const e = evidenceFromBundle(fixture(bundleFile(c)), { kind: 'input', name: c.name }, artifact ? fixture(artifact) : undefined);
  if (!e.ok) return { valid: false, reason: e.reason };
  const who = await authenticate(e.value, trustOf(c, root));
  if (!who.ok) return { valid: false, reason: who.reason };
  const digest = expectedDigest(c);
  if (digest !== undefined) {
    if (e.value.content.kind === 'dsse') {
      const claims = checkAttestationClaims(e.value, digest);
      if (!claims.ok) return { valid: false, reason: claims.reason };
    } else if (e.value.content.kind === 'message' && e.value.content.digest !== digest) {
      return { valid: false, reason: `message digest ${e.value.content.digest} is not ${digest}` };
    }
  }
  return { valid: true, reason: 'ok', setAside: who.setAsideTimestamps };
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
      await t.test(`${c.name} → ${c.expected}`, async () => {
        let outcome: { valid: boolean; reason: string };
        try {
          outcome = await runBundleCase(c);
        } catch (err) {
          outcome = { valid: false, reason: `refused: ${(err as Error).message}` }; // malformed key or trusted root
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
    await t.test('root without a TSA: the timestamp is set aside, the SET integrated time is the observation', async () => {
      const r = await runBundleCase(c);
      assert.ok(r.valid, r.reason);
      assert.equal(r.setAside, 1);
    });
    await t.test('root holding the TSA that signed it: the timestamp is checked and counted', async () => {
      const r = await runBundleCase(c, trustFor({ ...c.trust, trustedRoot: SJS_PROD_ROOT }));
      assert.ok(r.valid, r.reason);
      assert.equal(r.setAside, 0);
    });
    await t.test('root with another TSA only: the timestamp must verify, and does not', async () => {
      const root = trustFor({ ...c.trust, trustedRoot: SJS_PROD_ROOT });
      const other = trustFor({ trustedRoot: 'sigstore-conformance/test/assets/bundle-verify/rekor2-happy-path/trusted_root.json' });
      assert.ok(other.timestampAuthorities.length > 0);
      const r = await runBundleCase(c, { ...root, proto: undefined, timestampAuthorities: other.timestampAuthorities });
      assert.ok(!r.valid);
      assert.match(r.reason, /timestamp/);
    });
  });
}
