// The same interop over TLS with a test CA and basic auth: ocisign signs and cosign (--registry-cacert) and
// skopeo (cert dir) accept; cosign signs and ocisign (--registry-cacert) verifies.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { describeRun } from '../helpers/peers.ts';
import { assertPeersAccept, cosignKeyPair, cosignSign, interopSuite, ocisignSign, ocisignVerify } from './context.ts';

const suite = interopSuite('tls-basic');
after(() => suite.stop());

test('tls: ocisign signs; cosign --registry-cacert and skopeo accept', async (t) => {
  const ctx = await suite.need(t, ['cosign', 'skopeo', 'ocisign']);
  if (!ctx) return;
  assert.ok(ctx.cosignFlags.includes('--registry-cacert'), 'the TLS registry gives a CA file');
  const key = await cosignKeyPair(ctx, 'tls-ocisign');
  const image = await suite.push(ctx, 'tls-ocisign');
  const signed = await ocisignSign(ctx, key, image.ref);
  assert.equal(signed.code, 0, describeRun('ocisign sign', signed));
  await assertPeersAccept(ctx, key, image);
});

test('tls: cosign signs; ocisign --registry-cacert verifies', async (t) => {
  const ctx = await suite.need(t, ['cosign', 'skopeo', 'ocisign']);
  if (!ctx) return;
  const key = await cosignKeyPair(ctx, 'tls-cosign');
  const image = await suite.push(ctx, 'tls-cosign');
  const signed = await cosignSign(ctx, key, image.ref);
  assert.equal(signed.code, 0, describeRun('cosign sign', signed));
  const verified = await ocisignVerify(ctx, key, image.ref);
  assert.equal(verified.code, 0, describeRun('ocisign verify', verified));
});
