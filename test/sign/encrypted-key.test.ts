import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isOcisignError } from '../../src/core/errors.ts';
import {
  COSIGN_KEY_LABEL,
  SIGSTORE_KEY_LABEL,
  decryptKeyJson,
  decryptPrivateKey,
  encryptKeyJson,
  encryptPrivateKey,
  parseEncryptedKeyJson,
} from '../../src/sign/encrypted-key.ts';
import { decodePem, encodePem } from '../../src/sign/pem.ts';

const plaintext = Buffer.from('a PKCS#8 DER would be here; any bytes round-trip');

let envelope: Promise<Buffer> | undefined;

/** An envelope like cosign's (made once, password 'pw', N=32768) with some fields replaced, PEM-wrapped. */
async function tamperedPem(edit: (doc: Record<string, any>) => void, label = SIGSTORE_KEY_LABEL): Promise<string> {
  envelope ??= encryptKeyJson(plaintext, 'pw', { N: 32768 });
  const doc = JSON.parse((await envelope).toString('utf8'));
  edit(doc);
  return encodePem(label, Buffer.from(JSON.stringify(doc)));
}

async function rejects(promise: Promise<unknown>, pattern: RegExp): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(isOcisignError(err, 'BAD_INPUT'), `want BAD_INPUT, got ${String(err)}`);
    assert.match((err as Error).message, pattern);
    assert.doesNotMatch((err as Error).message, /\n/);
    return true;
  });
}

