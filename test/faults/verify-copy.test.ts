// `verify` and `copy` through the fault proxy, failing each kind of request in turn (see fault-matrix.ts).
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { faultEnv, ocisign, sign, storedLayers } from './fault-env.ts';
import { MATRIX_TEST, QUICK, runMatrix, storeAttestation, storeSbom, storeSignature, type MatrixCommand } from './fault-matrix.ts';

const getEnv = faultEnv();

const verify: MatrixCommand = {
  name: 'verify',
  async prepare(env, image) {
    await storeSignature(env, image, 'one');
    await storeSignature(env, image, 'two');
  },
  run: (env, image) => ocisign(['verify', '--key', env.key.pub, '--insecure-ignore-tlog', '-o', 'json', ...QUICK, image.viaProxy]),
};

it('verify: each kind of request fails in turn: a pass only with both signatures verified, else exit 4', MATRIX_TEST, async (t) => {
  const env = getEnv();
  if (typeof env === 'string') return t.skip(env);
  await runMatrix(t, env, { ...verify, succeeded: async () => {} }, [
    { request: 'ping', fault: { kind: 'stall-headers' }, count: 1, exit: 0 },
    { request: 'ping', fault: { kind: 'stall-headers' }, exit: 4 },
    { request: 'image HEAD', fault: { kind: 'stall-headers' }, count: 1, exit: 0 },
    { request: 'image HEAD', fault: { kind: 'reset' }, exit: 4 },
    { request: '.sig GET', fault: { kind: 'truncate' }, count: 1, exit: 0 },
    { request: '.sig GET', fault: { kind: 'stall-body' }, exit: 4 },
    { request: '.sig GET', fault: { kind: 'long-content-length' }, exit: 4 },
    { request: 'blob GET', fault: { kind: 'reset-body' }, count: 1, exit: 0 },
    { request: 'blob GET', fault: { kind: 'long-content-length' }, count: 1, exit: 0 },
    { request: 'blob GET', fault: { kind: 'stall-headers' }, exit: 4 },
  ]);
});

it('verify: one 404 for an existing .sig is looked at again before "no signatures" stands, and the signature verifies', async (t) => {
  const env = getEnv();
  if (typeof env === 'string') return t.skip(env);
  const image = await env.image('verify-404');
  assert.equal((await sign(env, image.direct)).code, 0);
  const fault = env.proxy.inject({ match: /^GET \/v2\/faults\/verify-404\/manifests\/sha256-[a-f0-9]+\.sig$/, count: 1, fault: { kind: 'not-found' } });
  const r = await ocisign(['verify', '--key', env.key.pub, '--insecure-ignore-tlog', image.viaProxy]);
  fault.remove();
  assert.equal(r.code, 0, r.stderr);
});

const copy: MatrixCommand = {
  name: 'copy',
  async prepare(env, image) {
    await storeSignature(env, image, 'one');
    await storeAttestation(env, image);
    await storeSbom(env, image);
  },
  run: (env, image, { destination }) => ocisign(['copy', ...QUICK, image.viaProxy, `${env.proxy.host}/faults/${destination}:v1`]),
  async succeeded(env, image, { destination }) {
    const copied = env.repo(destination);
    assert.equal((await copied.resolve(image.digest))?.digest, image.digest);
    for (const kind of ['signature', 'attestation', 'sbom'] as const) {
      assert.deepEqual(await storedLayers(image, kind, copied), await storedLayers(image, kind), `the ${kind}s were copied`);
    }
  },
};

it('copy: each kind of request fails in turn; the source keeps everything, a successful copy has everything', MATRIX_TEST, async (t) => {
  const env = getEnv();
  if (typeof env === 'string') return t.skip(env);
  await runMatrix(t, env, copy, [
    { request: 'image GET', fault: { kind: 'truncate' }, count: 1, exit: 0 },
    { request: '.sig GET', fault: { kind: 'stall-body' }, count: 1, exit: 0 },
    { request: '.att GET', fault: { kind: 'reset' }, exit: 4 },
    { request: 'manifest PUT', fault: { kind: 'status', status: 503 }, inDestination: true, exit: 4 },
    { request: 'upload POST', fault: { kind: 'reset' }, count: 1, inDestination: true, exit: 0 },
    { request: '.sig PUT', fault: { kind: 'stall-headers' }, count: 1, inDestination: true, exit: 0 },
  ]);
});
