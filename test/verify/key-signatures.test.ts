// Key-signed `.sig` layers through the pipeline (evidence → authenticate → claims): reasons per signature.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildSimpleSigningPayload } from '../../src/cosign/simple-signing.ts';
import type { Verifier } from '../../src/sign/signer.ts';
import { authenticate } from '../../src/verify/authenticate.ts';
import { checkSignatureClaims, type ImageExpectation } from '../../src/verify/claims.ts';
import { evidenceFromSignatureLayer } from '../../src/verify/evidence/from-signature-layer.ts';
import { formatClaimsLikeCosign, type SimpleSigningClaims } from '../../src/verify/simple-signing-claims.ts';
import { testKeyPair } from '../cosign/memory-repository.ts';

const DIGEST = `sha256:${'1'.repeat(64)}`;
const OTHER = `sha256:${'2'.repeat(64)}`;
const SS = 'application/vnd.dev.cosign.simplesigning.v1+json';
const key = testKeyPair();
const enc = (s: string) => new TextEncoder().encode(s);

type Layer = { mediaType: string; payload: Uint8Array; annotations: Record<string, string> };

async function layer(payload: Uint8Array, signWith = key, extra: Record<string, string> = {}): Promise<Layer> {
  const sig = Buffer.from(await signWith.signer.sign(payload)).toString('base64');
  return { mediaType: SS, payload, annotations: { 'dev.cosignproject.cosign/signature': sig, ...extra } };
}

interface Check {
  verifiers?: Verifier[];
  ignoreTlog?: boolean;
  expect?: Partial<ImageExpectation>;
}

async function verify(l: Layer, c: Check = {}): Promise<{ ok: true; value: SimpleSigningClaims } | { ok: false; reason: string }> {
  const e = evidenceFromSignatureLayer(l, { kind: 'input', name: 'layer' });
  if (!e.ok) return e;
  const who = await authenticate(e.value, { keys: c.verifiers ?? [key.verifier], identities: [], ignoreTlog: c.ignoreTlog ?? true, ignoreSct: false });
  if (!who.ok) return who;
  return checkSignatureClaims(e.value, { digest: DIGEST, dockerReference: 'r/a', ...c.expect });
}
const reasonOf = async (v: ReturnType<typeof verify>) => ((await v).ok ? 'ok' : ((await v) as { reason: string }).reason);

test('a good signature verifies and prints like cosign', async () => {
  const v = await verify(await layer(buildSimpleSigningPayload({ dockerReference: 'r.test/app', digest: DIGEST, annotations: { b: '2', a: '<1>' } })));
  assert.ok(v.ok);
  assert.equal(
    formatClaimsLikeCosign(v.value),
    `{"critical":{"identity":{"docker-reference":"r.test/app"},"image":{"docker-manifest-digest":"${DIGEST}"},"type":"cosign container image signature"},"optional":{"a":"\\u003c1\\u003e","b":"2"}}`,
  );
});

test('signature annotation with line breaks (76-column base64) is accepted', async () => {
  const l = await layer(buildSimpleSigningPayload({ dockerReference: 'r/a', digest: DIGEST }));
  const sig = l.annotations['dev.cosignproject.cosign/signature']!;
  l.annotations['dev.cosignproject.cosign/signature'] = sig.replace(/(.{20})/g, '$1\n');
  assert.equal(await reasonOf(verify(l)), 'ok');
});

