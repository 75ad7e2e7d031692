// bin/ocisign starts the scrypt of `sign --key FILE` with $COSIGN_PASSWORD before the CLI loads
// (bin/key-prefetch.js); the key is then loaded as always and uses that run only for the same inputs.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { syncBuiltinESMExports } from 'node:module';
import { join } from 'node:path';
import { describe, it, mock } from 'node:test';
import { pathToFileURL } from 'node:url';
import { ACCEPTED_N, LABELS, keyFlag, startKeyPrefetch } from '../../bin/key-prefetch.js';
import { isOcisignError } from '../../src/core/errors.ts';
import { ACCEPTED_SCRYPT_N, COSIGN_KEY_LABEL, SIGSTORE_KEY_LABEL, decryptPrivateKey, encryptPrivateKey } from '../../src/sign/encrypted-key.ts';
import { generateKeyPair } from '../../src/ops/keys.ts';
import { testLayout } from '../cosign/test-image.ts';
import { runCli } from '../cli/run-cli.ts';

const plaintext = Buffer.from('the PKCS#8 DER would be here');

/** Counts node:crypto scrypt calls made while `fn` runs (the module under test imports scrypt by name). */
async function countingScrypt<T>(fn: () => Promise<T>): Promise<{ result: T; calls: number }> {
  let calls = 0;
  const original = crypto.scrypt;
  const spy = mock.method(crypto, 'scrypt', (...args: Parameters<typeof crypto.scrypt>) => {
    calls++;
    return (original as (...a: unknown[]) => void)(...args);
  });
  syncBuiltinESMExports();
  try {
    return { result: await fn(), calls };
  } finally {
    spy.mock.restore();
    syncBuiltinESMExports();
  }
}

/** A preload for the CLI process: counts scrypt calls, and those made from the key prefetch, printed at exit. */
const COUNT_SCRYPT = `import crypto from 'node:crypto';
import { syncBuiltinESMExports } from 'node:module';
let calls = 0;
let early = 0;
const original = crypto.scrypt;
crypto.scrypt = (...args) => {
  calls++;
  if (/key-prefetch/.test(new Error().stack)) early++;
  return original(...args);
};
syncBuiltinESMExports();
process.on('exit', () => process.stderr.write('scrypt calls: ' + calls + ', started by key-prefetch: ' + early + '\\n'));
`;

