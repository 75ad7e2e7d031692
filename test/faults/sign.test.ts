// `sign` through the fault proxy, failing each kind of request in turn (see fault-matrix.ts for what is checked).
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { faultEnv, ocisign, storedLayers } from './fault-env.ts';
import { MATRIX_TEST, QUICK, runMatrix, storeAttestation, storeSignature, type FaultCase, type MatrixCommand } from './fault-matrix.ts';

const getEnv = faultEnv();

const sign: MatrixCommand = {
  name: 'sign',
  async prepare(env, image) {
    await storeSignature(env, image, 'earlier');
    await storeAttestation(env, image);
  },
  run: (env, image, { id }) => ocisign(['sign', '--key', env.key.key, '--new-bundle-format=false', '--tlog-upload=false', '-a', `n=${id}`, ...QUICK, image.viaProxy]),
  async succeeded(_env, image, _run, before) {
    assert.equal((await storedLayers(image, 'signature')).length, before.sig.length + 1, 'the new signature was added');
  },
};

const cases: FaultCase[] = [
  { request: 'ping', fault: { kind: 'reset' }, count: 1, exit: 'either' },
  { request: 'ping', fault: { kind: 'stall-headers' }, exit: 4 },
  { request: 'image HEAD', fault: { kind: 'stall-headers' }, count: 1, exit: 0 },
  { request: 'image HEAD', fault: { kind: 'status', status: 503 }, exit: 4 },
  { request: '.sig GET', fault: { kind: 'not-found' }, count: 1, exit: 0 },
  { request: '.sig GET', fault: { kind: 'not-found' }, exit: 0 }, // read by the digest HEAD answers
  { request: '.sig GET', fault: { kind: 'truncate' }, count: 1, exit: 0 },
  { request: '.sig GET', fault: { kind: 'truncate' }, exit: 4 },
  { request: '.sig GET', fault: { kind: 'long-content-length' }, count: 1, exit: 0 },
  { request: '.sig GET', fault: { kind: 'reset-body' }, exit: 4 },
  { request: '.sig GET', fault: { kind: 'stall-body' }, count: 1, exit: 0 },
  { request: '.sig GET', fault: { kind: 'stall-headers' }, exit: 4 },
  { request: '.sig GET', fault: { kind: 'not-found' }, skip: 1, count: 1, exit: 0 },
  { request: '.sig GET', fault: { kind: 'truncate' }, skip: 1, exit: 4 },
  { request: 'blob HEAD', fault: { kind: 'reset' }, exit: 4 },
  { request: 'upload POST', fault: { kind: 'status', status: 503 }, exit: 4 },
  { request: 'upload PUT', fault: { kind: 'stall-headers' }, count: 1, exit: 0 },
  { request: '.sig PUT', fault: { kind: 'reset' }, count: 1, exit: 0 },
  { request: '.sig PUT', fault: { kind: 'status', status: 500 }, exit: 4 },
];

it('sign: each kind of request fails in turn; earlier signatures and attestations survive', MATRIX_TEST, async (t) => {
  const env = getEnv();
  if (typeof env === 'string') return t.skip(env);
  await runMatrix(t, env, sign, cases);
});

it('sign for the first time: the absence of the .sig is confirmed (HEAD, tag list) and their faults end cleanly', MATRIX_TEST, async (t) => {
  const env = getEnv();
  if (typeof env === 'string') return t.skip(env);
  const first: MatrixCommand = { ...sign, name: 'first', imagePerCase: true, prepare: storeAttestation };
  await runMatrix(t, env, first, [
    { request: '.sig HEAD', fault: { kind: 'stall-headers' }, count: 1, exit: 0 },
    { request: '.sig HEAD', fault: { kind: 'reset' }, exit: 4 },
    { request: 'tag list', fault: { kind: 'truncate' }, count: 1, exit: 0 },
    { request: 'tag list', fault: { kind: 'status', status: 503 }, exit: 4 },
  ]);
});
