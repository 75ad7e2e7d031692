import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { Agent } from 'undici';
import { isOcisignError } from '../../src/core/errors.ts';
import { findIdentityToken, inspectIdentityToken } from '../../src/keyless/identity-token.ts';

const key = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
const jwt = (claims: Record<string, unknown>) => new SignJWT({ iss: 'https://issuer.example', aud: 'sigstore', ...claims }).setProtectedHeader({ alg: 'ES256' }).sign(key);

async function tempDir(t: { after(fn: () => Promise<void>): void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ocisign-token-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

test('sources in order: flag (token or file), SIGSTORE_ID_TOKEN, GitHub Actions, the token file', async (t) => {
  const dir = await tempDir(t);
  const missing = join(dir, 'none');
  const file = join(dir, 'oidc-token');
  const [a, b, c, d] = await Promise.all(['a', 'b', 'c', 'd'].map((sub) => jwt({ sub })));
  await writeFile(file, `${d}\n`);
  const requests: { url: string; auth?: string }[] = [];
  const server = createServer((req, res) => {
    requests.push({ url: req.url ?? '', auth: req.headers.authorization });
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ value: c }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const dispatcher = new Agent();
  t.after(async () => {
    await dispatcher.close();
    await new Promise<void>((r) => server.close(() => r()));
  });
  const gh = { ACTIONS_ID_TOKEN_REQUEST_URL: `http://127.0.0.1:${(server.address() as { port: number }).port}/token?api-version=2.0`, ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'req-token' };

  assert.deepEqual(await findIdentityToken({ flag: a, env: { SIGSTORE_ID_TOKEN: b, ...gh }, dispatcher, tokenFile: file }), { token: a, source: '--identity-token' });
  assert.equal((await findIdentityToken({ flag: file, env: {}, tokenFile: missing })).token, d, 'the flag may name a file');
  assert.deepEqual(await findIdentityToken({ env: { SIGSTORE_ID_TOKEN: b, ...gh }, dispatcher, tokenFile: file }), { token: b, source: 'SIGSTORE_ID_TOKEN' });
  assert.deepEqual(await findIdentityToken({ env: gh, dispatcher, tokenFile: file }), { token: c, source: 'github actions' });
  assert.deepEqual(requests, [{ url: '/token?api-version=2.0&audience=sigstore', auth: 'Bearer req-token' }]);
  assert.deepEqual(await findIdentityToken({ env: {}, tokenFile: file }), { token: d, source: file });
  await assert.rejects(findIdentityToken({ env: {}, tokenFile: missing }), (e) => isOcisignError(e, 'USAGE') && /needs an identity token/.test(e.message));
});

test('inspect: subject (email wins), issuer; malformed, wrong audience, expired, unverified email are bad input', async () => {
  const id = inspectIdentityToken(await jwt({ sub: 'repo:acme/app', exp: Math.floor(Date.now() / 1000) + 60 }));
  assert.equal(id.subject, 'repo:acme/app');
  assert.equal(id.issuer, 'https://issuer.example');
  assert.equal(inspectIdentityToken(await jwt({ sub: '123', email: 'dev@example.com', email_verified: true })).subject, 'dev@example.com');
  assert.equal(inspectIdentityToken(await jwt({ sub: 's', aud: ['other', 'sigstore'] })).subject, 's');
  const bad = async (token: string, re: RegExp) =>
    assert.throws(() => inspectIdentityToken(token), (e) => isOcisignError(e, 'BAD_INPUT') && e.exitCode === 3 && re.test(e.message));
  await bad('garbage', /not a JWT/);
  await bad(await jwt({ sub: 's', aud: 'other' }), /audience "other" is not "sigstore"/);
  await bad(await jwt({ sub: 's', exp: 1000 }), /expired at 1970/);
  await bad(await jwt({ sub: 's', iss: undefined }), /no "iss" claim/);
  await bad(await jwt({ email: 'x@example.com', email_verified: false }), /email x@example\.com is not verified/);
});