describe('key prefetch', () => {
  it('finds the one --key value before --, in both spellings', () => {
    assert.equal(keyFlag(['sign', '--key', 'k.key', 'img']), 'k.key');
    assert.equal(keyFlag(['sign', '--key=k.key', 'img']), 'k.key');
    assert.equal(keyFlag(['sign', 'img']), undefined);
    assert.equal(keyFlag(['sign', '--key', 'a', '--key', 'b', 'img']), undefined, 'two values: yargs decides, nothing is started');
    assert.equal(keyFlag(['sign', '--key']), undefined);
    assert.equal(keyFlag(['sign', '--key', '--yes']), undefined);
    assert.equal(keyFlag(['sign', '--', '--key', 'k.key']), undefined);
  });

  it('reads the key file labels and scrypt costs the key decryption accepts', () => {
    assert.deepEqual([...LABELS].sort(), [SIGSTORE_KEY_LABEL, COSIGN_KEY_LABEL].sort());
    assert.deepEqual(ACCEPTED_N, ACCEPTED_SCRYPT_N);
  });

  it('a decryption with the same password takes the early scrypt run; one with another password runs its own', async (t) => {
    const pem = await encryptPrivateKey(plaintext, 'pw', { N: 32768 });
    const { dir } = await testLayout(t, 'ocisign-prefetch-take-');
    const keyFile = join(dir, 'k.key');
    await writeFile(keyFile, pem);
    /** What bin/ocisign does for `sign --key k.key` with this $COSIGN_PASSWORD. */
    const prefetch = (password: string) => startKeyPrefetch(['sign', '--key', keyFile, 'img'], { COSIGN_PASSWORD: password });
    const same = await countingScrypt(async () => {
      prefetch('pw');
      return decryptPrivateKey(pem, 'pw', 'k');
    });
    assert.deepEqual(same.result, plaintext);
    assert.equal(same.calls, 1);

    const other = await countingScrypt(async () => {
      prefetch('not the password');
      const key = await decryptPrivateKey(pem, 'pw', 'k');
      // the unused early run is not taken by a later decryption with the wrong password either: it fails as always
      await assert.rejects(decryptPrivateKey(pem, 'wrong', 'k'), (err: unknown) => isOcisignError(err, 'BAD_INPUT') && /decryption failed/.test((err as Error).message));
      return key;
    });
    assert.deepEqual(other.result, plaintext);
    assert.equal(other.calls, 3, 'the early run (wrong password), the decryption, the failing decryption');

    const taken = await countingScrypt(async () => {
      prefetch('not the password');
      await assert.rejects(decryptPrivateKey(pem, 'not the password', 'k'), /decryption failed/);
      return decryptPrivateKey(pem, 'pw', 'k');
    });
    assert.equal(taken.calls, 2, 'the early run was taken once, by the decryption with its password');
  });

  it('starts nothing for a public key, a KMS URI, a missing file, or without $COSIGN_PASSWORD', async (t) => {
    const { dir } = await testLayout(t, 'ocisign-prefetch-');
    const keys = await generateKeyPair({ outputKeyPrefix: join(dir, 'k'), password: async () => 'pw', scryptN: 32768 });
    const { calls } = await countingScrypt(async () => {
      startKeyPrefetch(['sign', '--key', keys.publicKeyPath, 'img'], { COSIGN_PASSWORD: 'pw' });
      startKeyPrefetch(['sign', '--key', 'awskms:///alias/x', 'img'], { COSIGN_PASSWORD: 'pw' });
      startKeyPrefetch(['sign', '--key', join(dir, 'missing.key'), 'img'], { COSIGN_PASSWORD: 'pw' });
      startKeyPrefetch(['sign', '--key', keys.privateKeyPath, 'img'], {});
      startKeyPrefetch(['sign', '--key', dir, 'img'], { COSIGN_PASSWORD: 'pw' });
    });
    assert.equal(calls, 0);
  });

  for (const fromSource of [true, false]) {
    it(`bin/ocisign sign --key runs scrypt once, started before the CLI loads; a wrong password fails as before (${fromSource ? 'source' : 'dist bundle'})`, async (t) => {
      if (!fromSource && !existsSync(new URL('../../dist/cli-bundle/main.js', import.meta.url))) return t.skip('dist/ not built (npm run build)');
      const { dir, layout } = await testLayout(t, 'ocisign-prefetch-cli-');
      const keys = await generateKeyPair({ outputKeyPrefix: join(dir, 'k'), password: async () => 'pw', scryptN: 32768 });
      const counter = join(dir, 'count-scrypt.mjs');
      await writeFile(counter, COUNT_SCRYPT);
      const env = { NODE_OPTIONS: `--import=${pathToFileURL(counter).href}`, COSIGN_PASSWORD: 'pw' };
      const ok = await runCli(['sign', '--key', keys.privateKeyPath, '--tlog-upload=false', `oci:${layout}:v1`], { env, fromSource });
      assert.equal(ok.code, 0, ok.stderr);
      assert.match(ok.stderr, /^scrypt calls: 1, started by key-prefetch: 1$/m);

      const bad = await runCli(['sign', '--key', keys.privateKeyPath, '--tlog-upload=false', `oci:${layout}:v1`], { env: { ...env, COSIGN_PASSWORD: 'wrong' }, fromSource });
      assert.equal(bad.code, 3, bad.stderr);
      assert.match(bad.stderr, /^ocisign: .*decryption failed \(wrong password or corrupted key\)$/m);
      assert.match(bad.stderr, /^scrypt calls: 1, started by key-prefetch: 1$/m);
    });
  }
});
