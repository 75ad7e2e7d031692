// The CLI with AWS KMS keys against moto over HTTPS (a throw-away CA in AWS_CA_BUNDLE: cosign always speaks HTTPS
// to an awskms:// endpoint), a real registry and cosign 2.5:
//   - ocisign signs through KMS; cosign verifies with the public key ocisign exported, and with --key awskms://;
//   - ocisign verifies with --key awskms:// an image signed through the same key;
//   - generate-key-pair --kms creates the key (cosign's public-key agrees), attest/verify-attestation work;
//   - bad keys and an unreachable KMS fail in one line, exit 3 or 4, and push nothing.
// Every signature here is made by ocisign with MessageType RAW. cosign signs with DIGEST, which moto implements
// wrongly (it hashes the digest again), so a signature cosign makes through moto is invalid for every verifier and
// is not used as an interop vector.
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { describeRun, runCosign, runOcisign, scratchDir } from '../helpers/peers.ts';
import { motoAvailable, startMoto, type Moto } from '../helpers/moto.ts';
import { closedPortUrl } from '../helpers/sigstore-mock.ts';
import { cosignVerify, interopSuite, readSigManifest, verifiedPayloads, type Interop, type PushedImage } from '../interop/context.ts';

const suite = interopSuite('http');
const unavailable = motoAvailable();
let moto: Moto;
before(async () => {
  if (!unavailable) moto = await startMoto({ tls: true });
});
after(async () => {
  await suite.stop();
  await moto?.stop();
});

async function exportPub(uri: string): Promise<string> {
  const pub = join(await scratchDir('kms-pub'), 'kms.pub');
  const exported = await runOcisign(['public-key', '--key', uri, '--outfile', pub], { env: moto.env });
  assert.equal(exported.code, 0, describeRun('ocisign public-key --key awskms://', exported));
  return pub;
}

async function assertVerified(ctx: Interop, uri: string, image: PushedImage): Promise<void> {
  const pub = await exportPub(uri);
  const byCosignPem = await cosignVerify(ctx, { key: '', pub, password: '' }, image.ref);
  assert.equal(byCosignPem.code, 0, describeRun('cosign verify --key <exported PEM>', byCosignPem));
  assert.equal(verifiedPayloads(byCosignPem)[0]?.critical?.image?.['docker-manifest-digest'], image.digest);
  const byCosignKms = await runCosign(['verify', '--key', uri, '--insecure-ignore-tlog=true', ...ctx.cosignFlags, image.ref], { env: moto.env });
  assert.equal(byCosignKms.code, 0, describeRun('cosign verify --key awskms://', byCosignKms));
  const byOcisign = await runOcisign(['verify', '--key', uri, '--insecure-ignore-tlog', ...ctx.ocisignFlags, image.ref], { env: moto.env });
  assert.equal(byOcisign.code, 0, describeRun('ocisign verify --key awskms://', byOcisign));
  assert.equal(verifiedPayloads(byOcisign)[0]?.critical?.image?.['docker-manifest-digest'], image.digest);
}

for (const spec of ['ECC_NIST_P256', 'RSA_2048']) {
  test(`${spec}: ocisign signs through KMS; cosign (exported PEM and awskms://) and ocisign (awskms://) verify`, { skip: unavailable }, async (t) => {
    const ctx = await suite.need(t, ['cosign', 'skopeo', 'ocisign']);
    if (!ctx) return;
    const uri = `awskms://${moto.host}/${await moto.createKey(spec)}`;
    const image = await suite.push(ctx, `kms-${spec.toLowerCase()}`);
    const signed = await runOcisign(['sign', '--new-bundle-format=false', '--key', uri, '--tlog-upload=false', ...ctx.ocisignFlags, image.ref], { env: moto.env });
    assert.equal(signed.code, 0, describeRun('ocisign sign --key awskms://', signed));
    await assertVerified(ctx, uri, image);
  });
}

