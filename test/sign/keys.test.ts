import assert from 'node:assert/strict';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { describe, it } from 'node:test';
import { isOcisignError } from '../../src/core/errors.ts';
import { encryptPrivateKey } from '../../src/sign/encrypted-key.ts';
import { KeySigner, KeyVerifier } from '../../src/sign/key-signer.ts';
import {
  describeKey,
  encryptKeyObject,
  exportPkcs8,
  generatePrivateKey,
  loadPrivateKey,
  parsePublicKey,
  parseUnencryptedPrivateKey,
  publicKeyFingerprint,
  publicKeyPem,
  type GenerateAlgorithm,
} from '../../src/sign/keys.ts';
import { decodePem, encodePem } from '../../src/sign/pem.ts';

const payload = Buffer.from('{"critical":{"identity":{"docker-reference":"r/x"},"image":{"docker-manifest-digest":"sha256:00"},"type":"cosign container image signature"},"optional":null}');

function badInput(pattern: RegExp) {
  return (err: unknown): boolean => {
    assert.ok(isOcisignError(err, 'BAD_INPUT'), `want BAD_INPUT, got ${String(err)}`);
    assert.match((err as Error).message, pattern);
    return true;
  };
}

const ALGORITHMS: GenerateAlgorithm[] = ['ecdsa-p256', 'ecdsa-p384', 'ecdsa-p521', 'rsa-2048', 'ed25519'];

describe('key round trips', () => {
  for (const algorithm of ALGORITHMS) {
    it(`${algorithm}: generate → encrypt → load → sign → verify with the PEM public key`, async () => {
      const key = generatePrivateKey(algorithm);
      const pem = await encryptKeyObject(key, 'pw', { N: 32768 });
      const loaded = await loadPrivateKey(pem, 'pw', 'k');
      assert.equal(publicKeyFingerprint(loaded), publicKeyFingerprint(key));
      const signer = new KeySigner(loaded);
      const signature = await signer.sign(payload);
      const verifier = KeyVerifier.fromPem(publicKeyPem(key), 'k.pub');
      assert.equal(verifier.verify(payload, signature), true);
      assert.equal(verifier.verify(Buffer.concat([payload, Buffer.from(' ')]), signature), false, 'other bytes');
      const other = KeyVerifier.fromPem(publicKeyPem(generatePrivateKey(algorithm)), 'other.pub');
      assert.equal(other.verify(payload, signature), false, 'other key');
    });
  }

  it('ECDSA signatures are ASN.1 DER; P-256 default digest is SHA-256', async () => {
    const signer = new KeySigner(generatePrivateKey());
    const signature = await signer.sign(payload);
    assert.equal(signature[0], 0x30, 'DER SEQUENCE');
    assert.equal(signer.hash, 'sha256');
    assert.equal(new KeyVerifier(signer.publicKey, { hashes: ['sha256'] }).verify(payload, signature), true);
  });

  it('P-384 signs with SHA-256 by default (cosign 2.5); the verifier also accepts SHA-384 (cosign ≥ 2.6)', async () => {
    const key = generatePrivateKey('ecdsa-p384');
    const sha256 = await new KeySigner(key).sign(payload);
    const sha384 = await new KeySigner(key, { hash: 'sha384' }).sign(payload);
    const verifier = new KeyVerifier(key);
    assert.deepEqual(verifier.hashes, ['sha256', 'sha384']);
    assert.equal(verifier.verify(payload, sha256), true);
    assert.equal(verifier.verify(payload, sha384), true);
    const strict = new KeyVerifier(key, { hashes: ['sha256'] });
    assert.equal(strict.verify(payload, sha384), false, 'a SHA-384 signature fails a SHA-256-only check');
    assert.deepEqual(new KeyVerifier(generatePrivateKey('ecdsa-p521')).hashes, ['sha256', 'sha512']);
  });

  it('RSA uses PKCS#1 v1.5 with SHA-256; Ed25519 is pure Ed25519', async () => {
    const rsa = generatePrivateKey('rsa-2048');
    const signature = await new KeySigner(rsa).sign(payload);
    assert.equal(signature.length, 256);
    const { verify, constants } = await import('node:crypto');
    assert.equal(verify('sha256', payload, { key: rsa, padding: constants.RSA_PKCS1_PADDING }, signature), true);
    const ed = generatePrivateKey('ed25519');
    const edSig = await new KeySigner(ed).sign(payload);
    assert.equal(verify(null, payload, ed, edSig), true);
  });

  it('a verifier returns false (never throws) on garbage and empty signatures', () => {
    for (const algorithm of ALGORITHMS) {
      const verifier = new KeyVerifier(generatePrivateKey(algorithm));
      assert.equal(verifier.verify(payload, new Uint8Array(0)), false);
      assert.equal(verifier.verify(payload, Buffer.from('not a signature')), false);
    }
  });

  it('a KeySigner refuses a public key', () => {
    const publicOnly = parsePublicKey(publicKeyPem(generatePrivateKey()), 'p.pub');
    assert.throws(() => new KeySigner(publicOnly), /a KeySigner needs a private key/);
  });
});

