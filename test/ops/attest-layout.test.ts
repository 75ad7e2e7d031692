// attest / verify-attestation / attach / download / release through the CLI (in process) on OCI layouts:
// exit codes, policy violations (14), bad input writes nothing.
import assert from 'node:assert/strict';
import { mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { appendAttachment } from '../../src/cosign/append.ts';
import { readAttachments } from '../../src/cosign/attachments.ts';
import { createLayoutRepository } from '../../src/oci/layout/layout-repository.ts';
import { parseLayoutReference } from '../../src/oci/reference.ts';
import { attach } from './attach.ts';
import { pushTestImage, runCli, writeTestKeyPair } from '../cosign/test-image.ts';
import { writeSampleLayout } from '../interop/sample-image.ts';
import { closedPortUrl } from '../helpers/sigstore-mock.ts';

let dir: string;
let keys: { key: string; pub: string };
let bom: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ocisign-attest-'));
  keys = await writeTestKeyPair(join(dir, 'k'));
  bom = join(dir, 'bom.json');
  await writeFile(bom, JSON.stringify({ bomFormat: 'CycloneDX', specVersion: '1.6', components: [{ name: 'a', licenses: [{ license: { id: 'MIT' } }] }] }));
});
after(async () => rm(dir, { recursive: true, force: true }));

async function image(name: string) {
  const layout = join(dir, name);
  const repo = createLayoutRepository(parseLayoutReference(`oci:${layout}`));
  const digest = await pushTestImage(repo, 'v1', name);
  return { repo, digest, ref: `oci:${layout}@${digest}` };
}

const attest = (ref: string, extra: string[] = []) => runCli(['attest', '--new-bundle-format=false', '--key', keys.key, '--tlog-upload=false', '--type', 'cyclonedx', '--predicate', bom, ...extra, ref]);
const verifyAtt = (ref: string, extra: string[] = []) => runCli(['verify-attestation', '--key', keys.pub, '--insecure-ignore-tlog', ...extra, ref]);

test('attest appends (no dedupe), verify-attestation checks type and prints statements', async () => {
  const img = await image('a');
  assert.equal((await attest(img.ref)).code, 0);
  assert.equal((await attest(img.ref, ['--statement-version', 'v0.1'])).code, 0);
  const set = await readAttachments(img.repo, img.digest, 'attestation');
  assert.equal(set.layers.length, 2);
  assert.deepEqual(set.layers[0]!.annotations, { 'dev.cosignproject.cosign/signature': '', predicateType: 'https://cyclonedx.org/bom' });
  assert.equal(set.layers[0]!.descriptor.mediaType, 'application/vnd.dsse.envelope.v1+json');
  const v = await verifyAtt(img.ref, ['--type', 'cyclonedx', '--output', 'json']);
  assert.equal(v.code, 0, v.stderr);
  const out = JSON.parse(v.stdout) as { statements: { _type: string; subject: { digest: { sha256: string } }[] }[] };
  assert.deepEqual(out.statements.map((s) => s._type).sort(), ['https://in-toto.io/Statement/v0.1', 'https://in-toto.io/Statement/v1']);
  assert.equal(out.statements[0]!.subject[0]!.digest.sha256, img.digest.slice(7));
  const custom = await verifyAtt(img.ref);
  assert.equal(custom.code, 12);
  assert.match(custom.stderr, /none of the attestations matched the predicate type: custom, found: https:\/\/cyclonedx\.org\/bom/);
  const tlog = await runCli(['verify-attestation', '--key', keys.pub, '--type', 'cyclonedx', img.ref]);
  assert.equal(tlog.code, 12);
  // tlog upload is the default: an unreachable Rekor is an I/O error and nothing is written
  const noRekor = await runCli(['attest', '--new-bundle-format=false', '--key', keys.key, '--rekor-url', await closedPortUrl(), '--predicate', bom, img.ref]);
  assert.equal(noRekor.code, 4, noRekor.stderr);
  assert.match(noRekor.stderr, /nothing was written: uploading to the transparency log/);
  assert.equal((await readAttachments(img.repo, img.digest, 'attestation')).layers.length, 2);
});

