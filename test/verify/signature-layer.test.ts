import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildSimpleSigningPayload } from '../../src/cosign/simple-signing.ts';
import { verifySignatureLayer, type SignatureCheck } from '../../src/verify/signature-layer.ts';
import { ignoreTlog, requireTlogUnsupported } from '../../src/verify/tlog-check.ts';
import { formatClaimsLikeCosign } from '../../src/verify/simple-signing-claims.ts';
import { testKeyPair } from '../cosign/memory-repository.ts';

const DIGEST = `sha256:${'1'.repeat(64)}`;
const OTHER = `sha256:${'2'.repeat(64)}`;
const SS = 'application/vnd.dev.cosign.simplesigning.v1+json';
const key = testKeyPair();
const enc = (s: string) => new TextEncoder().encode(s);

async function layer(payload: Uint8Array, signWith = key, extra: Record<string, string> = {}) {
  const sig = Buffer.from(await signWith.signer.sign(payload)).toString('base64');
  return { mediaType: SS, payload, annotations: { 'dev.cosignproject.cosign/signature': sig, ...extra } };
}
const check = (over: Partial<SignatureCheck> = {}): SignatureCheck => ({ digest: DIGEST, verifiers: [key.verifier], tlog: ignoreTlog, ...over });
const reasonOf = (v: ReturnType<typeof verifySignatureLayer>) => (v.ok ? 'ok' : v.reason);

test('a good signature verifies and prints like cosign', async () => {
  const v = verifySignatureLayer(await layer(buildSimpleSigningPayload({ dockerReference: 'r.test/app', digest: DIGEST, annotations: { b: '2', a: '<1>' } })), check());
  assert.ok(v.ok);
  assert.equal(
    formatClaimsLikeCosign(v.claims),
    `{"critical":{"identity":{"docker-reference":"r.test/app"},"image":{"docker-manifest-digest":"${DIGEST}"},"type":"cosign container image signature"},"optional":{"a":"\\u003c1\\u003e","b":"2"}}`,
  );
});

test('signature annotation with line breaks (76-column base64) is accepted', async () => {
  const l = await layer(buildSimpleSigningPayload({ dockerReference: 'r/a', digest: DIGEST }));
  const sig = l.annotations['dev.cosignproject.cosign/signature'];
  l.annotations['dev.cosignproject.cosign/signature'] = sig.replace(/(.{20})/g, '$1\n');
  assert.equal(reasonOf(verifySignatureLayer(l, check())), 'ok');
});

test('bad inputs give a reason per signature', async () => {
  const good = buildSimpleSigningPayload({ dockerReference: 'r/a', digest: DIGEST });
  const corrupt = await layer(good);
  corrupt.annotations['dev.cosignproject.cosign/signature'] = 'MEU!!not-base64';
  assert.match(reasonOf(verifySignatureLayer(corrupt, check())), /not valid base64/);

  const missing = { mediaType: SS, payload: good, annotations: {} };
  assert.match(reasonOf(verifySignatureLayer(missing, check())), /no dev.cosignproject.cosign\/signature/);

  assert.match(reasonOf(verifySignatureLayer(await layer(good, testKeyPair()), check())), /does not verify with the public key/);

  const other = await layer(buildSimpleSigningPayload({ dockerReference: 'r/a', digest: OTHER }));
  assert.match(reasonOf(verifySignatureLayer(other, check())), new RegExp(`signs ${OTHER}, not the image digest`));

  assert.match(reasonOf(verifySignatureLayer(await layer(enc('{}')), check())), /no "critical" object/);
  assert.match(reasonOf(verifySignatureLayer(await layer(enc('&')), check())), /not JSON/);
  assert.match(reasonOf(verifySignatureLayer(await layer(enc('[1]')), check())), /not a JSON object/);

  const wrongType = enc(`{"critical":{"identity":{"docker-reference":"r/a"},"image":{"docker-manifest-digest":"${DIGEST}"},"type":"something else"},"optional":null}`);
  assert.match(reasonOf(verifySignatureLayer(await layer(wrongType), check())), /payload type "something else"/);

  const text = await layer(enc('hello'));
  text.mediaType = 'text/plain';
  assert.match(reasonOf(verifySignatureLayer(text, check())), /not a simple-signing signature/);

  const tampered = await layer(good);
  tampered.payload = buildSimpleSigningPayload({ dockerReference: 'evil/a', digest: DIGEST });
  assert.match(reasonOf(verifySignatureLayer(tampered, check())), /does not verify/);
});

test('extra fields in the payload are accepted, as cosign does', async () => {
  const extra = enc(`{"critical":{"identity":{"docker-reference":"r/a","x":1},"image":{"docker-manifest-digest":"${DIGEST}"},"type":"cosign container image signature","extra":true},"optional":{"creator":"skopeo","timestamp":1657296609},"more":[]}`);
  const v = verifySignatureLayer(await layer(extra), check());
  assert.ok(v.ok);
  assert.match(formatClaimsLikeCosign(v.claims), /"optional":\{"creator":"skopeo","timestamp":1657296609\}\}$/);
});

test('-a annotations must match as strings; docker-reference only when asked', async () => {
  const l = await layer(buildSimpleSigningPayload({ dockerReference: 'r/a', digest: DIGEST, annotations: { env: 'prod' } }));
  assert.equal(reasonOf(verifySignatureLayer(l, check({ annotations: { env: 'prod' } }))), 'ok');
  assert.match(reasonOf(verifySignatureLayer(l, check({ annotations: { env: 'dev' } }))), /annotation env=dev not found .*"prod"/);
  assert.match(reasonOf(verifySignatureLayer(l, check({ annotations: { team: 'x' } }))), /missing/);
  assert.equal(reasonOf(verifySignatureLayer(l, check({ dockerReference: 'r/a' }))), 'ok');
  assert.match(reasonOf(verifySignatureLayer(l, check({ dockerReference: 'r/b' }))), /docker-reference "r\/a" is not "r\/b"/);
});

test('without --insecure-ignore-tlog a signature needs a (verifiable) log entry', async () => {
  const l = await layer(buildSimpleSigningPayload({ dockerReference: 'r/a', digest: DIGEST }));
  assert.match(reasonOf(verifySignatureLayer(l, check({ tlog: requireTlogUnsupported }))), /no transparency log entry.*--insecure-ignore-tlog/);
  const withBundle = await layer(buildSimpleSigningPayload({ dockerReference: 'r/a', digest: DIGEST }), key, { 'dev.sigstore.cosign/bundle': '{}' });
  assert.match(reasonOf(verifySignatureLayer(withBundle, check({ tlog: requireTlogUnsupported }))), /not supported yet/);
});

test('any one of several keys is enough', async () => {
  const l = await layer(buildSimpleSigningPayload({ dockerReference: 'r/a', digest: DIGEST }));
  assert.equal(reasonOf(verifySignatureLayer(l, check({ verifiers: [testKeyPair().verifier, key.verifier] }))), 'ok');
  assert.match(reasonOf(verifySignatureLayer(l, check({ verifiers: [testKeyPair().verifier, testKeyPair().verifier] }))), /any of the 2 public keys/);
});