describe('importing unencrypted private keys', () => {
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const ed = generateKeyPairSync('ed25519').privateKey;
  const cases: [string, KeyObject, string][] = [
    ['PKCS#8 EC', ec, ec.export({ format: 'pem', type: 'pkcs8' }) as string],
    ['SEC1 EC PRIVATE KEY', ec, ec.export({ format: 'pem', type: 'sec1' }) as string],
    ['PKCS#8 RSA', rsa, rsa.export({ format: 'pem', type: 'pkcs8' }) as string],
    ['PKCS#1 RSA PRIVATE KEY', rsa, rsa.export({ format: 'pem', type: 'pkcs1' }) as string],
    ['PKCS#8 Ed25519', ed, ed.export({ format: 'pem', type: 'pkcs8' }) as string],
  ];
  for (const [name, original, pem] of cases) {
    it(`${name}`, async () => {
      const key = parseUnencryptedPrivateKey(pem, 'in.pem');
      assert.equal(publicKeyFingerprint(key), publicKeyFingerprint(original));
      const reloaded = await loadPrivateKey(await encryptKeyObject(key, 'x', { N: 32768 }), 'x', 'k');
      assert.equal(publicKeyFingerprint(reloaded), publicKeyFingerprint(original));
    });
  }

  it('refuses RSA-1024 everywhere: import, encrypted key, public key', async () => {
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 });
    assert.throws(() => parseUnencryptedPrivateKey(small.privateKey.export({ format: 'pem', type: 'pkcs1' }) as string, 'small.pem'),
      badInput(/^loading key small\.pem: unsupported RSA key of 1024 bits \(minimum 2048\)/));
    const encrypted = await encryptPrivateKey(exportPkcs8(small.privateKey), 'pw', { N: 32768 });
    await assert.rejects(loadPrivateKey(encrypted, 'pw', 'small.key'), badInput(/RSA key of 1024 bits/));
    assert.throws(() => parsePublicKey(small.publicKey.export({ format: 'pem', type: 'spki' }) as string, 'small.pub'), badInput(/1024 bits/));
  });

  it('refuses RSA sizes cosign does not import, and other key types', () => {
    const odd = generateKeyPairSync('rsa', { modulusLength: 2560 }).privateKey;
    assert.throws(() => parseUnencryptedPrivateKey(odd.export({ format: 'pem', type: 'pkcs8' }) as string, 'odd.pem'), badInput(/2560 bits \(cosign accepts 2048, 3072 or 4096\)/));
    const p224 = generateKeyPairSync('ec', { namedCurve: 'secp224r1' }).privateKey;
    assert.throws(() => parseUnencryptedPrivateKey(p224.export({ format: 'pem', type: 'pkcs8' }) as string, 'p224.pem'), badInput(/unsupported ECDSA curve secp224r1/));
    const k256 = generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).privateKey;
    assert.throws(() => parseUnencryptedPrivateKey(k256.export({ format: 'pem', type: 'sec1' }) as string, 'k.pem'), badInput(/curve secp256k1/));
    for (const type of ['ed448', 'x25519'] as const) {
      const other = generateKeyPairSync(type as 'ed448').privateKey;
      assert.throws(() => parseUnencryptedPrivateKey(other.export({ format: 'pem', type: 'pkcs8' }) as string, 'o.pem'), badInput(new RegExp(`unsupported key type ${type}`)));
    }
    const dsa = generateKeyPairSync('dsa', { modulusLength: 2048, divisorLength: 256 }).privateKey;
    assert.throws(() => parseUnencryptedPrivateKey(dsa.export({ format: 'pem', type: 'pkcs8' }) as string, 'd.pem'), badInput(/unsupported key type dsa/));
  });

  it('refuses encrypted, foreign, truncated and corrupt PEM input', async () => {
    const encrypted = await encryptKeyObject(generatePrivateKey(), 'pw', { N: 32768 });
    assert.throws(() => parseUnencryptedPrivateKey(encrypted, 'c.key'), badInput(/unsupported PEM type "ENCRYPTED SIGSTORE PRIVATE KEY"/));
    const cert = '-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n';
    assert.throws(() => parseUnencryptedPrivateKey(cert, 'c.pem'), badInput(/unsupported PEM type "CERTIFICATE"/));
    const pem = ec.export({ format: 'pem', type: 'pkcs8' }) as string;
    assert.throws(() => parseUnencryptedPrivateKey(pem.slice(0, 80), 't.pem'), badInput(/truncated PEM block/));
    assert.throws(() => parseUnencryptedPrivateKey(encodePem('PRIVATE KEY', Buffer.from('garbage')), 'g.pem'), badInput(/^reading g\.pem: invalid PRIVATE KEY$/));
  });
});

