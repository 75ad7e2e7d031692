// A .sig written by three writers in turn — cosign, then ocisign appends, then cosign appends — keeps all three
// layers, and each tool verifies the image with each of the three keys. Real registry (plain HTTP).
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { describeRun } from '../helpers/peers.ts';
import { cosignKeyPair, cosignSign, cosignVerify, interopSuite, ocisignSign, ocisignVerify, readSigManifest } from './context.ts';

const suite = interopSuite('http');
after(() => suite.stop());

test('cosign, ocisign, cosign append to one .sig: three layers kept, every key verifies with both tools', async (t) => {
  const ctx = await suite.need(t, ['cosign', 'skopeo', 'ocisign']);
  if (!ctx) return;
  const [a, b, c] = await Promise.all([cosignKeyPair(ctx, 'mixed-a'), cosignKeyPair(ctx, 'mixed-b'), cosignKeyPair(ctx, 'mixed-c')]);
  const image = await suite.push(ctx, 'mixed');

  const first = await cosignSign(ctx, a!, image.ref);
  assert.equal(first.code, 0, describeRun('cosign sign (a)', first));
  const before = await readSigManifest(ctx, image);
  const second = await ocisignSign(ctx, b!, image.ref);
  assert.equal(second.code, 0, describeRun('ocisign sign (b)', second));
  const middle = await readSigManifest(ctx, image);
  // ocisign keeps cosign's layer byte for byte (same digest, same annotations) and appends its own.
  assert.deepEqual(middle?.layers[0], before?.layers[0]);
  const third = await cosignSign(ctx, c!, image.ref);
  assert.equal(third.code, 0, describeRun('cosign sign (c)', third));

  const sig = await readSigManifest(ctx, image);
  assert.equal(sig?.layers.length, 3, `.sig layers: ${JSON.stringify(sig?.layers.map((l) => l.digest))}`);
  assert.deepEqual(sig?.layers.slice(0, 2), middle?.layers);
  for (const [name, key] of [['a', a!], ['b', b!], ['c', c!]] as const) {
    const byCosign = await cosignVerify(ctx, key, image.ref);
    assert.equal(byCosign.code, 0, describeRun(`cosign verify (${name})`, byCosign));
    const byOcisign = await ocisignVerify(ctx, key, image.ref);
    assert.equal(byOcisign.code, 0, describeRun(`ocisign verify (${name})`, byOcisign));
  }
});
