// 16 signers with 16 different keys race on one digest. cosign's read-append-write loses signatures (a
// measurement, printed, never asserted); ocisign must keep all 16, each verifying with its own key.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { describeRun } from '../helpers/peers.ts';
import { cosignKeyPair, cosignSign, interopSuite, ocisignSign, ocisignVerify, readSigManifest, type Interop, type KeyPair } from './context.ts';

const SIGNERS = 16;
const suite = interopSuite('http');
after(() => suite.stop());

async function keys(ctx: Interop, name: string): Promise<KeyPair[]> {
  return Promise.all(Array.from({ length: SIGNERS }, (_, i) => cosignKeyPair(ctx, `${name}-${i}`)));
}

test(`${SIGNERS} concurrent cosign sign on one digest (measurement)`, async (t) => {
  const ctx = await suite.need(t, ['cosign', 'skopeo']);
  if (!ctx) return;
  const signers = await keys(ctx, 'race-cosign');
  const image = await suite.push(ctx, 'race-cosign');
  const results = await Promise.all(signers.map((key) => cosignSign(ctx, key, image.ref)));
  const exitedZero = results.filter((r) => r.code === 0).length;
  const kept = (await readSigManifest(ctx, image))?.layers.length ?? 0;
  t.diagnostic(`cosign: ${exitedZero}/${SIGNERS} exited 0, ${kept}/${SIGNERS} signatures kept`);
  const failed = results.find((r) => r.code !== 0);
  if (failed) t.diagnostic(`cosign failure, e.g.: ${failed.stderr.trim().split('\n').pop()}`);
  assert.ok(kept >= 1 && kept <= SIGNERS, `kept ${kept}`);
});

test(`${SIGNERS} concurrent ocisign sign on one digest keep ${SIGNERS} layers, each verifying`, async (t) => {
  const ctx = await suite.need(t, ['cosign', 'skopeo', 'ocisign']);
  if (!ctx) return;
  const signers = await keys(ctx, 'race-ocisign');
  const image = await suite.push(ctx, 'race-ocisign');
  const results = await Promise.all(signers.map((key) => ocisignSign(ctx, key, image.ref)));
  const sig = await readSigManifest(ctx, image);
  t.diagnostic(`ocisign: ${results.filter((r) => r.code === 0).length}/${SIGNERS} exited 0, ${sig?.layers.length ?? 0}/${SIGNERS} signatures kept`);
  results.forEach((r, i) => assert.equal(r.code, 0, describeRun(`ocisign sign #${i}`, r)));
  assert.equal(sig?.layers.length, SIGNERS);
  // Every signer signs the same payload (same layer digest); the layers differ by their signature annotation.
  const signatures = sig?.layers.map((l) => l.annotations?.['dev.cosignproject.cosign/signature']);
  assert.equal(new Set(signatures).size, SIGNERS, 'every signature distinct');
  const verified = await Promise.all(signers.map((key) => ocisignVerify(ctx, key, image.ref)));
  verified.forEach((r, i) => assert.equal(r.code, 0, describeRun(`ocisign verify with key #${i}`, r)));
});