describe('public keys', () => {
  it('reads PUBLIC KEY (SPKI) and RSA PUBLIC KEY (PKCS#1) and writes SPKI PEM as cosign', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pkcs1 = rsa.publicKey.export({ format: 'pem', type: 'pkcs1' }) as string;
    assert.match(pkcs1, /BEGIN RSA PUBLIC KEY/);
    const key = parsePublicKey(pkcs1, 'rsa.pub');
    assert.equal(publicKeyFingerprint(key), publicKeyFingerprint(rsa.publicKey));
    const pem = publicKeyPem(key);
    assert.match(pem, /^-----BEGIN PUBLIC KEY-----\n/);
    assert.equal(pem, rsa.publicKey.export({ format: 'pem', type: 'spki' }));
    assert.deepEqual(describeKey(key, 'k'), { algorithm: 'rsa', bits: 2048 });
    assert.equal(decodePem(pem, 'p').label, 'PUBLIC KEY');
  });

  it('skips text before the block and RFC 1421 headers, as Go pem.Decode', () => {
    const key = generatePrivateKey();
    const pem = publicKeyPem(key).replace('-----BEGIN PUBLIC KEY-----\n', 'comment line\n-----BEGIN PUBLIC KEY-----\nComment: hi\n\n');
    assert.equal(publicKeyFingerprint(parsePublicKey(pem, 'p')), publicKeyFingerprint(key));
  });

  it('refuses a private key where a public key is wanted', () => {
    const pem = generatePrivateKey().export({ format: 'pem', type: 'pkcs8' }) as string;
    assert.throws(() => parsePublicKey(pem, 'x.pub'), badInput(/unsupported PEM type "PRIVATE KEY" \(want "PUBLIC KEY" or "RSA PUBLIC KEY"\)/));
  });
});