test('verify-attestation: exit 10 without attestations, 11 without the image, 12 on an unknown layer media type', async () => {
  const img = await image('b');
  assert.equal((await verifyAtt(img.ref)).code, 10);
  assert.equal((await verifyAtt(img.ref.replace(/@.*/, ':nope'))).code, 11);
  await attach(img.repo, img.digest, 'attestation');
  await appendAttachment(img.repo, img.digest, { payload: new TextEncoder().encode('{}'), mediaType: 'text/plain', annotations: { 'dev.cosignproject.cosign/signature': '' } }, { kind: 'attestation', settle: false });
  const r = await verifyAtt(img.ref, ['--type', 'cyclonedx']);
  assert.equal(r.code, 12);
  assert.match(r.stderr, /\.att layer 0 \(sha256:[0-9a-f]+\): attestation layer is not a JSON DSSE envelope/);
  assert.match(r.stderr, /\.att layer 1 \(sha256:[0-9a-f]+\): unknown layer media type text\/plain/);
});

test('policy: pass, violation (14) naming the rule, missing type (14), bad policy (3)', async () => {
  const img = await image('c');
  await attest(img.ref);
  const policy = (cond: string, type = 'cyclonedx') => {
    const file = join(dir, `policy-${Math.random().toString(16).slice(2)}.yaml`);
    return writeFile(file, `keys: [${keys.pub}]\nattestations:\n  - type: ${type}\n    name: sbom\n    conditions:\n      rule-1: "${cond}"\n`).then(() => file);
  };
  const pass = await runCli(['verify-attestation', '--insecure-ignore-tlog', '--policy', await policy("predicate.components.all(c, c.name != 'evil')"), img.ref]);
  assert.equal(pass.code, 0, pass.stderr);
  const fail = await runCli(['verify-attestation', '--insecure-ignore-tlog', '--policy', await policy("predicate.components.all(c, c.name == 'b')"), img.ref]);
  assert.equal(fail.code, 14);
  assert.match(fail.stderr, /policy violated: rule attestations\[0\] \(sbom\) condition "rule-1": evaluated to false/);
  const missing = await runCli(['verify-attestation', '--insecure-ignore-tlog', '--policy', await policy('true', 'slsaprovenance1'), img.ref]);
  assert.equal(missing.code, 14);
  assert.match(missing.stderr, /no verified attestation of type https:\/\/slsa\.dev\/provenance\/v1/);
  const bad = await runCli(['verify-attestation', '--insecure-ignore-tlog', '--policy', await policy('predicate.components.all(c, '), img.ref]);
  assert.equal(bad.code, 3);
  assert.match(bad.stderr, /condition "rule-1": syntax error/);
});

test('bad input writes nothing: non-JSON predicate, predicate over 128 MiB (size checked before reading)', async () => {
  const img = await image('d');
  const xml = join(dir, 'bom.xml');
  await writeFile(xml, '<bom/>');
  const r = await runCli(['attest', '--new-bundle-format=false', '--key', keys.key, '--tlog-upload=false', '--type', 'cyclonedx', '--predicate', xml, img.ref]);
  assert.equal(r.code, 3);
  assert.match(r.stderr, /bom\.xml: not JSON/);
  const huge = join(dir, 'huge.json');
  await writeFile(huge, '');
  await truncate(huge, 128 * 1024 * 1024 + 1); // sparse: nothing is allocated, nothing read
  const h = await runCli(['attest', '--new-bundle-format=false', '--key', keys.key, '--tlog-upload=false', '--type', 'cyclonedx', '--predicate', huge, img.ref]);
  assert.equal(h.code, 3);
  assert.match(h.stderr, /huge\.json: 134217729 bytes, more than the limit of 134217728/);
  assert.equal((await readAttachments(img.repo, img.digest, 'attestation')).layers.length, 0);
});

