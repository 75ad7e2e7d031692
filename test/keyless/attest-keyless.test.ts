// Keyless and logged attestations on the real registry (distribution 2.8) with @sigstore/mock's Fulcio, Rekor
// and TSA on loopback; verify-attestation offline with the mock's trusted_root.json. Rekor's dsse entries as the
// real Rekor logs them (canonical); a body in proposal shape, which only bare @sigstore/mock logs, is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readAttachments } from '../../src/cosign/attachments.ts';
import { CosignAnnotation } from '../../src/cosign/media-types.ts';
import { openRepository } from '../../src/oci/open.ts';
import type { Repository } from '../../src/oci/repository.ts';
import { runCli, writeTestKeyPair } from '../cosign/test-image.ts';
import { writeSampleLayout } from '../interop/sample-image.ts';
import { keylessEnv, type KeylessEnv } from '../helpers/keyless-env.ts';
import { closedPortUrl, MOCK_ISSUER, MOCK_SUBJECT, type MockOptions, type SigstoreMock } from '../helpers/sigstore-mock.ts';

/** `mock` logs dsse entries as the real Rekor does; `proposal` logs dsse proposals as sent (bare @sigstore/mock). */
const MOCKS = { mock: {}, proposal: { rekorDsse: 'proposal' } } satisfies Record<string, MockOptions>;
type Env = KeylessEnv<typeof MOCKS>;
const { need, image } = keylessEnv('keyless-att', MOCKS);

const HTTP = ['--allow-http-registry'];
const IDENTITY = ['--certificate-identity', MOCK_SUBJECT, '--certificate-oidc-issuer', MOCK_ISSUER];

async function keylessAttest(e: Env, mock: SigstoreMock, ref: string, extra: string[] = []) {
  return runCli(['attest', '--new-bundle-format=false', ...HTTP, '--yes', '--fulcio-url', mock.fulcioUrl, '--rekor-url', mock.rekorUrl, '--identity-token', await mock.token(), '--type', 'cyclonedx', '--predicate', e.bom, ...extra, ref]);
}

const verifyAtt = (mock: SigstoreMock, ref: string, extra: string[]) =>
  runCli(['verify-attestation', ...HTTP, '--trusted-root', mock.trustedRootPath, '--type', 'cyclonedx', ...extra, ref]);

async function attLayers(repo: Repository, digest: string) {
  return (await readAttachments(repo, digest, 'attestation', { payloads: true })).layers;
}

function rekorBody(bundleAnnotation: string): { kind: string; apiVersion: string; spec: Record<string, unknown> } {
  return JSON.parse(Buffer.from(JSON.parse(bundleAnnotation).Payload.body, 'base64').toString('utf8'));
}