test('bad inputs give a reason per signature', async () => {
  const good = buildSimpleSigningPayload({ dockerReference: 'r/a', digest: DIGEST });
  const corrupt = await layer(good);
  corrupt.annotations['dev.cosignproject.cosign/signature'] = 'MEU!!not-base64';
  assert.match(await reasonOf(verify(corrupt)), /not valid base64/);
  assert.match(await reasonOf(verify({ mediaType: SS, payload: good, annotations: {} })), /no dev.cosignproject.cosign\/signature/);
  assert.match(await reasonOf(verify(await layer(good, testKeyPair()))), /does not verify with the public key/);
  assert.match(await reasonOf(verify(await layer(buildSimpleSigningPayload({ dockerReference: 'r/a', digest: OTHER })))), new RegExp(`signs ${OTHER}, not the image digest`));
  assert.match(await reasonOf(verify(await layer(enc('{}')))), /no "critical" object/);
  assert.match(await reasonOf(verify(await layer(enc('&')))), /not usable JSON/);
  assert.match(await reasonOf(verify(await layer(enc('[1]')))), /not a JSON object/);
  const wrongType = enc(`{"critical":{"identity":{"docker-reference":"r/a"},"image":{"docker-manifest-digest":"${DIGEST}"},"type":"something else"},"optional":null}`);
  assert.match(await reasonOf(verify(await layer(wrongType))), /payload type "something else"/);
  const text = await layer(enc('hello'));
  text.mediaType = 'text/plain';
  assert.match(await reasonOf(verify(text)), /not a simple-signing signature/);
  const tampered = await layer(good);
  tampered.payload = buildSimpleSigningPayload({ dockerReference: 'evil/a', digest: DIGEST });
  assert.match(await reasonOf(verify(tampered)), /does not verify/);
});

test('a payload nesting deeper than the limit is a reason, not a crash', async () => {
  const deep = enc(`{"critical":{"identity":{"docker-reference":"r/a"},"image":{"docker-manifest-digest":"${DIGEST}"},"type":"cosign container image signature"},"optional":${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}}`);
  assert.match(await reasonOf(verify(await layer(deep))), /nests deeper than 1000 levels/);
});

test('extra fields in the payload are accepted, as cosign does', async () => {
  const extra = enc(`{"critical":{"identity":{"docker-reference":"r/a","x":1},"image":{"docker-manifest-digest":"${DIGEST}"},"type":"cosign container image signature","extra":true},"optional":{"creator":"skopeo","timestamp":1657296609},"more":[]}`);
  const v = await verify(await layer(extra));
  assert.ok(v.ok);
  assert.match(formatClaimsLikeCosign(v.value), /"optional":\{"creator":"skopeo","timestamp":1657296609\}\}$/);
});

test('-a annotations must match as strings; docker-reference only when asked', async () => {
  const l = await layer(buildSimpleSigningPayload({ dockerReference: 'r/a', digest: DIGEST, annotations: { env: 'prod' } }));
  assert.equal(await reasonOf(verify(l, { expect: { annotations: { env: 'prod' } } })), 'ok');
  assert.match(await reasonOf(verify(l, { expect: { annotations: { env: 'dev' } } })), /annotation env=dev not found .*"prod"/);
  assert.match(await reasonOf(verify(l, { expect: { annotations: { team: 'x' } } })), /missing/);
  assert.equal(await reasonOf(verify(l, { expect: { dockerReference: 'r/a', checkDockerReference: true } })), 'ok');
  assert.match(await reasonOf(verify(l, { expect: { dockerReference: 'r/b', checkDockerReference: true } })), /docker-reference "r\/a" is not "r\/b"/);
});

test('without --insecure-ignore-tlog a signature needs a (verifiable) log entry', async () => {
  const l = await layer(buildSimpleSigningPayload({ dockerReference: 'r/a', digest: DIGEST }));
  assert.match(await reasonOf(verify(l, { ignoreTlog: false })), /no transparency log entry.*--insecure-ignore-tlog/);
  const withBundle = await layer(buildSimpleSigningPayload({ dockerReference: 'r/a', digest: DIGEST }), key, { 'dev.sigstore.cosign/bundle': '{}' });
  assert.match(await reasonOf(verify(withBundle, { ignoreTlog: false })), /rekor bundle has no SignedEntryTimestamp/);
});

test('any one of several keys is enough', async () => {
  const l = await layer(buildSimpleSigningPayload({ dockerReference: 'r/a', digest: DIGEST }));
  assert.equal(await reasonOf(verify(l, { verifiers: [testKeyPair().verifier, key.verifier] })), 'ok');
  assert.match(await reasonOf(verify(l, { verifiers: [testKeyPair().verifier, testKeyPair().verifier] })), /any of the 2 public keys/);
});
