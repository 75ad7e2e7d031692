// Attestations and SBOM attachments with cosign 2.5 on the real registry: each tool accepts the other's
// attestations, `download sbom` returns the bytes the other attached, and 8 concurrent `ocisign attest`
// processes keep 8 layers. Skips with a printed reason when cosign, skopeo, the registry or the build is missing.
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { runCosign, runOcisign, scratchDir } from '../helpers/peers.ts';
import { cosignKeyPair, interopSuite, ocisignKeyPair, type Interop, type KeyPair } from './context.ts';

const suite = interopSuite('http');
after(() => suite.stop());

async function bomFile(): Promise<string> {
  const file = join(await scratchDir('bom'), 'bom.json');
  await writeFile(file, `${JSON.stringify({ bomFormat: 'CycloneDX', specVersion: '1.5', components: [{ name: 'left-pad', version: '1.3.0' }] }, null, 2)}\n`);
  return file;
}

const ocisignAttest = (ctx: Interop, key: KeyPair, ref: string, bom: string, extra: string[] = []) =>
  runOcisign(['attest', '--new-bundle-format=false', '--key', key.key, '--tlog-upload=false', '--type', 'cyclonedx', '--predicate', bom, ...ctx.ocisignFlags, ...extra, ref], { env: { COSIGN_PASSWORD: key.password } });

test('cosign verify-attestation --type cyclonedx accepts ocisign attestations (v1 and v0.1 statements)', async (t) => {
  const ctx = await suite.need(t, ['cosign', 'skopeo', 'ocisign']);
  if (!ctx) return;
  const key = await ocisignKeyPair(ctx, 'att-o');
  const img = await suite.push(ctx, 'att-o');
  const bom = await bomFile();
  for (const v of ['v1', 'v0.1']) assert.equal((await ocisignAttest(ctx, key, img.ref, bom, ['--statement-version', v])).code, 0);
  const r = await runCosign(['verify-attestation', '--key', key.pub, '--insecure-ignore-tlog', '--type', 'cyclonedx', ...ctx.cosignFlags, img.ref]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim().split('\n').length, 2);
});

test('ocisign verify-attestation accepts cosign attestations; a policy runs over them', async (t) => {
  const ctx = await suite.need(t, ['cosign', 'skopeo', 'ocisign']);
  if (!ctx) return;
  const key = await cosignKeyPair(ctx, 'att-c');
  const img = await suite.push(ctx, 'att-c');
  const bom = await bomFile();
  const a = await runCosign(['attest', '--key', key.key, '--tlog-upload=false', '--yes', '--type', 'cyclonedx', '--predicate', bom, ...ctx.cosignFlags, img.ref], { env: { COSIGN_PASSWORD: key.password } });
  assert.equal(a.code, 0, a.stderr);
  const v = await runOcisign(['verify-attestation', '--key', key.pub, '--insecure-ignore-tlog', '--type', 'cyclonedx', ...ctx.ocisignFlags, img.ref]);
  assert.equal(v.code, 0, v.stderr);
  const policy = join(await scratchDir('policy'), 'policy.yaml');
  await writeFile(policy, `keys: [${key.pub}]\nattestations:\n  - type: cyclonedx\n    conditions:\n      no-left-pad: "predicate.components.all(c, c.name != 'left-pad')"\n`);
  const p = await runOcisign(['verify-attestation', '--insecure-ignore-tlog', '--policy', policy, ...ctx.ocisignFlags, img.ref]);
  assert.equal(p.code, 14, p.stderr);
  assert.match(p.stderr, /condition "no-left-pad": evaluated to false/);
});

test('download sbom returns the bytes the other tool attached (both ways), and the .sbom manifests are identical', async (t) => {
  const ctx = await suite.need(t, ['cosign', 'skopeo', 'ocisign']);
  if (!ctx) return;
  const bom = await bomFile();
  const want = await readFile(bom, 'utf8');
  const one = await suite.push(ctx, 'sbom-o');
  assert.equal((await runOcisign(['attach', 'sbom', '--sbom', bom, '--type', 'cyclonedx', ...ctx.ocisignFlags, one.ref])).code, 0);
  const c = await runCosign(['download', 'sbom', ...ctx.cosignFlags, one.ref]);
  assert.equal(c.code, 0, c.stderr);
  assert.equal(c.stdout, want);
  const two = await suite.push(ctx, 'sbom-c');
  assert.equal((await runCosign(['attach', 'sbom', '--sbom', bom, '--type', 'cyclonedx', ...ctx.cosignFlags, two.ref])).code, 0);
  const o = await runOcisign(['download', 'sbom', ...ctx.ocisignFlags, two.ref]);
  assert.equal(o.code, 0, o.stderr);
  assert.equal(o.stdout, want);
  const manifest = async (img: typeof one) => (await fetch(`${ctx.registry.url}/v2/${img.repository.split('/').slice(1).join('/')}/manifests/${img.digest.replace(':', '-')}.sbom`, { headers: { accept: 'application/vnd.oci.image.manifest.v1+json' } })).text();
  assert.equal(await manifest(one), await manifest(two), 'same SBOM bytes give the same .sbom manifest');
});

test('8 concurrent ocisign attest processes keep 8 attestations', async (t) => {
  const ctx = await suite.need(t, ['cosign', 'skopeo', 'ocisign']);
  if (!ctx) return;
  const key = await ocisignKeyPair(ctx, 'att-race');
  const img = await suite.push(ctx, 'att-race');
  const bom = await bomFile();
  const runs = await Promise.all(Array.from({ length: 8 }, () => ocisignAttest(ctx, key, img.ref, bom)));
  runs.forEach((r) => assert.equal(r.code, 0, r.stderr));
  const r = await runCosign(['verify-attestation', '--key', key.pub, '--insecure-ignore-tlog', '--type', 'cyclonedx', ...ctx.cosignFlags, img.ref]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim().split('\n').length, 8);
});
