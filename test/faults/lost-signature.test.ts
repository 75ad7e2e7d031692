// A registry that answers 404 for a .sig/.att tag that exists (eventually consistent, replicated or cache-fronted
// registries do) must not make sign/attest write a set holding only the new layer.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { assertCleanFailure, assertKept, attest, faultEnv, sign, storedLayers } from './fault-env.ts';

const getEnv = faultEnv();

/** GET (or HEAD, with `method`) of the image's attachment tag. */
function tagRequest(digest: string, suffix: 'sig' | 'att', method = 'GET'): RegExp {
  return new RegExp(`^${method} /v2/faults/[^/]+/manifests/${digest.replace(':', '-')}\\.${suffix}$`);
}

describe('a spurious 404 for an existing attachment tag', () => {
  it('sign: one 404 on the .sig GET, the earlier signatures are kept', async (t) => {
    const env = getEnv();
    if (typeof env === 'string') return t.skip(env);
    const image = await env.image('lost-sig');
    for (const n of ['1', '2']) assert.equal((await sign(env, image.direct, '-a', `n=${n}`)).code, 0);
    const before = await storedLayers(image, 'signature');
    assert.equal(before.length, 2);
    const fault = env.proxy.inject({ match: tagRequest(image.digest, 'sig'), count: 1, fault: { kind: 'not-found' } });
    const r = await sign(env, image.viaProxy, '-a', 'n=3');
    assert.equal(fault.hits, 1, 'the fault was hit');
    assert.equal(r.code, 0, r.stderr);
    const now = await assertKept(image, 'signature', before, 'after one 404');
    assert.equal(now.length, 3);
  });

  it('attest: one 404 on the .att GET, the earlier attestations are kept', async (t) => {
    const env = getEnv();
    if (typeof env === 'string') return t.skip(env);
    const image = await env.image('lost-att');
    for (let i = 0; i < 2; i++) assert.equal((await attest(env, image.direct)).code, 0);
    const before = await storedLayers(image, 'attestation');
    assert.equal(before.length, 2);
    env.proxy.inject({ match: tagRequest(image.digest, 'att'), count: 1, fault: { kind: 'not-found' } });
    const r = await attest(env, image.viaProxy);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await assertKept(image, 'attestation', before, 'after one 404')).length, 3);
  });

  it('sign: GET and HEAD keep answering 404 but the tag list names the tag: exit 4, nothing written', async (t) => {
    const env = getEnv();
    if (typeof env === 'string') return t.skip(env);
    const image = await env.image('unreadable-sig');
    assert.equal((await sign(env, image.direct)).code, 0);
    const before = await storedLayers(image, 'signature');
    env.proxy.inject({ match: tagRequest(image.digest, 'sig'), fault: { kind: 'not-found' } });
    env.proxy.inject({ match: tagRequest(image.digest, 'sig', 'HEAD'), fault: { kind: 'not-found' } });
    try {
      const r = await sign(env, image.viaProxy, '-a', 'n=2');
      assert.equal(r.code, 4, r.stderr);
      assertCleanFailure(r, env.proxy.host, 'unreadable .sig');
      assert.match(r.stderr, /exists .*cannot be read|cannot be read/);
    } finally {
      env.proxy.clearFaults();
    }
    assert.deepEqual(await storedLayers(image, 'signature'), before, 'nothing written');
  });

  it('sign: the tag exists (HEAD) but every GET answers 404: exit 4, nothing written', async (t) => {
    const env = getEnv();
    if (typeof env === 'string') return t.skip(env);
    const image = await env.image('head-only-sig');
    assert.equal((await sign(env, image.direct)).code, 0);
    const before = await storedLayers(image, 'signature');
    env.proxy.inject({ match: new RegExp(`^GET /v2/faults/head-only-sig/manifests/`), fault: { kind: 'not-found' } });
    try {
      const r = await sign(env, image.viaProxy, '-a', 'n=2');
      assert.equal(r.code, 4, r.stderr);
      assertCleanFailure(r, env.proxy.host, 'GET 404 for an existing .sig');
    } finally {
      env.proxy.clearFaults();
    }
    assert.deepEqual(await storedLayers(image, 'signature'), before, 'nothing written');
  });
});
