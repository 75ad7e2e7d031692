// Keyless and logged signing against the real registry (distribution 2.8) and @sigstore/mock's Fulcio, Rekor
// and TSA on loopback; verification offline with the mock's trusted_root.json.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readAttachments } from '../../src/cosign/attachments.ts';
import { CosignAnnotation } from '../../src/cosign/media-types.ts';
import type { Repository } from '../../src/oci/repository.ts';
import { runCli, writeTestKeyPair } from '../cosign/test-image.ts';
import { keylessEnv, type KeylessEnv } from '../helpers/keyless-env.ts';
import { closedPortUrl, MOCK_ISSUER, MOCK_SUBJECT, startSigstoreMock, type MockOptions } from '../helpers/sigstore-mock.ts';

const MOCKS = { mock: {} } satisfies Record<string, MockOptions>;
type Env = KeylessEnv<typeof MOCKS>;
const { need, image } = keylessEnv('keyless', MOCKS);

const HTTP = ['--allow-http-registry'];

async function keylessSign(e: Env, ref: string, extra: string[] = [], token?: string) {
  return runCli(['sign', '--new-bundle-format=false', ...HTTP, '--yes', '--fulcio-url', e.mock.fulcioUrl, '--rekor-url', e.mock.rekorUrl, '--identity-token', token ?? (await e.mock.token()), ...extra, ref]);
}

function verifyArgs(e: Env, ref: string, extra: string[]): string[] {
  return ['verify', ...HTTP, '--trusted-root', e.mock.trustedRootPath, ...extra, ref];
}

const IDENTITY = ['--certificate-identity', MOCK_SUBJECT, '--certificate-oidc-issuer', MOCK_ISSUER];

async function sigLayers(repo: Repository, digest: string) {
  return (await readAttachments(repo, digest, 'signature', { payloads: true })).layers;
}

test('keyless sign writes cosign annotations; verify with identity + issuer passes offline', async (t) => {
  const e = need(t);
  if (!e) return;
  const img = await image(e, 'ok');
  const signed = await keylessSign(e, img.ref, ['--timestamp-server-url', e.mock.tsaUrl]);
  assert.equal(signed.code, 0, signed.stderr);
  assert.match(signed.stderr, new RegExp(`Signing as ${MOCK_SUBJECT.replaceAll('.', '\\.')} \\(oidc issuer ${MOCK_ISSUER.replaceAll('.', '\\.')}`));
  const [layer] = await sigLayers(img.repo, img.digest);
  assert.ok(layer);
  assert.match(layer.annotations[CosignAnnotation.Certificate]!, /^-----BEGIN CERTIFICATE-----\n[\s\S]+-----END CERTIFICATE-----\n$/);
  assert.match(layer.annotations[CosignAnnotation.Chain]!, /^-----BEGIN CERTIFICATE-----/);
  const bundle = JSON.parse(layer.annotations[CosignAnnotation.Bundle]!);
  assert.deepEqual(Object.keys(bundle), ['SignedEntryTimestamp', 'Payload']);
  assert.deepEqual(Object.keys(bundle.Payload), ['body', 'integratedTime', 'logIndex', 'logID']);
  assert.equal(JSON.parse(Buffer.from(bundle.Payload.body, 'base64').toString()).kind, 'hashedrekord');
  assert.ok(JSON.parse(layer.annotations[CosignAnnotation.Rfc3161Timestamp]!).SignedRFC3161Timestamp);

  const ok = await runCli(verifyArgs(e, img.ref, IDENTITY));
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stderr, /code-signing certificate was verified using trusted certificate authority certificates/);
  const out = JSON.parse(ok.stdout);
  assert.equal(out[0].critical.image['docker-manifest-digest'], img.digest);
  assert.equal(out[0].optional.Subject, MOCK_SUBJECT);
  assert.equal(out[0].optional.Issuer, MOCK_ISSUER);

  const claims = await runCli(verifyArgs(e, img.ref, [...IDENTITY, '--certificate-github-workflow-repository', 'acme/app', '--certificate-github-workflow-trigger', 'push']));
  assert.equal(claims.code, 0, claims.stderr);
  const wrongClaim = await runCli(verifyArgs(e, img.ref, [...IDENTITY, '--certificate-github-workflow-repository', 'acme/other']));
  assert.equal(wrongClaim.code, 12);
  assert.match(wrongClaim.stderr, /github workflow repository "acme\/app" does not equal "acme\/other"/);
});

test('wrong identity or issuer exits 12 with the reason; regexps are anchored', async (t) => {
  const e = need(t);
  if (!e) return;
  const img = await image(e, 'identity');
  assert.equal((await keylessSign(e, img.ref)).code, 0);
  const wrong = await runCli(verifyArgs(e, img.ref, ['--certificate-identity', 'https://github.com/evil/app/.github/workflows/release.yml@refs/heads/main', '--certificate-oidc-issuer', MOCK_ISSUER]));
  assert.equal(wrong.code, 12);
  assert.match(wrong.stderr, /no matching signatures[\s\S]*certificate identity \[".*acme\/app.*"\] does not match/);
  const issuer = await runCli(verifyArgs(e, img.ref, ['--certificate-identity', MOCK_SUBJECT, '--certificate-oidc-issuer', 'https://accounts.google.com']));
  assert.equal(issuer.code, 12);
  assert.match(issuer.stderr, /oidc issuer "https:\/\/token\.actions\.githubusercontent\.com" does not match/);
  // cosign would accept this unanchored substring; ocisign anchors it
  const partial = await runCli(verifyArgs(e, img.ref, ['--certificate-identity-regexp', 'acme/app', '--certificate-oidc-issuer', MOCK_ISSUER]));
  assert.equal(partial.code, 12);
  const full = await runCli(verifyArgs(e, img.ref, ['--certificate-identity-regexp', 'https://github\\.com/acme/app/.*', '--certificate-oidc-issuer-regexp', 'https://token\\.actions\\..*']));
  assert.equal(full.code, 0, full.stderr);
  const noIssuer = await runCli(verifyArgs(e, img.ref, ['--certificate-identity', MOCK_SUBJECT]));
  assert.equal(noIssuer.code, 2);
  assert.match(noIssuer.stderr, /needs --certificate-identity or --certificate-identity-regexp, and --certificate-oidc-issuer/);
});