for (const shape of ['proposal', 'canonical'] as const) {
  test(`keyless attest (${shape} dsse entry): certificate, chain, dsse bundle, timestamp; verify-attestation with identity`, async (t) => {
    const e = need(t);
    if (!e) return;
    const mock = shape === 'proposal' ? e.proposal : e.mock;
    const img = await image(e, `ok-${shape}`);
    const attested = await keylessAttest(e, mock, img.ref, ['--timestamp-server-url', mock.tsaUrl]);
    assert.equal(attested.code, 0, attested.stderr);
    assert.match(attested.stderr, /Signing as https:\/\/github\.com\/acme\/app/);
    const [layer] = await attLayers(img.repo, img.digest);
    assert.ok(layer);
    assert.equal(layer.descriptor.mediaType, 'application/vnd.dsse.envelope.v1+json');
    assert.equal(layer.annotations[CosignAnnotation.Signature], '');
    assert.equal(layer.annotations.predicateType, 'https://cyclonedx.org/bom');
    assert.match(layer.annotations[CosignAnnotation.Certificate]!, /^-----BEGIN CERTIFICATE-----\n/);
    assert.match(layer.annotations[CosignAnnotation.Chain]!, /^-----BEGIN CERTIFICATE-----\n/);
    assert.ok(JSON.parse(layer.annotations[CosignAnnotation.Rfc3161Timestamp]!).SignedRFC3161Timestamp);
    const body = rekorBody(layer.annotations[CosignAnnotation.Bundle]!);
    assert.equal(body.kind, 'dsse');
    assert.equal(body.apiVersion, '0.0.1');
    if (shape === 'proposal') {
      // @sigstore/mock logs what it was sent: the envelope is the exact .att layer
      const content = body.spec.proposedContent as { envelope: string; verifiers: string[] };
      assert.equal(content.envelope, Buffer.from(layer.payload!).toString('utf8'));
      assert.equal(Buffer.from(content.verifiers[0]!, 'base64').toString('utf8'), layer.annotations[CosignAnnotation.Certificate]);
    } else {
      const { createHash } = await import('node:crypto');
      const spec = body.spec as { envelopeHash: { value: string }; signatures: { signature: string; verifier: string }[] };
      assert.deepEqual(Object.keys(spec).sort(), ['envelopeHash', 'payloadHash', 'signatures']);
      assert.equal(spec.envelopeHash.value, createHash('sha256').update(layer.payload!).digest('hex'));
      assert.equal(spec.signatures[0]!.signature, JSON.parse(Buffer.from(layer.payload!).toString('utf8')).signatures[0].sig);
    }

    const ok = await verifyAtt(mock, img.ref, [...IDENTITY, '--output', 'json']);
    if (shape === 'proposal') {
      // the real Rekor never logs a proposal as sent: its body names no signature to compare
      assert.equal(ok.code, 12, ok.stderr);
      assert.match(ok.stderr, /transparency log entry: signature count mismatch/);
      return;
    }
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stderr, /transparency log was verified offline/);
    assert.match(ok.stderr, /code-signing certificate was verified using trusted certificate authority certificates/);
    assert.equal(JSON.parse(ok.stdout).statements[0].subject[0].digest.sha256, img.digest.slice(7));

    const regexp = await verifyAtt(mock, img.ref, ['--certificate-identity-regexp', 'https://github\\.com/acme/app/.*', '--certificate-oidc-issuer', MOCK_ISSUER, '--certificate-github-workflow-repository', 'acme/app']);
    assert.equal(regexp.code, 0, regexp.stderr);
    const wrong = await verifyAtt(mock, img.ref, ['--certificate-identity', 'https://github.com/evil/app/.github/workflows/release.yml@refs/heads/main', '--certificate-oidc-issuer', MOCK_ISSUER]);
    assert.equal(wrong.code, 12);
    assert.match(wrong.stderr, /no matching attestations[\s\S]*certificate identity \[".*acme\/app.*"\] does not match/);
    const unanchored = await verifyAtt(mock, img.ref, ['--certificate-identity-regexp', 'acme/app', '--certificate-oidc-issuer', MOCK_ISSUER]);
    assert.equal(unanchored.code, 12, 'regexps are anchored');
    const noIssuer = await verifyAtt(mock, img.ref, ['--certificate-identity', MOCK_SUBJECT]);
    assert.equal(noIssuer.code, 2);
  });
}

test('key attest logs a dsse entry by default; verify-attestation checks its SET without --insecure-ignore-tlog', async (t) => {
  const e = need(t);
  if (!e) return;
  const img = await image(e, 'logged-key');
  const key = await writeTestKeyPair(join(e.dir, `k-${e.seq}`));
  const attested = await runCli(['attest', '--new-bundle-format=false', ...HTTP, '--key', key.key, '--rekor-url', e.mock.rekorUrl, '--type', 'cyclonedx', '--predicate', e.bom, img.ref]);
  assert.equal(attested.code, 0, attested.stderr);
  const [layer] = await attLayers(img.repo, img.digest);
  assert.equal(layer!.annotations[CosignAnnotation.Certificate], undefined);
  const body = rekorBody(layer!.annotations[CosignAnnotation.Bundle]!);
  assert.equal(body.kind, 'dsse');
  const verifier = (body.spec.signatures as { verifier: string }[])[0]!.verifier;
  assert.match(Buffer.from(verifier, 'base64').toString('utf8'), /^-----BEGIN PUBLIC KEY-----/);

  const ok = await verifyAtt(e.mock, img.ref, ['--key', key.pub]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stderr, /transparency log was verified offline/);
  // the same entry against another log's keys: the SET names an unknown log
  const foreign = await verifyAtt(e.proposal, img.ref, ['--key', key.pub]);
  assert.equal(foreign.code, 12);
  assert.match(foreign.stderr, /transparency log entry: unknown Rekor log [0-9a-f]{64}/);
  // keyless verification of a key-only attestation: no certificate, exit 13
  const noCert = await verifyAtt(e.mock, img.ref, IDENTITY);
  assert.equal(noCert.code, 13, noCert.stderr);
  assert.match(noCert.stderr, /no certificate found on any attestation/);
});

