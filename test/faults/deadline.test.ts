// The deadlines through bin/ocisign: --timeout (the whole command, cosign's flag) and --request-timeout (each
// answer) end a stalled registry with exit 4 and one line naming the host and what was being read.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { startDeadline } from '../../src/cli/context.ts';
import { assertCleanFailure, faultEnv, ocisign, storedLayers } from './fault-env.ts';
import { storeSignature } from './fault-matrix.ts';

const getEnv = faultEnv();

it('--timeout: a registry that stops answering ends at the deadline, naming what was being read', async (t) => {
  const env = getEnv();
  if (typeof env === 'string') return t.skip(env);
  const image = await env.image('deadline');
  await storeSignature(env, image, '1');
  const sig = `${image.digest.replace(':', '-')}.sig`;
  const stall = env.proxy.inject({ match: new RegExp(`^GET /v2/faults/deadline/manifests/${sig}$`), fault: { kind: 'stall-headers' } });
  try {
    const r = await ocisign(['verify', '--key', env.key.pub, '--insecure-ignore-tlog', '--timeout', '2s', image.viaProxy]);
    assert.equal(r.code, 4, r.stderr);
    assertCleanFailure(r, env.proxy.host, '--timeout 2s');
    assert.match(r.stderr, new RegExp(`ocisign: .*${env.proxy.host}/faults/deadline:${sig}: the command's deadline of 2s \\(--timeout\\) passed\\n`));
    const signed = await ocisign(['sign', '--key', env.key.key, '--new-bundle-format=false', '--tlog-upload=false', '-a', 'n=2', '--timeout', '2s', image.viaProxy]);
    assert.equal(signed.code, 4, signed.stderr);
    assertCleanFailure(signed, env.proxy.host, 'sign --timeout 2s');
  } finally {
    stall.remove();
  }
  assert.equal((await storedLayers(image, 'signature')).length, 1, 'the signature is still there');
});

it('--request-timeout: a stall before the headers is retried, then exit 4 "no response headers within"', async (t) => {
  const env = getEnv();
  if (typeof env === 'string') return t.skip(env);
  const image = await env.image('request-timeout');
  const stall = env.proxy.inject({ match: /^HEAD \/v2\/faults\/request-timeout\/manifests\/sha256:/, fault: { kind: 'stall-headers' } });
  try {
    const r = await ocisign(['verify', '--key', env.key.pub, '--insecure-ignore-tlog', '--request-timeout', '1s', image.viaProxy]);
    assert.equal(r.code, 4, r.stderr);
    assertCleanFailure(r, env.proxy.host, '--request-timeout 1s');
    assert.match(r.stderr, new RegExp(`${image.digest}: no response headers from ${env.proxy.host} within 1 s\\n`));
    assert.ok(stall.hits >= 2, `retried (${stall.hits} tries)`);
  } finally {
    stall.remove();
  }
});

it('a malformed --timeout or --request-timeout is a usage error (exit 2)', async () => {
  for (const flag of ['--timeout', '--request-timeout']) {
    const r = await ocisign(['digest', flag, '3 minutes', '127.0.0.1:1/x/y:v1']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, new RegExp(`^ocisign: invalid duration for ${flag}: "3 minutes" \\(examples: 30s, 2m, 1m30s\\)\\n`));
  }
});

it('after the deadline, a command still stuck elsewhere exits 4 with the deadline message (when it works on images)', async () => {
  const lines: string[] = [];
  let exited: number | undefined;
  const deadline = startDeadline('50ms', { stderr: (l) => void lines.push(l) }, { exit: (code) => void (exited = code), graceMs: 50 });
  deadline.arm();
  await new Promise<void>((resolve) => deadline.signal.addEventListener('abort', () => resolve()));
  await new Promise((resolve) => setTimeout(resolve, 200));
  assert.equal(exited, 4);
  assert.deepEqual(lines, ["ocisign: the command's deadline of 50ms (--timeout) passed"]);
  // not armed (a key command at a password prompt): the signal aborts, nothing exits
  let quiet: number | undefined;
  const prompt = startDeadline('50ms', { stderr: () => {} }, { exit: (code) => void (quiet = code), graceMs: 50 });
  await new Promise((resolve) => setTimeout(resolve, 250));
  assert.equal(prompt.signal.aborted, true);
  assert.equal(quiet, undefined);
  // finished in time: nothing fires
  const done = startDeadline('50ms', { stderr: () => {} }, { exit: (code) => void (quiet = code), graceMs: 50 });
  done.arm();
  done.cancel();
  await new Promise((resolve) => setTimeout(resolve, 250));
  assert.equal(done.signal.aborted, false);
  assert.equal(quiet, undefined);
});
