// Ed25519 keys: key files sign with pure Ed25519 (what every cosign `verify --key` accepts, and what cosign 2.5 and
// 3.1 themselves sign without a transparency log), and verification also accepts Ed25519ph (RFC 8032; cosign ≥ 2.6
// signs Ed25519 keys that way when it logs to Rekor, whose hashedrekord needs a prehash). Ed25519ph vectors come
// from RFC 8032 and from OpenSSL 3.6 (Debian unstable's, in the moto root), an implementation independent of the
// @noble/curves code ocisign verifies with. cases.json has no Ed25519 signing vectors (its Ed25519 keys are Rekor
// v2 log keys), so none are checked here.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createPublicKey, generateKeyPairSync, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it, test } from 'node:test';
import { promisify } from 'node:util';
import { loadSigner, loadVerifiers } from '../../src/kms/load-key.ts';
import { importKeyPair } from '../../src/ops/keys.ts';
import { signImages } from '../../src/ops/sign.ts';
import { KeyVerifier } from '../../src/sign/key-signer.ts';
import { publicKeyPem } from '../../src/sign/keys.ts';
import { runCli, testLayout } from '../cosign/test-image.ts';
import { MOTO_ROOT } from '../helpers/moto.ts';
import { describeRun, runCosign, runOcisign, scratchDir } from '../helpers/peers.ts';
import { interopSuite, verifiedPayloads } from '../interop/context.ts';

const exec = promisify(execFile);

function ed25519PublicKey(raw: string): KeyObject {
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(raw, 'hex').toString('base64url') }, format: 'jwk' });
}

/** Ed25519ph by OpenSSL 3.6 (pkeyutl -pkeyopt instance:Ed25519ph), run in the Debian unstable root. */
async function opensslEd25519ph(privateKeyPem: string, data: Uint8Array): Promise<Buffer> {
  const dir = await mkdtemp(join(MOTO_ROOT, 'tmp', 'ocisign-ed25519ph-'));
  try {
    await writeFile(join(dir, 'key.pem'), privateKeyPem, { mode: 0o600 });
    await writeFile(join(dir, 'data'), data);
    const inside = dir.slice(MOTO_ROOT.length);
    await exec('chroot', [MOTO_ROOT, 'openssl', 'pkeyutl', '-sign', '-rawin', '-inkey', `${inside}/key.pem`, '-in', `${inside}/data`,
      '-pkeyopt', 'instance:Ed25519ph', '-out', `${inside}/sig`]);
    return await readFile(join(dir, 'sig'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const opensslMissing = process.getuid?.() !== 0
  ? 'the Debian unstable root runs with chroot, which needs root'
  : !existsSync(join(MOTO_ROOT, 'usr', 'bin', 'openssl'))
    ? `no OpenSSL 3.6 in ${MOTO_ROOT} (scripts/install-kms-emulators.sh installs it)`
    : undefined;

const payload = Buffer.from('{"critical":{"identity":{"docker-reference":"r/x"},"image":{"docker-manifest-digest":"sha256:00"},"type":"cosign container image signature"},"optional":null}');

describe('Ed25519ph verification', () => {
  it('RFC 8032 §7.3 test vector ("abc") verifies; a changed signature or message does not', () => {
    const verifier = new KeyVerifier(ed25519PublicKey('ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf'));
    const signature = Buffer.from('98a70222f0b8121aa9d30f813d683f809e462b469c7ff87639499bb94e6dae4131f85042463c2a355a2003d062adf5aaa10b8c61e636062aaad11c2a26083406', 'hex');
    assert.ok(verifier.verify(Buffer.from('abc'), signature));
    assert.equal(verifier.verify(Buffer.from('abd'), signature), false);
    const flipped = Buffer.from(signature);
    flipped[10]! ^= 1;
    assert.equal(verifier.verify(Buffer.from('abc'), flipped), false);
    assert.equal(verifier.verify(Buffer.from('abc'), signature.subarray(0, 63)), false);
  });

  it('a non-canonical S (S + L) is refused, as Go crypto/ed25519 refuses it', () => {
    const verifier = new KeyVerifier(ed25519PublicKey('ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf'));
    const signature = Buffer.from('98a70222f0b8121aa9d30f813d683f809e462b469c7ff87639499bb94e6dae4131f85042463c2a355a2003d062adf5aaa10b8c61e636062aaad11c2a26083406', 'hex');
    const L = (1n << 252n) + 27742317777372353535851937790883648493n;
    let s = 0n;
    for (let i = 63; i >= 32; i--) s = (s << 8n) | BigInt(signature[i]!);
    let t = s + L;
    const malleable = Buffer.from(signature);
    for (let i = 32; i < 64; i++) {
      malleable[i] = Number(t & 0xffn);
      t >>= 8n;
    }
    assert.equal(verifier.verify(Buffer.from('abc'), malleable), false);
  });

  it('OpenSSL 3.6 Ed25519ph signatures verify; the pure Ed25519 check alone would reject them', { skip: opensslMissing }, async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const signature = await opensslEd25519ph(privateKey.export({ format: 'pem', type: 'pkcs8' }) as string, payload);
    assert.equal(cryptoVerify(null, payload, publicKey, signature), false, 'not a pure Ed25519 signature');
    const [verifier] = await loadVerifiers(await writePub(publicKey));
    assert.ok(verifier!.verify(payload, signature));
    assert.equal(verifier!.verify(Buffer.from(payload.toString().replace('r/x', 'r/y')), signature), false);
  });
});

describe('Ed25519 key files', () => {
  it('a cosign key file with an Ed25519 key signs pure Ed25519; loadVerifiers verifies it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ocisign-ed25519-'));
    after(() => rm(dir, { recursive: true, force: true }));
    const pem = join(dir, 'ed25519.pem');
    await writeFile(pem, generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }) as string);
    const files = await importKeyPair({ keyPath: pem, outputKeyPrefix: join(dir, 'ed'), password: async () => 'pw', scryptN: 32768 });
    assert.equal(files.key.algorithm, 'ed25519');
    const signer = await loadSigner(files.privateKeyPath, { password: async () => 'pw' });
    const signature = await signer.sign(payload);
    assert.ok(cryptoVerify(null, payload, createPublicKey(await readFile(files.publicKeyPath, 'utf8')), signature), 'pure Ed25519');
    const [verifier] = await loadVerifiers([files.publicKeyPath]);
    assert.ok(verifier!.verify(payload, signature));
  });
});

