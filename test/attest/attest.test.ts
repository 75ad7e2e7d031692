// Units of src/attest: predicate types, predicate bodies, statements, DSSE envelopes and .att layer verdicts,
// plus cosign's own attest-blob DSSE vectors (read in place from the shared interop fixtures).
import assert from 'node:assert/strict';
import { generateKeyPairSync, createHash } from 'node:crypto';
import { test } from 'node:test';
import { dsse } from '@sigstore/core';
import { formatEnvelope, IN_TOTO_PAYLOAD_TYPE, preAuthEncoding, signStatement } from '../../src/attest/envelope.ts';
import { buildPredicateJson } from '../../src/attest/predicate.ts';
import { predicateTypeUri, resolvePredicateType } from '../../src/attest/predicate-types.ts';
import { buildStatement, parseStatement } from '../../src/attest/statement.ts';
import type { Statement } from '../../src/attest/statement.ts';
import type { Verifier } from '../../src/sign/signer.ts';
import { authenticate } from '../../src/verify/authenticate.ts';
import { checkAttestationClaims } from '../../src/verify/claims.ts';
import { evidenceFromAttestationLayer } from '../../src/verify/evidence/from-attestation-layer.ts';
import { isOcisignError } from '../../src/core/errors.ts';
import { KeySigner, KeyVerifier } from '../../src/sign/key-signer.ts';
import { ABSENT_REASON, casesOf, INTEROP_PRESENT, interopBytes, interopText, ranLine } from '../helpers/interop-cases.ts';

const DIGEST = `sha256:${'ab'.repeat(32)}`;
const OTHER = `sha256:${'cd'.repeat(32)}`;
const enc = (s: string) => new TextEncoder().encode(s);
const DSSE = 'application/vnd.dsse.envelope.v1+json';

function keyPair() {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const signer = new KeySigner(privateKey);
  return { signer, verifier: new KeyVerifier(signer.publicKey) };
}

async function envelopeFor(signer: KeySigner, digest = DIGEST, type = 'cyclonedx', version: 'v1' | 'v0.1' = 'v1') {
  const t = resolvePredicateType(type);
  const predicateJson = buildPredicateJson({ bytes: enc('{"bomFormat":"CycloneDX","components":[]}'), source: 'bom.json', type: t, now: new Date(0) });
  return signStatement(signer, buildStatement({ version, predicateType: t.uri, predicateJson, subjectName: '127.0.0.1:5000/app', digest }));
}

test('predicate types: cosign names, URIs, unknown names refused', () => {
  assert.equal(predicateTypeUri('cyclonedx'), 'https://cyclonedx.org/bom');
  assert.equal(predicateTypeUri('custom'), 'https://cosign.sigstore.dev/attestation/v1');
  assert.equal(predicateTypeUri('slsaprovenance1'), 'https://slsa.dev/provenance/v1');
  assert.equal(predicateTypeUri('spdxjson'), 'https://spdx.dev/Document');
  assert.equal(predicateTypeUri('https://example.com/p/v1'), 'https://example.com/p/v1');
  assert.throws(() => resolvePredicateType('cyclonedxx'), (e) => isOcisignError(e, 'USAGE') && /cyclonedx, link/.test(e.message));
  assert.throws(() => resolvePredicateType('toString'), (e) => isOcisignError(e, 'USAGE'));
});

test('predicates: custom wraps the file, spdx is a string, JSON types need a JSON object', () => {
  const now = new Date(Date.UTC(2025, 0, 2, 3, 4, 5));
  assert.equal(buildPredicateJson({ bytes: enc('hi\n'), source: 'p', type: resolvePredicateType('custom'), now }), '{"Data":"hi\\n","Timestamp":"2025-01-02T03:04:05Z"}');
  assert.equal(buildPredicateJson({ bytes: enc('SPDXVersion: SPDX-2.3'), source: 'p', type: resolvePredicateType('spdx'), now }), '"SPDXVersion: SPDX-2.3"');
  assert.equal(buildPredicateJson({ bytes: enc(' {"a":1}\n'), source: 'p', type: resolvePredicateType('cyclonedx'), now }), '{"a":1}');
  assert.throws(() => buildPredicateJson({ bytes: enc('<bom/>'), source: 'bom.xml', type: resolvePredicateType('cyclonedx'), now }),
    (e) => isOcisignError(e, 'BAD_INPUT') && /bom\.xml: not JSON/.test(e.message));
  assert.throws(() => buildPredicateJson({ bytes: enc('[1]'), source: 'a.json', type: resolvePredicateType('https://x.dev/p'), now }),
    (e) => isOcisignError(e, 'BAD_INPUT') && /a\.json.*JSON object/.test(e.message));
});