describe('encrypted key format', () => {
  it('round-trips with the JSON shape, field order and PEM layout cosign writes', async () => {
    const pem = await encryptPrivateKey(plaintext, 'secret');
    const lines = pem.trimEnd().split('\n');
    assert.equal(lines[0], `-----BEGIN ${SIGSTORE_KEY_LABEL}-----`);
    assert.equal(lines.at(-1), `-----END ${SIGSTORE_KEY_LABEL}-----`);
    for (const line of lines.slice(1, -2)) assert.equal(line.length, 64);
    const json = decodePem(pem, 'k').der.toString('utf8');
    assert.match(json, /^\{"kdf":\{"name":"scrypt","params":\{"N":65536,"r":8,"p":1\},"salt":"[A-Za-z0-9+/]{43}="\},"cipher":\{"name":"nacl\/secretbox","nonce":"[A-Za-z0-9+/]{32}"\},"ciphertext":"[A-Za-z0-9+/=]+"\}$/);
    const doc = JSON.parse(json);
    assert.equal(Buffer.from(doc.ciphertext, 'base64').length, plaintext.length + 16, 'tag (16 bytes) + ciphertext');
    assert.deepEqual(await decryptPrivateKey(pem, 'secret', 'k'), plaintext);
  });

  it('round-trips every accepted N, both labels, an empty and a non-ASCII password', async () => {
    for (const N of [32768, 65536, 131072]) {
      const pem = await encryptPrivateKey(plaintext, '', { N });
      assert.deepEqual(await decryptPrivateKey(pem, '', 'k'), plaintext);
    }
    const legacy = await encryptPrivateKey(plaintext, 'pässwörd ✓', { N: 32768, label: COSIGN_KEY_LABEL });
    assert.match(legacy, /^-----BEGIN ENCRYPTED COSIGN PRIVATE KEY-----\n/);
    assert.deepEqual(await decryptPrivateKey(legacy, 'pässwörd ✓', 'k'), plaintext);
    assert.deepEqual(await decryptPrivateKey(legacy, Buffer.from('pässwörd ✓'), 'k'), plaintext);
  });

  it('says plainly when the password is wrong, without echoing it', async () => {
    const pem = await encryptPrivateKey(plaintext, 'right', { N: 32768 });
    await rejects(decryptPrivateKey(pem, 'hunter2', 'my.key'), /^decrypting key my\.key: decryption failed \(wrong password or corrupted key\)$/);
    await rejects(decryptPrivateKey(pem, '', 'my.key'), /wrong password/);
  });

  it('detects a flipped ciphertext bit as a failed decryption', async () => {
    const pem = await tamperedPem((doc) => {
      const ct = Buffer.from(doc.ciphertext, 'base64');
      ct[ct.length - 1]! ^= 1;
      doc.ciphertext = ct.toString('base64');
    });
    await rejects(decryptPrivateKey(pem, 'pw', 'k'), /decryption failed/);
  });

  describe('refuses before running scrypt', () => {
    const cases: [string, (doc: Record<string, any>) => void, RegExp][] = [
      ['N=16384', (d) => (d.kdf.params.N = 16384), /unsupported scrypt parameters N=16384 r=8 p=1/],
      ['N=2^20 (would need 1 GiB)', (d) => (d.kdf.params.N = 1048576), /unsupported scrypt parameters N=1048576/],
      ['r=16', (d) => (d.kdf.params.r = 16), /unsupported scrypt parameters N=32768 r=16 p=1/],
      ['p=2', (d) => (d.kdf.params.p = 2), /unsupported scrypt parameters N=32768 r=8 p=2/],
      ['N as a string', (d) => (d.kdf.params.N = '32768'), /unsupported scrypt parameters/],
      ['another kdf', (d) => (d.kdf.name = 'argon2id'), /unsupported kdf "argon2id"/],
      ['another cipher', (d) => (d.cipher.name = 'aes-256-gcm'), /unsupported cipher "aes-256-gcm"/],
      ['a missing cipher', (d) => delete d.cipher, /unsupported cipher undefined/],
      ['a short nonce', (d) => (d.cipher.nonce = Buffer.alloc(12).toString('base64')), /nonce of 12 bytes/],
      ['bad base64 salt', (d) => (d.kdf.salt = 'not*base64!'), /kdf\.salt of k: invalid base64/],
      ['URL-alphabet ciphertext', (d) => (d.ciphertext = d.ciphertext.replace(/[+/]/g, '-') + '-_=='), /ciphertext of k: invalid base64/],
      ['a ciphertext shorter than its tag', (d) => (d.ciphertext = Buffer.alloc(8).toString('base64')), /shorter than its tag/],
    ];
    for (const [name, edit, pattern] of cases) {
      it(name, async () => {
        const pem = await tamperedPem(edit);
        // parseEncryptedKeyJson is the synchronous check decryptKeyJson runs first: it throws with no scrypt.
        assert.throws(() => parseEncryptedKeyJson(decodePem(pem, 'k').der, 'k'), pattern);
        await rejects(decryptPrivateKey(pem, 'pw', 'k'), pattern);
      });
    }
  });

  it('refuses non-JSON, truncated PEM, a foreign label, no PEM at all and a corrupt PEM body', async () => {
    await rejects(decryptKeyJson(Buffer.from('{"kdf":'), 'pw', 'k'), /^reading encrypted key k: not valid JSON$/);
    const good = await encryptPrivateKey(plaintext, 'pw', { N: 32768 });
    await rejects(decryptPrivateKey(good.slice(0, good.length / 2), 'pw', 'cut.key'), /^reading cut\.key: truncated PEM block/);
    await rejects(decryptPrivateKey(good.replaceAll('ENCRYPTED SIGSTORE PRIVATE KEY', 'PRIVATE KEY'), 'pw', 'k'), /unsupported PEM type "PRIVATE KEY"/);
    await rejects(decryptPrivateKey('just some text\n', 'pw', 'k'), /^reading k: no PEM block found$/);
    const lines = good.split('\n');
    lines[2] = `${lines[2]!.slice(0, 10)}@@${lines[2]!.slice(12)}`;
    await rejects(decryptPrivateKey(lines.join('\n'), 'pw', 'k'), /invalid base64/);
  });
});

// The real cosign / sigstore-rs key files of the shared interop fixtures: test/sign/interop-verify.test.ts.
