// Both directions with the real peers on a real registry (plain HTTP): cosign 2.5 and skopeo 1.18 (a
// sigstoreSigned policy, enforced only by `skopeo copy`) accept ocisign signatures, including a recursively
// signed multi-arch image (skopeo checks every platform manifest); ocisign verifies what cosign and skopeo wrote.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { describeRun } from '../helpers/peers.ts';
import {
  assertPeersAccept, cosignKeyPair, cosignSign, cosignVerify, interopSuite, ocisignSign, ocisignVerify, skopeoAccepts, skopeoSign,
  verifiedPayloads,
} from './context.ts';

const suite = interopSuite('http');
after(() => suite.stop());

test('cosign and skopeo accept an ocisign signature', async (t) => {
  const ctx = await suite.need(t, ['cosign', 'skopeo', 'ocisign']);
  if (!ctx) return;
  const key = await cosignKeyPair(ctx, 'accept');
  const image = await suite.push(ctx, 'accept');
  const unsigned = await skopeoAccepts(ctx, key, image.tagRef);
  assert.notEqual(unsigned.code, 0, 'control: skopeo must reject the image before it is signed');
  const signed = await ocisignSign(ctx, key, image.ref);
  assert.equal(signed.code, 0, describeRun('ocisign sign', signed));
  await assertPeersAccept(ctx, key, image);
});

test('cosign and skopeo accept a recursively signed multi-arch image', async (t) => {
  const ctx = await suite.need(t, ['cosign', 'skopeo', 'ocisign']);
  if (!ctx) return;
  const key = await cosignKeyPair(ctx, 'multi');
  const image = await suite.push(ctx, 'multi', ['linux/amd64', 'linux/arm64']);
  assert.equal(image.children.length, 2);
  const signed = await ocisignSign(ctx, key, image.ref, ['--recursive']);
  assert.equal(signed.code, 0, describeRun('ocisign sign --recursive', signed));
  for (const digest of [image.digest, ...image.children]) {
    const ref = `${image.repository}@${digest}`;
    const byCosign = await cosignVerify(ctx, key, ref);
    assert.equal(byCosign.code, 0, describeRun(`cosign verify ${ref}`, byCosign));
  }
  const bySkopeo = await skopeoAccepts(ctx, key, image.tagRef, ['--multi-arch', 'all']);
  assert.equal(bySkopeo.code, 0, describeRun('skopeo copy --multi-arch all (sigstoreSigned policy)', bySkopeo));
});

test('ocisign verifies a cosign-made signature', async (t) => {
  const ctx = await suite.need(t, ['cosign', 'skopeo', 'ocisign']);
  if (!ctx) return;
  const key = await cosignKeyPair(ctx, 'by-cosign');
  const image = await suite.push(ctx, 'by-cosign');
  const signed = await cosignSign(ctx, key, image.ref);
  assert.equal(signed.code, 0, describeRun('cosign sign', signed));
  const verified = await ocisignVerify(ctx, key, image.ref, ['--output', 'json']);
  assert.equal(verified.code, 0, describeRun('ocisign verify', verified));
  const payloads = verifiedPayloads(verified);
  assert.equal(payloads.length, 1);
  assert.equal(payloads[0]?.critical?.image?.['docker-manifest-digest'], image.digest);
});

test('ocisign verifies skopeo-made signatures, single and multi-arch', async (t) => {
  const ctx = await suite.need(t, ['skopeo', 'ocisign']);
  if (!ctx) return;
  const key = await cosignKeyPair(ctx, 'by-skopeo');
  const single = await suite.push(ctx, 'by-skopeo');
  const signed = await skopeoSign(ctx, key, single.tagRef);
  assert.equal(signed.code, 0, describeRun('skopeo copy --sign-by-sigstore-private-key', signed));
  const verified = await ocisignVerify(ctx, key, single.ref);
  assert.equal(verified.code, 0, describeRun('ocisign verify', verified));

  const multi = await suite.push(ctx, 'by-skopeo-multi', ['linux/amd64', 'linux/arm64']);
  const signedAll = await skopeoSign(ctx, key, multi.tagRef, ['--multi-arch', 'all']);
  assert.equal(signedAll.code, 0, describeRun('skopeo copy --multi-arch all --sign-by-sigstore-private-key', signedAll));
  for (const digest of [multi.digest, ...multi.children]) {
    const ref = `${multi.repository}@${digest}`;
    const byOcisign = await ocisignVerify(ctx, key, ref);
    assert.equal(byOcisign.code, 0, describeRun(`ocisign verify ${ref}`, byOcisign));
  }
});

test('ocisign verify says no matching signature (exit 12) for another key', async (t) => {
  const ctx = await suite.need(t, ['cosign', 'skopeo', 'ocisign']);
  if (!ctx) return;
  const key = await cosignKeyPair(ctx, 'right');
  const other = await cosignKeyPair(ctx, 'wrong');
  const image = await suite.push(ctx, 'wrong-key');
  const signed = await cosignSign(ctx, key, image.ref);
  assert.equal(signed.code, 0, describeRun('cosign sign', signed));
  const verified = await ocisignVerify(ctx, other, image.ref);
  assert.equal(verified.code, 12, describeRun('ocisign verify with another key', verified));
});
