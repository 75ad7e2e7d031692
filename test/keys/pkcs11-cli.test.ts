// The CLI with PKCS#11 keys on a real SoftHSM2 token and a real registry: sign, verify, attest, verify-attestation
// and public-key with cosign's pkcs11: URI; cosign 2.5 verifies with the PEM ocisign exported (Debian's cosign is
// built without PKCS#11, so it cannot use the token itself); failures exit 3 with the PIN redacted and push nothing.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { describeRun, runOcisign, scratchDir } from '../helpers/peers.ts';
import { createSoftHsm, softhsmAvailable, type SoftHsm } from '../helpers/softhsm.ts';
import { cosignVerify, interopSuite, readSigManifest, verifiedPayloads } from '../interop/context.ts';

const suite = interopSuite('http');
const unavailable = await softhsmAvailable();
let hsm: SoftHsm;
before(async () => {
  if (!unavailable) hsm = await createSoftHsm();
});
after(async () => {
  await suite.stop();
  await hsm?.stop();
});

test('sign and verify with a pkcs11: key; public-key exports the PEM cosign verifies with', { skip: unavailable }, async (t) => {
  const ctx = await suite.need(t, ['cosign', 'skopeo', 'ocisign']);
  if (!ctx) return;
  const image = await suite.push(ctx, 'pkcs11');
  const env = hsm.env;
  const signed = await runOcisign(['sign', '--new-bundle-format=false', '--key', hsm.uri('signer'), '--tlog-upload=false', ...ctx.ocisignFlags, image.ref], { env });
  assert.equal(signed.code, 0, describeRun('ocisign sign --key pkcs11:', signed));
  assert.doesNotMatch(signed.stderr + signed.stdout, new RegExp(hsm.pin));

  const verified = await runOcisign(['verify', '--key', hsm.uri('signer', { pin: false }), '--insecure-ignore-tlog', ...ctx.ocisignFlags, image.ref], { env });
  assert.equal(verified.code, 0, describeRun('ocisign verify --key pkcs11:', verified));
  assert.equal(verifiedPayloads(verified)[0]?.critical?.image?.['docker-manifest-digest'], image.digest);

  const pub = join(await scratchDir('pkcs11-pub'), 'token.pub');
  const exported = await runOcisign(['public-key', '--key', hsm.uri('signer', { pin: false }), '--outfile', pub], { env });
  assert.equal(exported.code, 0, describeRun('ocisign public-key --key pkcs11:', exported));
  const byCosign = await cosignVerify(ctx, { key: '', pub, password: '' }, image.ref);
  assert.equal(byCosign.code, 0, describeRun('cosign verify --key <exported PEM>', byCosign));
  assert.equal(verifiedPayloads(byCosign)[0]?.critical?.image?.['docker-manifest-digest'], image.digest);
});

test('attest and verify-attestation with a pkcs11: RSA key', { skip: unavailable }, async (t) => {
  const ctx = await suite.need(t, ['skopeo', 'ocisign']);
  if (!ctx) return;
  const image = await suite.push(ctx, 'pkcs11-att');
  const predicate = join(await scratchDir('pkcs11-pred'), 'predicate.json');
  await writeFile(predicate, '{"buildType":"ocisign-test"}\n');
  const env = { ...hsm.env, COSIGN_PKCS11_PIN: hsm.pin, COSIGN_PKCS11_MODULE_PATH: hsm.module };
  const uri = `pkcs11:token=${hsm.tokenLabel};object=rsa-signer`;
  const attested = await runOcisign(['attest', '--new-bundle-format=false', '--key', uri, '--predicate', predicate, '--type', 'custom', '--tlog-upload=false', ...ctx.ocisignFlags, image.ref], { env });
  assert.equal(attested.code, 0, describeRun('ocisign attest --key pkcs11:', attested));
  const verified = await runOcisign(['verify-attestation', '--key', uri, '--type', 'custom', '--insecure-ignore-tlog', '--output', 'json', ...ctx.ocisignFlags, image.ref], { env });
  assert.equal(verified.code, 0, describeRun('ocisign verify-attestation --key pkcs11:', verified));
  assert.match(verified.stdout, /ocisign-test/);
});

test('a wrong PIN or a missing module: exit 3, one line naming the key without the PIN, nothing pushed', { skip: unavailable }, async (t) => {
  const ctx = await suite.need(t, ['skopeo', 'ocisign']);
  if (!ctx) return;
  const image = await suite.push(ctx, 'pkcs11-bad');
  const wrongPin = hsm.uri('signer').replace(`pin-value=${hsm.pin}`, 'pin-value=98765');
  const badModule = hsm.uri('signer').replace(hsm.module, '/usr/lib/absent-pkcs11.so');
  for (const [key, reason] of [[wrongPin, /logging in: wrong PIN/], [badModule, /module \/usr\/lib\/absent-pkcs11\.so does not exist/]] as const) {
    const run = await runOcisign(['sign', '--new-bundle-format=false', '--key', key, '--tlog-upload=false', ...ctx.ocisignFlags, image.ref], { env: hsm.env });
    assert.equal(run.code, 3, describeRun('ocisign sign', run));
    const lines = run.stderr.trim().split('\n');
    assert.equal(lines.length, 1, run.stderr);
    assert.match(lines[0]!, /^ocisign: .*key pkcs11:token=ci;object=signer\?module-path=[^&]+&pin-value=REDACTED: /);
    assert.match(lines[0]!, reason);
    assert.doesNotMatch(run.stderr, /98765|1234/);
  }
  assert.equal(await readSigManifest(ctx, image), undefined, 'no signature was pushed');
});

test('without the pkcs11js binding: exit 3 saying PKCS#11 support is not installed; key files still work', { skip: unavailable }, async (t) => {
  const ctx = await suite.need(t, ['ocisign']);
  if (!ctx) return;
  // What a machine without a compiler has: npm drops an optional dependency whose build failed, so it does not resolve.
  const hook = join(await scratchDir('no-pkcs11js'), 'no-pkcs11js.mjs');
  await writeFile(hook, [
    "import { registerHooks } from 'node:module';",
    'registerHooks({ resolve(specifier, context, next) {',
    "  if (specifier === 'pkcs11js') throw Object.assign(new Error(\"Cannot find package 'pkcs11js'\"), { code: 'ERR_MODULE_NOT_FOUND' });",
    '  return next(specifier, context);',
    '} });',
  ].join('\n'));
  const env = { ...hsm.env, NODE_OPTIONS: `--import=${hook}` };
  const run = await runOcisign(['public-key', '--key', hsm.uri('signer')], { env });
  assert.equal(run.code, 3, describeRun('ocisign public-key', run));
  assert.match(run.stderr, /^ocisign: key pkcs11:.*pin-value=REDACTED: PKCS#11 support is not installed: the optional dependency pkcs11js is missing/);
  const prefix = join(await scratchDir('no-pkcs11js-keys'), 'k');
  const made = await runOcisign(['generate-key-pair', '--output-key-prefix', prefix], { env: { NODE_OPTIONS: `--import=${hook}`, COSIGN_PASSWORD: 'pw' } });
  assert.equal(made.code, 0, describeRun('ocisign generate-key-pair', made));
});