test('a bundle moved from another attestation is refused (the entry records another envelope)', async (t) => {
  const e = need(t);
  if (!e) return;
  const a = await image(e, 'moved-a');
  const b = await image(e, 'moved-b');
  const key = await writeTestKeyPair(join(e.dir, `k-${e.seq}`));
  for (const img of [a, b]) {
    const r = await runCli(['attest', '--new-bundle-format=false', ...HTTP, '--key', key.key, '--rekor-url', e.mock.rekorUrl, '--type', 'cyclonedx', '--predicate', e.bom, img.ref]);
    assert.equal(r.code, 0, r.stderr);
  }
  const [layerA] = await attLayers(a.repo, a.digest);
  const [layerB] = await attLayers(b.repo, b.digest);
  // b's envelope with a's (valid, signed) bundle, in a separate attestation repository
  const { appendAttachment } = await import('../../src/cosign/append.ts');
  const other = `keyless-att/moved-store-${e.seq}`;
  const store = await openRepository({ kind: 'registry', registry: e.registry.host, repository: other }, { dispatcher: e.dispatcher, allowHttp: true });
  const annotations = { ...layerB!.annotations, [CosignAnnotation.Bundle]: layerA!.annotations[CosignAnnotation.Bundle]! };
  await appendAttachment(store, b.digest, { payload: layerB!.payload!, mediaType: layerB!.descriptor.mediaType, annotations }, { kind: 'attestation' });
  const moved = await verifyAtt(e.mock, b.ref, ['--key', key.pub, '--repository', `${e.registry.host}/${other}`]);
  assert.equal(moved.code, 12);
  assert.match(moved.stderr, /transparency log entry: tlog entry signature mismatch/);
  const own = await verifyAtt(e.mock, b.ref, ['--key', key.pub]);
  assert.equal(own.code, 0, own.stderr);
});

test('attest and release: an unreachable Rekor exits 4 and nothing is written', async (t) => {
  const e = need(t);
  if (!e) return;
  const img = await image(e, 'no-rekor');
  const closed = await closedPortUrl();
  const keyless = await runCli(['attest', '--new-bundle-format=false', ...HTTP, '--yes', '--fulcio-url', e.mock.fulcioUrl, '--rekor-url', closed, '--identity-token', await e.mock.token(), '--type', 'cyclonedx', '--predicate', e.bom, img.ref]);
  assert.equal(keyless.code, 4);
  assert.match(keyless.stderr, /nothing was written: uploading to the transparency log http:\/\/127\.0\.0\.1:\d+: .*ECONNREFUSED/);
  const key = await writeTestKeyPair(join(e.dir, `k-${e.seq}`));
  const keyed = await runCli(['attest', '--new-bundle-format=false', ...HTTP, '--key', key.key, '--rekor-url', closed, '--type', 'cyclonedx', '--predicate', e.bom, img.ref]);
  assert.equal(keyed.code, 4);
  assert.equal((await attLayers(img.repo, img.digest)).length, 0);

  const layout = join(e.dir, 'rel-no-rekor');
  const sample = await writeSampleLayout(layout, 'rel-no-rekor');
  const ref = `oci:${layout}@${sample.digest}`;
  const rel = await runCli(['release', '--new-bundle-format=false', '--yes', '--fulcio-url', e.mock.fulcioUrl, '--rekor-url', closed, '--identity-token', await e.mock.token(), ref]);
  assert.equal(rel.code, 4);
  const { createLayoutRepository } = await import('../../src/oci/layout/layout-repository.ts');
  const { parseLayoutReference } = await import('../../src/oci/reference.ts');
  const repo = createLayoutRepository(parseLayoutReference(`oci:${layout}`));
  assert.equal((await readAttachments(repo, sample.digest, 'signature')).layers.length, 0);
  assert.equal((await readAttachments(repo, sample.digest, 'attestation')).layers.length, 0);
});

test('keyless release: signature (hashedrekord) and SBOM attestation (dsse), both verifiable by identity', async (t) => {
  const e = need(t);
  if (!e) return;
  const layout = join(e.dir, 'rel-keyless');
  const sample = await writeSampleLayout(layout, 'rel-keyless');
  const ref = `oci:${layout}@${sample.digest}`;
  const rel = await runCli(['release', '--new-bundle-format=false', '--yes', '--fulcio-url', e.mock.fulcioUrl, '--rekor-url', e.mock.rekorUrl, '--identity-token', await e.mock.token(), '--output', 'json', ref]);
  assert.equal(rel.code, 0, rel.stderr);
  const out = JSON.parse(rel.stdout) as { signatures: unknown[]; attestations: unknown[] };
  assert.equal(out.signatures.length, 1);
  assert.equal(out.attestations.length, 1);
  const sig = await runCli(['verify', '--trusted-root', e.mock.trustedRootPath, ...IDENTITY, ref]);
  assert.equal(sig.code, 0, sig.stderr);
  const att = await verifyAtt(e.mock, ref, IDENTITY);
  assert.equal(att.code, 0, att.stderr);
});
