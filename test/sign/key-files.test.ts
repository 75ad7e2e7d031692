// ops/keys.ts on a real temp directory: file modes, atomic no-clobber writes, import, public-key.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isOcisignError } from '../../src/core/errors.ts';
import { generateKeyPair, importKeyPair, publicKeyFromFile, writeFileAtomic } from '../../src/ops/keys.ts';
import { KeySigner, KeyVerifier } from '../../src/sign/key-signer.ts';
import { loadPrivateKey, publicKeyFingerprint } from '../../src/sign/keys.ts';
import { decodePem } from '../../src/sign/pem.ts';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ocisign-keys-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const pw = (value: string) => async () => value;
const mode = async (path: string) => (await stat(path)).mode & 0o777;

describe('generateKeyPair', () => {
  it('writes <prefix>.key (0600, N=65536, SIGSTORE label) and <prefix>.pub (0644) that belong together', async () => {
    const prefix = join(dir, 'cosign');
    const files = await generateKeyPair({ outputKeyPrefix: prefix, password: pw('pw') });
    assert.equal(files.privateKeyPath, `${prefix}.key`);
    assert.equal(await mode(files.privateKeyPath), 0o600);
    assert.equal(await mode(files.publicKeyPath), 0o644);
    assert.equal(files.key.algorithm, 'ecdsa-p256');
    const keyText = await readFile(files.privateKeyPath, 'utf8');
    const block = decodePem(keyText, 'k');
    assert.equal(block.label, 'ENCRYPTED SIGSTORE PRIVATE KEY');
    assert.equal(JSON.parse(block.der.toString()).kdf.params.N, 65536);
    const signer = new KeySigner(await loadPrivateKey(keyText, 'pw', 'k'));
    const verifier = KeyVerifier.fromPem(await readFile(files.publicKeyPath, 'utf8'), 'p');
    assert.equal(verifier.verify(Buffer.from('x'), await signer.sign(Buffer.from('x'))), true);
    assert.equal((await readdir(dir)).filter((f) => f.endsWith('.tmp')).length, 0, 'no temp files left');
  });

  it('refuses to overwrite either file without overwrite, before asking for a password', async () => {
    const prefix = join(dir, 'existing');
    await writeFile(`${prefix}.pub`, 'keep me');
    let asked = false;
    await assert.rejects(
      generateKeyPair({ outputKeyPrefix: prefix, password: async () => ((asked = true), 'pw') }),
      (err: unknown) => isOcisignError(err, 'USAGE') && /existing\.pub: file exists \(pass --yes to overwrite it\)/.test((err as Error).message),
    );
    assert.equal(asked, false);
    assert.equal(await readFile(`${prefix}.pub`, 'utf8'), 'keep me');
    await assert.rejects(stat(`${prefix}.key`), 'nothing written');
  });

  it('overwrites with overwrite: true, keeping mode 0600 even over a 0644 file', async () => {
    const prefix = join(dir, 'again');
    await writeFile(`${prefix}.key`, 'old', { mode: 0o644 });
    await generateKeyPair({ outputKeyPrefix: prefix, password: pw(''), overwrite: true });
    assert.equal(await mode(`${prefix}.key`), 0o600);
    assert.match(await readFile(`${prefix}.key`, 'utf8'), /^-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----/);
  });

  it('writeFileAtomic without overwrite loses the race cleanly (EEXIST → file exists)', async () => {
    const path = join(dir, 'race.txt');
    await writeFile(path, 'first');
    await assert.rejects(writeFileAtomic(path, 'second', 0o600, false), /file exists/);
    assert.equal(await readFile(path, 'utf8'), 'first');
  });

  it('a missing output directory is an I/O error naming the file', async () => {
    await assert.rejects(generateKeyPair({ outputKeyPrefix: join(dir, 'no/such/dir/k'), password: pw('') }), (err: unknown) =>
      isOcisignError(err, 'IO') && (err as Error).message.includes('no/such/dir/k.key'),
    );
  });
});

describe('importKeyPair and publicKeyFromFile', () => {
  it('imports PKCS#1 RSA and the written key has the same public key; public-key reproduces cosign.pub', async () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const input = join(dir, 'rsa.pem');
    await writeFile(input, rsa.privateKey.export({ format: 'pem', type: 'pkcs1' }) as string);
    const prefix = join(dir, 'import-cosign');
    const files = await importKeyPair({ keyPath: input, outputKeyPrefix: prefix, password: pw('pw') });
    assert.equal(files.key.algorithm, 'rsa');
    const loaded = await loadPrivateKey(await readFile(files.privateKeyPath, 'utf8'), 'pw', 'k');
    assert.equal(publicKeyFingerprint(loaded), publicKeyFingerprint(rsa.publicKey));
    assert.equal(await publicKeyFromFile(files.privateKeyPath, pw('pw')), await readFile(files.publicKeyPath, 'utf8'));
  });

  it('public-key of a public key PEM does not ask for a password', async () => {
    const pub = join(dir, 'import-cosign.pub');
    const text = await publicKeyFromFile(pub, async () => assert.fail('no password needed'));
    assert.equal(text, await readFile(pub, 'utf8'));
  });

  it('a wrong password or a missing file is a clear bad-input error', async () => {
    await assert.rejects(publicKeyFromFile(join(dir, 'import-cosign.key'), pw('nope')), /decryption failed \(wrong password/);
    await assert.rejects(publicKeyFromFile(join(dir, 'absent.key'), pw('')), (err: unknown) =>
      isOcisignError(err, 'BAD_INPUT') && /^reading .*absent\.key: .*no such file/i.test((err as Error).message),
    );
  });
});