test('generate-key-pair --kms creates the key behind an alias (reused on a second run); sign, attest and verify with it', { skip: unavailable }, async (t) => {
  const ctx = await suite.need(t, ['cosign', 'skopeo', 'ocisign']);
  if (!ctx) return;
  const uri = `awskms://${moto.host}/alias/ocisign-cli-${process.pid}`;
  const dir = await scratchDir('kms-generate');
  const made = await runOcisign(['generate-key-pair', '--kms', uri, '--output-key-prefix', join(dir, 'release'), '--output', 'json'], { env: moto.env });
  assert.equal(made.code, 0, describeRun('ocisign generate-key-pair --kms', made));
  assert.equal(JSON.parse(made.stdout).created, true);
  const again = await runOcisign(['generate-key-pair', '--kms', uri, '--output-key-prefix', join(dir, 'again'), '--output', 'json'], { env: moto.env });
  assert.equal(again.code, 0, describeRun('ocisign generate-key-pair --kms (again)', again));
  assert.equal(JSON.parse(again.stdout).created, false);
  const pem = await readFile(join(dir, 'release.pub'), 'utf8');
  assert.equal(await readFile(join(dir, 'again.pub'), 'utf8'), pem);
  const byCosign = await runCosign(['public-key', '--key', uri], { env: moto.env });
  assert.equal(byCosign.code, 0, describeRun('cosign public-key --key awskms://', byCosign));
  assert.equal(byCosign.stdout, pem);

  const image = await suite.push(ctx, 'kms-generated');
  const signed = await runOcisign(['sign', '--new-bundle-format=false', '--key', uri, '--tlog-upload=false', ...ctx.ocisignFlags, image.ref], { env: moto.env });
  assert.equal(signed.code, 0, describeRun('ocisign sign', signed));
  const byCosignAlias = await runCosign(['verify', '--key', uri, '--insecure-ignore-tlog=true', ...ctx.cosignFlags, image.ref], { env: moto.env });
  assert.equal(byCosignAlias.code, 0, describeRun('cosign verify --key awskms://…/alias/…', byCosignAlias));

  const predicate = join(dir, 'predicate.json');
  await writeFile(predicate, '{"buildType":"kms-test"}\n');
  const attested = await runOcisign(['attest', '--new-bundle-format=false', '--key', uri, '--predicate', predicate, '--type', 'custom', '--tlog-upload=false', ...ctx.ocisignFlags, image.ref], { env: moto.env });
  assert.equal(attested.code, 0, describeRun('ocisign attest --key awskms://', attested));
  const verified = await runOcisign(['verify-attestation', '--key', uri, '--type', 'custom', '--insecure-ignore-tlog', ...ctx.ocisignFlags, image.ref], { env: moto.env });
  assert.equal(verified.code, 0, describeRun('ocisign verify-attestation --key awskms://', verified));
  const byCosignAtt = await runCosign(['verify-attestation', '--key', join(dir, 'release.pub'), '--type', 'custom', '--insecure-ignore-tlog=true', ...ctx.cosignFlags, image.ref]);
  assert.equal(byCosignAtt.code, 0, describeRun('cosign verify-attestation --key <PEM>', byCosignAtt));
});

test('bad KMS keys and an unreachable KMS: exit 3 or 4, one line naming the key, no credentials, nothing pushed', { skip: unavailable }, async (t) => {
  const ctx = await suite.need(t, ['skopeo', 'ocisign']);
  if (!ctx) return;
  const image = await suite.push(ctx, 'kms-bad');
  const closed = new URL(await closedPortUrl()).host;
  const cases: Array<[string, number, RegExp]> = [
    [`awskms://${moto.host}/0b1c2d3e-1111-2222-3333-444455556666`, 3, /getting the public key: NotFoundException: /],
    [`awskms://${moto.host}/${await moto.createKey('RSA_2048', 'ENCRYPT_DECRYPT')}`, 3, /key usage is ENCRYPT_DECRYPT, not SIGN_VERIFY$/],
    [`awskms://${moto.host}/${await moto.createKey('ECC_NIST_P384')}`, 3, /key spec ECC_NIST_P384 is not supported/],
    [`awskms://${closed}/alias/release`, 4, /getting the public key: .*ECONNREFUSED/],
  ];
  for (const [uri, code, reason] of cases) {
    const run = await runOcisign(['sign', '--new-bundle-format=false', '--key', uri, '--tlog-upload=false', ...ctx.ocisignFlags, image.ref], { env: moto.env });
    assert.equal(run.code, code, describeRun(`ocisign sign --key ${uri}`, run));
    const lines = run.stderr.trim().split('\n');
    assert.equal(lines.length, 1, run.stderr);
    assert.ok(lines[0]!.startsWith(`ocisign: `) && lines[0]!.includes(`key ${uri}: `), lines[0]);
    assert.match(lines[0]!, reason);
    assert.doesNotMatch(run.stderr, new RegExp(`${moto.env.AWS_SECRET_ACCESS_KEY}|${moto.env.AWS_ACCESS_KEY_ID}`));
  }
  // No credentials anywhere (HOME is a throw-away folder, instance metadata off): exit 4, as any authentication failure.
  const noCredentials = { ...moto.env, AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined, AWS_EC2_METADATA_DISABLED: 'true' };
  const anonymous = await runOcisign(['sign', '--new-bundle-format=false', '--key', `awskms://${moto.host}/alias/release`, '--tlog-upload=false', ...ctx.ocisignFlags, image.ref], { env: noCredentials });
  assert.equal(anonymous.code, 4, describeRun('ocisign sign without AWS credentials', anonymous));
  assert.match(anonymous.stderr, /^ocisign: key awskms:\/\/127\.0\.0\.1:\d+\/alias\/release: getting the public key: CredentialsProviderError: Could not load credentials from any providers\n$/);
  const refused = await runOcisign(['verify', '--key', 'gcpkms://projects/p/locations/l/keyRings/r/cryptoKeys/k', ...ctx.ocisignFlags, image.ref]);
  assert.equal(refused.code, 3, describeRun('ocisign verify --key gcpkms://', refused));
  assert.match(refused.stderr, /GCP KMS keys \(gcpkms:\/\/\) are not supported; supported: a key file, awskms:\/\//);
  assert.equal(await readSigManifest(ctx, image), undefined, 'no signature was pushed');
});