test('statement: v1 by default, v0.1 on request, cosign 2 field order, subject = repository + digest', () => {
  for (const version of ['v1', 'v0.1'] as const) {
    const bytes = buildStatement({ version, predicateType: 'https://cyclonedx.org/bom', predicateJson: '{"x":1}', subjectName: 'r/app', digest: DIGEST });
    const text = new TextDecoder().decode(bytes);
    assert.ok(text.startsWith(`{"_type":"https://in-toto.io/Statement/${version}","predicateType":"https://cyclonedx.org/bom","subject":[{"name":"r/app","digest":{"sha256":"${'ab'.repeat(32)}"}}],"predicate":{"x":1}}`));
    const parsed = parseStatement(bytes);
    assert.ok(typeof parsed !== 'string');
    assert.deepEqual(parsed.predicate, { x: 1 });
  }
  assert.equal(parseStatement(enc('{"_type":"https://in-toto.io/Statement/v1","predicateType":"x","subject":[]}')), 'statement has no subject');
});

interface AttestationCheck {
  digest: string;
  verifiers: Verifier[];
  ignoreTlog: boolean;
}

/** One `.att` layer through the pipeline: evidence (one per envelope signature), authenticate, claims. */
async function verifyAttestationLayer(layer: { mediaType: string; envelope: Uint8Array; annotations: Record<string, string> }, check: AttestationCheck): Promise<{ ok: true; statement: Statement } | { ok: false; reason: string }> {
  const evidence = evidenceFromAttestationLayer(layer, { kind: 'input', name: 'layer' });
  if (!evidence.ok) return evidence;
  let reason = 'no signature';
  for (const e of evidence.value) {
    const who = await authenticate(e, { keys: check.verifiers, identities: [], ignoreTlog: check.ignoreTlog, ignoreSct: false });
    if (!who.ok) {
      reason = who.reason;
      continue;
    }
    const claims = checkAttestationClaims(e, check.digest);
    if (claims.ok) return { ok: true, statement: claims.value };
    reason = claims.reason;
  }
  return { ok: false, reason };
}

test('envelope: cosign JSON shape, PAE signature verifies, tampering is a reason', async () => {
  const { signer, verifier } = keyPair();
  const envelope = await envelopeFor(signer);
  const text = new TextDecoder().decode(envelope);
  assert.match(text, /^\{"payloadType":"application\/vnd\.in-toto\+json","payload":"[A-Za-z0-9+/=]+","signatures":\[\{"keyid":"","sig":"[A-Za-z0-9+/=]+"\}\]\}$/);
  const check = { digest: DIGEST, verifiers: [verifier], ignoreTlog: true };
  const ok = await verifyAttestationLayer({ mediaType: DSSE, envelope, annotations: {} }, check);
  assert.ok(ok.ok);
  assert.equal(ok.statement.predicateType, 'https://cyclonedx.org/bom');

  const env = JSON.parse(text) as { payloadType: string; payload: string; signatures: { keyid: string; sig: string }[] };
  const changedPayload = Buffer.from(Buffer.from(env.payload, 'base64').toString('utf8').replace('"components":[]', '"components":[1]')).toString('base64');
  const cases: [string, object, RegExp][] = [
    ['changed payload', { ...env, payload: changedPayload }, /does not verify/],
    ['changed payloadType', { ...env, payloadType: 'application/json' }, /does not verify/],
    ['no signature', { ...env, signatures: [] }, /no signature/],
  ];
  for (const [what, e, reason] of cases) {
    const v = await verifyAttestationLayer({ mediaType: DSSE, envelope: enc(JSON.stringify(e)), annotations: {} }, check);
    assert.ok(!v.ok, what);
    assert.match(v.reason, reason, what);
  }
  const statement = Buffer.from(env.payload, 'base64');
  const signedJson = formatEnvelope('application/json', statement, await signer.sign(preAuthEncoding('application/json', statement)));
  const notInToto = await verifyAttestationLayer({ mediaType: DSSE, envelope: signedJson, annotations: {} }, check);
  assert.ok(!notInToto.ok && /payloadType "application\/json" is not application\/vnd\.in-toto\+json/.test(notInToto.reason), 'a signed envelope of another payload type');
  const unknown = await verifyAttestationLayer({ mediaType: 'application/vnd.dev.cosign.simplesigning.v1+json', envelope, annotations: {} }, check);
  assert.ok(!unknown.ok && /unknown layer media type application\/vnd\.dev\.cosign\.simplesigning/.test(unknown.reason));
  const other = await verifyAttestationLayer({ mediaType: DSSE, envelope, annotations: {} }, { ...check, digest: OTHER });
  assert.ok(!other.ok && /subject names sha256:abab.*not the image digest sha256:cdcd/.test(other.reason));
  const wrongKey = await verifyAttestationLayer({ mediaType: DSSE, envelope, annotations: {} }, { ...check, verifiers: [keyPair().verifier] });
  assert.ok(!wrongKey.ok && /does not verify with the public key/.test(wrongKey.reason));
  const tlog = await verifyAttestationLayer({ mediaType: DSSE, envelope, annotations: {} }, { ...check, ignoreTlog: false });
  assert.ok(!tlog.ok && /--insecure-ignore-tlog/.test(tlog.reason));
});