test('an image signed with Ed25519ph (OpenSSL) verifies with `ocisign verify --key`', { skip: opensslMissing }, async (t) => {
  const { dir, layout, repo, digest } = await testLayout(t, 'ocisign-ed25519ph-image-', 'ed25519ph');
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const keyPem = privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
  const phSigner = { publicKey, sign: (data: Uint8Array) => opensslEd25519ph(keyPem, data) };
  await signImages([{ image: repo, ref: digest, name: `oci:${layout}@${digest}`, dockerReference: `oci:${layout}` }], { signer: phSigner, tlogUpload: false });
  const pub = await writePub(publicKey, dir);
  const ok = await runCli(['verify', '--key', pub, '--insecure-ignore-tlog', `oci:${layout}@${digest}`]);
  assert.equal(ok.code, 0, ok.stderr);
  const other = await writePub(generateKeyPairSync('ed25519').publicKey, dir);
  const wrong = await runCli(['verify', '--key', other, '--insecure-ignore-tlog', `oci:${layout}@${digest}`]);
  assert.equal(wrong.code, 12, wrong.stderr);
});

const suite = interopSuite('http');
after(() => suite.stop());

test('Ed25519 keys cross over with cosign 2.5: cosign signs, ocisign verifies; ocisign signs, cosign verifies', async (t) => {
  const ctx = await suite.need(t, ['cosign', 'skopeo', 'ocisign']);
  if (!ctx) return;
  const dir = await scratchDir('ed25519-interop');
  await writeFile(join(dir, 'ed.pem'), generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }) as string);
  const env = { COSIGN_PASSWORD: 'pw' };
  const imported = await runCosign(['import-key-pair', '--key', join(dir, 'ed.pem'), '--output-key-prefix', join(dir, 'cosign-ed')], { env });
  assert.equal(imported.code, 0, describeRun('cosign import-key-pair', imported));
  const key = join(dir, 'cosign-ed.key');
  const pub = join(dir, 'cosign-ed.pub');

  const byCosign = await suite.push(ctx, 'ed25519-cosign');
  const cosignSigned = await runCosign(['sign', '--key', key, '--tlog-upload=false', '--yes', ...ctx.cosignFlags, byCosign.ref], { env });
  assert.equal(cosignSigned.code, 0, describeRun('cosign sign', cosignSigned));
  const ocisignVerified = await runOcisign(['verify', '--key', pub, '--insecure-ignore-tlog', ...ctx.ocisignFlags, byCosign.ref]);
  assert.equal(ocisignVerified.code, 0, describeRun('ocisign verify', ocisignVerified));
  assert.equal(verifiedPayloads(ocisignVerified)[0]?.critical?.image?.['docker-manifest-digest'], byCosign.digest);

  const byOcisign = await suite.push(ctx, 'ed25519-ocisign');
  const ocisignSigned = await runOcisign(['sign', '--new-bundle-format=false', '--key', key, '--tlog-upload=false', ...ctx.ocisignFlags, byOcisign.ref], { env });
  assert.equal(ocisignSigned.code, 0, describeRun('ocisign sign', ocisignSigned));
  const cosignVerified = await runCosign(['verify', '--key', pub, '--insecure-ignore-tlog=true', ...ctx.cosignFlags, byOcisign.ref]);
  assert.equal(cosignVerified.code, 0, describeRun('cosign verify', cosignVerified));
});

async function writePub(key: KeyObject, dir?: string): Promise<string> {
  const folder = dir ?? (await scratchDir('ed25519-pub'));
  const path = join(folder, `${Math.random().toString(16).slice(2)}.pub`);
  await writeFile(path, publicKeyPem(key));
  return path;
}
