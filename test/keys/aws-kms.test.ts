// AWS KMS keys through the library API, against moto's KMS (plain HTTP, AWS_ENDPOINT_URL_KMS): sign (RAW), verify,
// public key, key creation behind an alias, and every failure as one line naming the key without credentials.
// The DIGEST path (payloads over 4096 bytes) is checked on the request ocisign sends: moto's DIGEST signing hashes
// the digest again, so no signature made that way through moto is valid (its docs say DIGEST is not implemented).
import assert from 'node:assert/strict';
import { createHash, createPublicKey, generateKeyPairSync, sign as cryptoSign } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { GetPublicKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { isOcisignError } from '../../src/core/errors.ts';
import { createAwsKmsKey, KMS_RAW_LIMIT, kmsSignInput, openAwsKmsKey } from '../../src/kms/aws-kms.ts';
import { parseKeyRef, type AwsKmsKeyRef } from '../../src/kms/key-ref.ts';
import { loadPublicKey, loadSigner, loadVerifiers } from '../../src/kms/load-key.ts';
import { motoAvailable, startMoto, type Moto } from '../helpers/moto.ts';
import { closedPortUrl } from '../helpers/sigstore-mock.ts';

const payload = Buffer.from('{"critical":{"identity":{"docker-reference":"r/x"},"image":{"docker-manifest-digest":"sha256:00"},"type":"cosign container image signature"},"optional":null}');

describe('RAW or DIGEST: the Sign request ocisign sends', () => {
  it(`RAW with the message itself up to ${KMS_RAW_LIMIT} bytes, DIGEST with its SHA-256 beyond`, () => {
    const small = Buffer.alloc(KMS_RAW_LIMIT, 7);
    assert.deepEqual(kmsSignInput('alias/k', small, 'ECDSA_SHA_256'), { KeyId: 'alias/k', Message: small, MessageType: 'RAW', SigningAlgorithm: 'ECDSA_SHA_256' });
    const large = Buffer.alloc(KMS_RAW_LIMIT + 1, 7);
    const input = kmsSignInput('alias/k', large, 'RSASSA_PKCS1_V1_5_SHA_256');
    assert.equal(input.MessageType, 'DIGEST');
    assert.deepEqual(Buffer.from(input.Message!), createHash('sha256').update(large).digest());
    assert.equal(input.SigningAlgorithm, 'RSASSA_PKCS1_V1_5_SHA_256');
  });

  it('on the wire (the SDK serialising it): a 5000-byte DSSE-sized payload goes as DIGEST; the reply is checked before use', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const large = Buffer.alloc(5000, 'x');
    const sent: Array<{ target: string; body: Record<string, unknown> }> = [];
    let answer: 'right' | 'wrong' = 'right';
    const client = new KMSClient({
      region: 'us-east-1',
      endpoint: 'https://kms.invalid',
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret-never-shown' },
      requestHandler: {
        async handle(request: { headers: Record<string, string>; body?: string | Uint8Array }) {
          const target = request.headers['x-amz-target'] ?? '';
          const raw = request.body ?? '';
          const text = typeof raw === 'string' ? raw : new TextDecoder().decode(new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength));
          const body = JSON.parse(text) as Record<string, unknown>;
          sent.push({ target, body });
          const reply = target.endsWith('GetPublicKey')
            ? { KeyId: 'k', KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY', SigningAlgorithms: ['ECDSA_SHA_256'], PublicKey: publicKey.export({ format: 'der', type: 'spki' }).toString('base64') }
            : { KeyId: 'k', SigningAlgorithm: 'ECDSA_SHA_256', Signature: cryptoSign('sha256', answer === 'right' ? large : Buffer.from('other'), privateKey).toString('base64') };
          const bytes = new Uint8Array(Buffer.from(JSON.stringify(reply)));
          return { response: { statusCode: 200, headers: { 'content-type': 'application/x-amz-json-1.1' }, body: bytes } };
        },
      } as never,
    });
    const ref = parseKeyRef('awskms:///alias/release') as AwsKmsKeyRef;
    const key = await openAwsKmsKey(ref, { client, env: {} });
    const signature = await key.sign(large);
    assert.ok(key.verifier().verify(large, signature));
    const sign = sent.find((s) => s.target === 'TrentService.Sign')!;
    assert.deepEqual(sign.body, {
      KeyId: 'alias/release',
      Message: createHash('sha256').update(large).digest('base64'),
      MessageType: 'DIGEST',
      SigningAlgorithm: 'ECDSA_SHA_256',
    });
    answer = 'wrong';
    await assert.rejects(key.sign(large), (err: unknown) => {
      assert.ok(isOcisignError(err, 'IO'));
      assert.match((err as Error).message, /^key awskms:\/\/\/alias\/release: signing \(DIGEST\): KMS returned a signature that does not verify with the key's public key; nothing was stored$/);
      return true;
    });
  });
});

describe('AWS KMS keys on moto', { skip: motoAvailable() }, () => {
  let moto: Moto;
  let env: Record<string, string>;
  before(async () => {
    moto = await startMoto();
    env = { ...moto.env, AWS_ENDPOINT_URL_KMS: moto.url };
  });
  after(() => moto?.stop());

  function keyError(code: 'BAD_INPUT' | 'IO', uri: string, pattern: RegExp) {
    return (err: unknown): boolean => {
      assert.ok(isOcisignError(err, code), `want ${code}, got ${String(err)}`);
      const message = (err as Error).message;
      assert.ok(message.startsWith(`key ${uri}: `), message);
      assert.match(message, pattern);
      assert.doesNotMatch(message, /testing-secret-key|testing-access-key|\n/);
      return true;
    };
  }

  for (const spec of ['ECC_NIST_P256', 'RSA_2048'] as const) {
    it(`${spec}: signs through KMS (RAW); verifies with the public key KMS returns`, async () => {
      const id = await moto.createKey(spec);
      const uri = `awskms:///${id}`;
      const signer = await loadSigner(uri, { env });
      const signature = await signer.sign(payload);
      const [verifier] = await loadVerifiers([uri], { env });
      assert.ok(verifier!.verify(payload, signature));
      assert.equal(verifier!.verify(Buffer.from('other'), signature), false);
      const client = new KMSClient({ endpoint: moto.url, region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
      const direct = await client.send(new GetPublicKeyCommand({ KeyId: id }));
      assert.ok((await loadPublicKey(uri, { env })).equals(createPublicKey({ key: Buffer.from(direct.PublicKey!), format: 'der', type: 'spki' })));
    });
  }

  it('creates a key behind an alias, then reuses it (as cosign generate-key-pair --kms)', async () => {
    const ref = parseKeyRef('awskms:///alias/ocisign-test-created') as AwsKmsKeyRef;
    const first = await createAwsKmsKey(ref, { env });
    assert.equal(first.created, true);
    assert.equal(first.key.keySpec, 'ECC_NIST_P256');
    const again = await createAwsKmsKey(ref, { env });
    assert.equal(again.created, false);
    assert.ok(again.key.publicKey.equals(first.key.publicKey));
    const signature = await (await loadSigner('awskms:///alias/ocisign-test-created', { env })).sign(payload);
    assert.ok(first.key.verifier().verify(payload, signature));
  });

  it('a wrong key id or alias: exit 3 naming the key', async () => {
    const uri = 'awskms:///0b1c2d3e-1111-2222-3333-444455556666';
    await assert.rejects(loadSigner(uri, { env }), keyError('BAD_INPUT', uri, /getting the public key: NotFoundException: /));
    await assert.rejects(loadVerifiers('awskms:///alias/absent', { env }), keyError('BAD_INPUT', 'awskms:///alias/absent', /NotFoundException/));
  });

  it('a key of the wrong usage or spec: exit 3 saying what is supported', async () => {
    const encrypt = `awskms:///${await moto.createKey('RSA_2048', 'ENCRYPT_DECRYPT')}`;
    await assert.rejects(loadSigner(encrypt, { env }), keyError('BAD_INPUT', encrypt, /: key usage is ENCRYPT_DECRYPT, not SIGN_VERIFY$/));
    for (const spec of ['ECC_NIST_P384', 'ECC_SECG_P256K1']) {
      const uri = `awskms:///${await moto.createKey(spec)}`;
      await assert.rejects(loadSigner(uri, { env }), keyError('BAD_INPUT', uri, new RegExp(`key spec ${spec} is not supported \\(supported: ECC_NIST_P256, RSA_2048, RSA_3072, RSA_4096\\)`)));
    }
  });

  it('no region: exit 3 saying how to give one', async () => {
    const uri = `awskms:///${await moto.createKey('ECC_NIST_P256')}`;
    const noRegion = { ...env, AWS_REGION: '', AWS_DEFAULT_REGION: '', AWS_CONFIG_FILE: '/nonexistent', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent' };
    const saved = { AWS_REGION: process.env.AWS_REGION, AWS_CONFIG_FILE: process.env.AWS_CONFIG_FILE };
    process.env.AWS_CONFIG_FILE = '/nonexistent';
    delete process.env.AWS_REGION;
    try {
      await assert.rejects(loadSigner(uri, { env: noRegion }), keyError('BAD_INPUT', uri, /no AWS region \(set AWS_REGION, or use a key ARN\)/));
    } finally {
      for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
    }
  });
});

describe('AWS KMS unreachable', () => {
  it('connection refused: exit 4, one line naming the key, after the SDK retries', async () => {
    const url = await closedPortUrl();
    const uri = `awskms://${new URL(url).host}/alias/unreachable`;
    const env = { AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret-never-shown', AWS_REGION: 'us-east-1' };
    await assert.rejects(loadSigner(uri, { env }), (err: unknown) => {
      assert.ok(isOcisignError(err, 'IO'), String(err));
      assert.equal((err as { exitCode: number }).exitCode, 4);
      assert.match((err as Error).message, new RegExp(`^key ${uri.replace(/[/.]/g, '\\$&')}: getting the public key: .*ECONNREFUSED`));
      assert.doesNotMatch((err as Error).message, /secret-never-shown|AKIDEXAMPLE|\n/);
      return true;
    });
  });
});