test('key-based signing logs to Rekor; verify checks the SET without --insecure-ignore-tlog', async (t) => {
  const e = need(t);
  if (!e) return;
  const img = await image(e, 'logged-key');
  const key = await writeTestKeyPair(join(e.dir, `k-${e.seq}`));
  const signed = await runCli(['sign', '--new-bundle-format=false', ...HTTP, '--key', key.key, '--rekor-url', e.mock.rekorUrl, img.ref]);
  assert.equal(signed.code, 0, signed.stderr);
  const [layer] = await sigLayers(img.repo, img.digest);
  assert.ok(layer?.annotations[CosignAnnotation.Bundle]);
  assert.equal(layer.annotations[CosignAnnotation.Certificate], undefined);
  const ok = await runCli(verifyArgs(e, img.ref, ['--key', key.pub]));
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stderr, /transparency log was verified offline/);
  // the same signature against another log's keys: the SET names an unknown log
  const other = await startSigstoreMock();
  t.after(() => other.stop());
  const foreign = await runCli(['verify', ...HTTP, '--trusted-root', other.trustedRootPath, '--key', key.pub, img.ref]);
  assert.equal(foreign.code, 12);
  assert.match(foreign.stderr, /transparency log entry: unknown Rekor log [0-9a-f]{64}/);
  // keyless verification of a key-only signature: no certificate, exit 13
  const noCert = await runCli(verifyArgs(e, img.ref, IDENTITY));
  assert.equal(noCert.code, 13, noCert.stderr);
  assert.match(noCert.stderr, /no certificate found/);
});

test('bad tokens are refused before any request, and nothing is written', async (t) => {
  const e = need(t);
  if (!e) return;
  const img = await image(e, 'bad-token');
  const fulcioHits = () => e.mock.hits['/api/v2/signingCert'] ?? 0;
  const before = fulcioHits();
  const malformed = await keylessSign(e, img.ref, [], 'not-a-jwt');
  assert.equal(malformed.code, 3, malformed.stderr);
  assert.match(malformed.stderr, /identity token from --identity-token: not a JWT/);
  const audience = await keylessSign(e, img.ref, [], await e.mock.token({ aud: 'other' }));
  assert.equal(audience.code, 3);
  assert.match(audience.stderr, /audience "other" is not "sigstore"/);
  const expired = await keylessSign(e, img.ref, [], await e.mock.token({ exp: Math.floor(Date.now() / 1000) - 60 }));
  assert.equal(expired.code, 3);
  assert.match(expired.stderr, /expired at/);
  assert.equal(fulcioHits(), before, 'no certificate was requested');
  assert.equal((await sigLayers(img.repo, img.digest)).length, 0);
});

test('an unreachable Fulcio or Rekor is a clear error, and nothing is written', async (t) => {
  const e = need(t);
  if (!e) return;
  const img = await image(e, 'unreachable');
  const closed = await closedPortUrl();
  const token = await e.mock.token();
  const noFulcio = await runCli(['sign', '--new-bundle-format=false', ...HTTP, '--yes', '--fulcio-url', closed, '--rekor-url', e.mock.rekorUrl, '--identity-token', token, img.ref]);
  assert.equal(noFulcio.code, 4);
  assert.match(noFulcio.stderr, /requesting a signing certificate from fulcio http:\/\/127\.0\.0\.1:\d+: .*ECONNREFUSED/);
  const noRekor = await runCli(['sign', '--new-bundle-format=false', ...HTTP, '--yes', '--fulcio-url', e.mock.fulcioUrl, '--rekor-url', closed, '--identity-token', token, img.ref]);
  assert.equal(noRekor.code, 4);
  assert.match(noRekor.stderr, /nothing was written: uploading to the transparency log http:\/\/127\.0\.0\.1:\d+: .*ECONNREFUSED/);
  assert.equal((await sigLayers(img.repo, img.digest)).length, 0);
});

test('identity token from SIGSTORE_ID_TOKEN', async (t) => {
  const e = need(t);
  if (!e) return;
  const img = await image(e, 'env-token');
  const r = await runCli(['sign', '--new-bundle-format=false', ...HTTP, '--fulcio-url', e.mock.fulcioUrl, '--rekor-url', e.mock.rekorUrl, img.ref], { SIGSTORE_ID_TOKEN: await e.mock.token() });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /token from SIGSTORE_ID_TOKEN/);
  assert.equal((await runCli(verifyArgs(e, img.ref, IDENTITY))).code, 0);
});