test('envelope: PAE is DSSEv1 SP len SP type SP len SP payload', () => {
  assert.equal(Buffer.from(preAuthEncoding(IN_TOTO_PAYLOAD_TYPE, enc('{}'))).toString(), 'DSSEv1 28 application/vnd.in-toto+json 2 {}');
  // lengths are byte counts, as @sigstore/core's helper (which ocisign no longer loads for this) computes them
  const binary = new Uint8Array([0, 0xff, 0xc3, 0xa9, 10]);
  for (const [type, payload] of [['application/vnd.in-toto+json', enc('{"é":1}')], ['tÿpe ü', binary], ['', new Uint8Array()]] as const) {
    assert.deepEqual(Buffer.from(preAuthEncoding(type, payload)), dsse.preAuthEncoding(type, Buffer.from(payload)));
  }
  const view = new Uint8Array(Buffer.from('xx{}yy')).subarray(2, 4);
  assert.equal(Buffer.from(preAuthEncoding('t', view)).toString(), 'DSSEv1 1 t 2 {}', 'a view into a larger buffer');
  assert.match(new TextDecoder().decode(formatEnvelope('t', enc('x'), enc('s'))), /^\{"payloadType":"t","payload":"eA==","signatures":\[\{"keyid":"","sig":"cw=="\}\]\}$/);
});

// The cosign attest-blob DSSE cases of the shared interop fixtures (the `dsse` suite of test/helpers/interop-cases.ts).
const dsseCases = casesOf('dsse');

if (!INTEROP_PRESENT) {
  test('interop DSSE attestation cases', (t) => t.skip(ABSENT_REASON));
} else {
  test('interop DSSE attestation cases', async (t) => {
    assert.ok(dsseCases.length > 0, 'cases.json has DSSE cases');
    let ran = 0;
    for (const c of dsseCases) {
      await t.test(`${c.name} → ${c.expected}`, async () => {
        const envelope = interopBytes(c.files[0]!);
        const digest = `sha256:${createHash('sha256').update(interopBytes(c.files[1]!)).digest('hex')}`;
        const verifiers = c.trust.publicKeys!.map((k) => KeyVerifier.fromPem(interopText(k), k));
        const verdict = await verifyAttestationLayer({ mediaType: DSSE, envelope, annotations: {} }, { digest, verifiers, ignoreTlog: true });
        // The vectors are SLSA v0.2 statements; a "custom" expectation checks the type filter as cosign does.
        const wantType = c.trust.predicateType?.startsWith('custom') ? predicateTypeUri('custom') : predicateTypeUri('slsaprovenance');
        const valid = verdict.ok && verdict.statement.predicateType === wantType;
        assert.equal(valid ? 'valid' : 'invalid', c.expected, `${c.reason} — got: ${verdict.ok ? verdict.statement.predicateType : verdict.reason}`);
      });
      ran += 1;
    }
    t.diagnostic(ranLine('dsse', ran));
  });
}
