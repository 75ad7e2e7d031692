// Keys cross over: ocisign signs with a cosign-made key and cosign with an ocisign-made key (no transparency
// log), and each signature verifies with both tools. Real registry (plain HTTP), real cosign 2.5.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { describeRun } from '../helpers/peers.ts';
import { cosignKeyPair, cosignSign, cosignVerify, interopSuite, ocisignKeyPair, ocisignSign, ocisignVerify, verifiedPayloads } from './context.ts';

const suite = interopSuite('http');
after(() => suite.stop());

test('ocisign signs with a cosign-made key; cosign and ocisign verify it', async (t) => {
  const ctx = await suite.need(t, ['cosign', 'skopeo', 'ocisign']);
  if (!ctx) return;
  const key = await cosignKeyPair(ctx, 'cosign-made');
  const image = await suite.push(ctx, 'cosign-key');
  const signed = await ocisignSign(ctx, key, image.ref);
  assert.equal(signed.code, 0, describeRun('ocisign sign', signed));
  const byCosign = await cosignVerify(ctx, key, image.ref);
  assert.equal(byCosign.code, 0, describeRun('cosign verify', byCosign));
  assert.equal(verifiedPayloads(byCosign)[0]?.critical?.image?.['docker-manifest-digest'], image.digest);
  const byOcisign = await ocisignVerify(ctx, key, image.ref);
  assert.equal(byOcisign.code, 0, describeRun('ocisign verify', byOcisign));
});

test('cosign signs with an ocisign-made key; ocisign and cosign verify it', async (t) => {
  const ctx = await suite.need(t, ['cosign', 'skopeo', 'ocisign']);
  if (!ctx) return;
  const key = await ocisignKeyPair(ctx, 'ocisign-made');
  const image = await suite.push(ctx, 'ocisign-key');
  const signed = await cosignSign(ctx, key, image.ref);
  assert.equal(signed.code, 0, describeRun('cosign sign', signed));
  const byOcisign = await ocisignVerify(ctx, key, image.ref);
  assert.equal(byOcisign.code, 0, describeRun('ocisign verify', byOcisign));
  assert.equal(verifiedPayloads(byOcisign)[0]?.critical?.image?.['docker-manifest-digest'], image.digest);
  const byCosign = await cosignVerify(ctx, key, image.ref);
  assert.equal(byCosign.code, 0, describeRun('cosign verify', byCosign));
});
