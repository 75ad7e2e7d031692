// PKCS#11 keys through the library API against a real SoftHSM2 token (keys made by opensc's pkcs11-tool): sign,
// verify, the public key (checked against pkcs11-tool's own export), where the PIN and module come from, and each
// failure as one line naming the key with the PIN redacted.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { isOcisignError } from '../../src/core/errors.ts';
import { loadPublicKey, loadSigner, loadVerifiers } from '../../src/kms/load-key.ts';
import type { Signer } from '../../src/sign/signer.ts';
import { createSoftHsm, softhsmAvailable, type SoftHsm } from '../helpers/softhsm.ts';

const unavailable = await softhsmAvailable();
let hsm: SoftHsm;
const payload = Buffer.from('{"critical":{"identity":{"docker-reference":"r/x"},"image":{"docker-manifest-digest":"sha256:00"},"type":"cosign container image signature"},"optional":null}');

/** Signers hold a logged-in session; close each so the next test logs in afresh (PKCS#11 logins are per process). */
async function withSigner<T>(signer: Promise<Signer>, use: (s: Signer) => Promise<T>): Promise<T> {
  const s = await signer;
  try {
    return await use(s);
  } finally {
    (s as Signer & { close(): void }).close();
  }
}

function keyError(code: 'BAD_INPUT' | 'IO', pattern: RegExp) {
  return (err: unknown): boolean => {
    assert.ok(isOcisignError(err, code), `want ${code}, got ${String(err)}`);
    const message = (err as Error).message;
    assert.match(message, /^key pkcs11:token=/);
    assert.match(message, pattern);
    assert.doesNotMatch(message, /pin-value=(?!REDACTED)|1234|9999/, 'the PIN never appears');
    assert.doesNotMatch(message, /\n/);
    return true;
  };
}

describe('PKCS#11 keys on SoftHSM2', { skip: unavailable }, () => {
  before(async () => {
    hsm = await createSoftHsm();
    process.env.SOFTHSM2_CONF = hsm.conf; // read by SoftHSM when this process initialises the module
  });
  after(() => hsm?.stop());

  for (const [object, id, type] of [['signer', '01', 'ec'], ['rsa-signer', '02', 'rsa']] as const) {
    it(`${type}: signs on the token; the signature verifies with the token's public key, which is pkcs11-tool's`, async () => {
      const signature = await withSigner(loadSigner(hsm.uri(object)), (s) => s.sign(payload));
      const [verifier] = await loadVerifiers([hsm.uri(object, { pin: false })]);
      assert.ok(verifier!.verify(payload, signature));
      assert.equal(verifier!.verify(Buffer.from('other bytes'), signature), false);
      const publicKey = await loadPublicKey(hsm.uri(object, { pin: false }));
      assert.equal(publicKey.asymmetricKeyType, type);
      assert.deepEqual(publicKey.export({ format: 'der', type: 'spki' }), await hsm.publicKeyDer(id));
      if (type === 'ec') assert.equal(signature[0], 0x30, 'ECDSA signatures are stored DER-encoded, as cosign stores them');
    });
  }

  it('concurrent signs on one key take turns on the session (an index and its children are signed side by side)', async () => {
    const messages = Array.from({ length: 6 }, (_, i) => Buffer.from(`payload ${i}`));
    const signatures = await withSigner(loadSigner(hsm.uri('signer')), (s) => Promise.all(messages.map((m) => s.sign(m))));
    const [verifier] = await loadVerifiers(hsm.uri('signer', { pin: false }));
    messages.forEach((m, i) => assert.ok(verifier!.verify(m, signatures[i]!), `signature ${i}`));
  });

  it('finds the key by id (%01) and the token by slot-id', async () => {
    const byLabel = await loadPublicKey(hsm.uri('signer', { pin: false }));
    const byId = await loadPublicKey(`pkcs11:token=${hsm.tokenLabel};id=%01?module-path=${hsm.module}`);
    assert.ok(byId.equals(byLabel));
    const bySlot = await loadPublicKey(`pkcs11:slot-id=${await hsm.slotId()};object=signer?module-path=${hsm.module}`);
    assert.ok(bySlot.equals(byLabel));
  });

  it('takes the PIN from COSIGN_PKCS11_PIN and the module from COSIGN_PKCS11_MODULE_PATH', async () => {
    const env = { ...process.env, COSIGN_PKCS11_PIN: hsm.pin, COSIGN_PKCS11_MODULE_PATH: hsm.module };
    const signature = await withSigner(loadSigner(`pkcs11:token=${hsm.tokenLabel};object=signer`, { env }), (s) => s.sign(payload));
    const [verifier] = await loadVerifiers(`pkcs11:token=${hsm.tokenLabel};object=signer`, { env });
    assert.ok(verifier!.verify(payload, signature));
  });

  it('asks for the PIN (askPin) when neither the URI nor the environment has one', async () => {
    const questions: string[] = [];
    const askPin = async (q: string) => {
      questions.push(q);
      return hsm.pin;
    };
    const signature = await withSigner(loadSigner(hsm.uri('signer', { pin: false }), { env: {}, askPin }), (s) => s.sign(payload));
    assert.deepEqual(questions, ["Enter PIN for key 'signer' in PKCS11 token 'ci': "]);
    assert.ok((await loadVerifiers(hsm.uri('signer', { pin: false })))[0]!.verify(payload, signature));
  });

  it('a wrong PIN: exit 3, "wrong PIN", the PIN redacted', async () => {
    await assert.rejects(loadSigner(hsm.uri('signer').replace(`pin-value=${hsm.pin}`, 'pin-value=9999')), keyError('BAD_INPUT', /logging in: wrong PIN$/));
  });

  it('no PIN and no way to ask: exit 3 saying where a PIN can come from', async () => {
    await assert.rejects(loadSigner(hsm.uri('signer', { pin: false }), { env: {} }), keyError('BAD_INPUT', /needs a PIN: set pin-value in the URI or COSIGN_PKCS11_PIN/));
  });

  it('a missing module, a relative module path, no module at all: exit 3 naming the module', async () => {
    const missing = hsm.uri('signer').replace(hsm.module, '/usr/lib/softhsm/libabsent.so');
    await assert.rejects(loadSigner(missing), keyError('BAD_INPUT', /module \/usr\/lib\/softhsm\/libabsent\.so does not exist$/));
    await assert.rejects(loadSigner(hsm.uri('signer').replace(hsm.module, 'libsofthsm2.so')), keyError('BAD_INPUT', /is not an absolute path/));
    await assert.rejects(loadVerifiers(`pkcs11:token=ci;object=signer`, { env: {} }), keyError('BAD_INPUT', /set module-path in the URI or COSIGN_PKCS11_MODULE_PATH/));
    await assert.rejects(loadSigner(hsm.uri('signer').replace(hsm.module, '/etc/hostname')), keyError('BAD_INPUT', /loading module \/etc\/hostname: /));
  });

  it('an unknown token or key: exit 3 naming it', async () => {
    await assert.rejects(loadSigner(hsm.uri('signer').replace('token=ci', 'token=prod')), keyError('BAD_INPUT', /no token labelled "prod"/));
    await assert.rejects(loadVerifiers([hsm.uri('absent', { pin: false })]), keyError('BAD_INPUT', /no public key or certificate labelled "absent" on the token/));
  });
});