test('attach sbom replaces, download sbom prints the bytes; download attestation/signature print JSON lines', async () => {
  const img = await image('e');
  const a = await runCli(['attach', 'sbom', '--sbom', bom, '--type', 'cyclonedx', img.ref]);
  assert.equal(a.code, 0, a.stderr);
  assert.match(a.stderr, /does not sign them.*attest --type cyclonedx/);
  await runCli(['attach', 'sbom', '--sbom', bom, '--type', 'cyclonedx', img.ref]);
  const set = await readAttachments(img.repo, img.digest, 'sbom');
  assert.equal(set.layers.length, 1);
  assert.equal(set.layers[0]!.descriptor.mediaType, 'application/vnd.cyclonedx+json');
  const d = await runCli(['download', 'sbom', img.ref]);
  assert.equal(d.code, 0);
  const { readFile } = await import('node:fs/promises');
  assert.equal(d.stdout, await readFile(bom, 'utf8'));
  await attest(img.ref);
  const lines = (await runCli(['download', 'attestation', '--predicate-type', 'cyclonedx', img.ref])).stdout.trim().split('\n');
  assert.equal(lines.length, 1);
  assert.equal((JSON.parse(lines[0]!) as { payloadType: string }).payloadType, 'application/vnd.in-toto+json');
  assert.equal((await runCli(['download', 'attestation', '--predicate-type', 'openvex', img.ref])).code, 12);
});

test('release: SBOM → signature → cyclonedx attestation (+ .sbom), verifiable afterwards', async () => {
  const layout = join(dir, 'rel');
  const sample = await writeSampleLayout(layout, 'release');
  const ref = `oci:${layout}@${sample.digest}`;
  const r = await runCli(['release', '--new-bundle-format=false', '--key', keys.key, '--tlog-upload=false', '--attach-sbom', '--output', 'json', ref], { SOURCE_DATE_EPOCH: '1700000000' });
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { digest: string; signatures: unknown[]; attestations: { predicateType: string }[]; sbomAttachment?: { mediaType: string } };
  assert.equal(out.digest, sample.digest);
  assert.equal(out.signatures.length, 1);
  assert.equal(out.attestations[0]!.predicateType, 'https://cyclonedx.org/bom');
  assert.equal(out.sbomAttachment?.mediaType, 'application/vnd.cyclonedx+json');
  const v = await verifyAtt(ref, ['--type', 'cyclonedx']);
  assert.equal(v.code, 0, v.stderr);
});

test('verify --policy: signatures by the policy keys + required attestations in one call', async () => {
  const img = await image('f');
  const policy = join(dir, 'gate.yaml');
  await writeFile(policy, `keys: [${keys.pub}]\nattestations:\n  - type: cyclonedx\n    conditions:\n      mit-only: "predicate.components.all(c, c.licenses.all(l, l.license.id == 'MIT'))"\n`);
  const gate = (extra: string[] = []) => runCli(['verify', '--policy', policy, '--insecure-ignore-tlog', ...extra, img.ref]);
  assert.equal((await gate()).code, 10, 'no signatures yet');
  assert.equal((await runCli(['sign', '--new-bundle-format=false', '--key', keys.key, '--tlog-upload=false', img.ref])).code, 0);
  const noAtt = await gate();
  assert.equal(noAtt.code, 14);
  assert.match(noAtt.stderr, /no verified attestation of type https:\/\/cyclonedx\.org\/bom/);
  await attest(img.ref);
  const ok = await gate();
  assert.equal(ok.code, 0, ok.stderr);
  assert.deepEqual((JSON.parse(ok.stdout) as { attestations: string[] }).attestations, ['https://cyclonedx.org/bom']);
});
