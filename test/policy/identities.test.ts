// Policy files that trust keyless identities (and name a trustedRoot): load-time checks, then deploy gates on
// the real registry with @sigstore/mock's Fulcio + Rekor: `verify --policy` and `verify-attestation --policy`
// pass with the right identity and fail with a wrong one (exit 12 at the signature step of verify, exit 14
// at the attestation rule of verify-attestation: no trusted attestation of the required type).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isOcisignError } from '../../src/core/errors.ts';
import { parsePolicy } from '../../src/policy/policy-file.ts';
import { runCli, writeTestKeyPair } from '../cosign/test-image.ts';
import { keylessEnv, type KeylessEnv } from '../helpers/keyless-env.ts';
import { MOCK_ISSUER, startSigstoreMock, type MockOptions } from '../helpers/sigstore-mock.ts';

test('policy identities: compiled at load (anchored regexps), trustedRoot relative to the file', () => {
  const p = parsePolicy(
    `identities:
  - issuer: ${MOCK_ISSUER}
    subjectRegExp: "https://github\\\\.com/acme/app/.*"
    githubWorkflowRepository: acme/app
  - issuerRegExp: "https://accounts\\\\.google\\\\.com"
    subject: alice@example.com
trustedRoot: trust/root.json
signatures: optional
attestations: [{ type: cyclonedx }]
`,
    '/etc/gate/policy.yaml',
  );
  assert.equal(p.identities.length, 2);
  assert.equal(p.trustedRoot, '/etc/gate/trust/root.json');
  assert.deepEqual(p.keys, []);
  assert.ok(p.identities[0]!.subject.test('https://github.com/acme/app/.github/workflows/release.yml@refs/heads/main'));
  assert.ok(!p.identities[0]!.subject.test('https://evil.example/x?https://github.com/acme/app/'), 'anchored');
  assert.equal(p.identities[0]!.claims[0]!.value, 'acme/app');
  assert.ok(p.identities[1]!.issuer!.test('https://accounts.google.com'));
  assert.equal(parsePolicy('keys: [k.pub]', '/p.yaml').identities.length, 0);
});

test('policy identities: bad entries are exit 3 naming the file and entry', () => {
  const cases: [string, RegExp][] = [
    ['identities: {issuer: x}', /policy p\.yaml: identities must be a list/],
    ['identities: [x]', /identities\[0\] must be a mapping/],
    ['identities: [{subject: a}]', /identities\[0\]: issuer or issuerRegExp is required/],
    ['identities: [{issuer: a}]', /identities\[0\]: subject or subjectRegExp is required/],
    ['identities: [{issuer: a, subject: b, email: c}]', /identities\[0\]: unknown field "email"/],
    ['identities: [{issuer: a, subject: b, subjectRegExp: c}]', /identities\[0\]: certificate identity: give either the exact value or the regexp/],
    ['identities: [{issuer: a, subjectRegExp: "("}]', /identities\[0\]: certificate identity regexp "\("/],
    ['identities: [{issuer: a, subject: 7}]', /identities\[0\]\.subject must be a non-empty string/],
    ['trustedRoot: 7', /trustedRoot must be a path/],
  ];
  for (const [text, re] of cases) {
    assert.throws(() => parsePolicy(text, 'p.yaml'), (err: unknown) => isOcisignError(err, 'BAD_INPUT') && re.test(err.message), text);
  }
});

const MOCKS = { mock: { rekorDsse: 'canonical' } } satisfies Record<string, MockOptions>;
type Env = KeylessEnv<typeof MOCKS>;
const { need, image } = keylessEnv('policy-id', MOCKS);

const HTTP = ['--allow-http-registry'];

/** A fresh image, keyless-signed and keyless-attested (cyclonedx) with the mock. */
async function keylessImage(e: Env, name: string): Promise<string> {
  const { ref } = await image(e, name);
  const services = ['--yes', '--fulcio-url', e.mock.fulcioUrl, '--rekor-url', e.mock.rekorUrl, '--identity-token', await e.mock.token()];
  const signed = await runCli(['sign', '--new-bundle-format=false', ...HTTP, ...services, ref]);
  assert.equal(signed.code, 0, signed.stderr);
  const attested = await runCli(['attest', '--new-bundle-format=false', ...HTTP, ...services, '--type', 'cyclonedx', '--predicate', e.bom, ref]);
  assert.equal(attested.code, 0, attested.stderr);
  return ref;
}

async function policyFile(e: Env, name: string, body: string): Promise<string> {
  const path = join(e.dir, `${name}.yaml`);
  await writeFile(path, `${body}\ntrustedRoot: ${e.mock.trustedRootPath}\nattestations:\n  - type: cyclonedx\n    conditions:\n      mit: "predicate.components.all(c, c.licenses.all(l, l.license.id == 'MIT'))"\n`);
  return path;
}

const RIGHT = `identities:\n  - issuer: ${MOCK_ISSUER}\n    subjectRegExp: "https://github\\\\.com/acme/app/\\\\.github/workflows/.*"\n    githubWorkflowRepository: acme/app`;
const WRONG = `identities:\n  - issuer: ${MOCK_ISSUER}\n    subject: https://github.com/evil/app/.github/workflows/release.yml@refs/heads/main`;

test('verify --policy and verify-attestation --policy trust a keyless identity (trustedRoot from the policy)', async (t) => {
  const e = need(t);
  if (!e) return;
  const ref = await keylessImage(e, 'right');
  const policy = await policyFile(e, 'right', RIGHT);
  const gate = await runCli(['verify', ...HTTP, '--policy', policy, ref]);
  assert.equal(gate.code, 0, gate.stderr);
  assert.match(gate.stderr, /Policy .* satisfied by/);
  assert.deepEqual(JSON.parse(gate.stdout).attestations, ['https://cyclonedx.org/bom']);
  const att = await runCli(['verify-attestation', ...HTTP, '--policy', policy, ref]);
  assert.equal(att.code, 0, att.stderr);
});

test('a wrong identity: verify --policy exits 12 (no trusted signature), verify-attestation --policy 14 (required attestation missing)', async (t) => {
  const e = need(t);
  if (!e) return;
  const ref = await keylessImage(e, 'wrong');
  const policy = await policyFile(e, 'wrong', WRONG);
  const gate = await runCli(['verify', ...HTTP, '--policy', policy, ref]);
  assert.equal(gate.code, 12, gate.stderr);
  assert.match(gate.stderr, /no matching signatures[\s\S]*certificate identity \[".*acme\/app.*"\] does not match "https:\/\/github\.com\/evil/);
  const att = await runCli(['verify-attestation', ...HTTP, '--policy', policy, ref]);
  assert.equal(att.code, 14, att.stderr);
  assert.match(att.stderr, /policy violated: .*cyclonedx[\s\S]*certificate identity .* does not match/);
  // signatures optional: verify --policy reaches the attestation rule, 14 too
  const optional = join(e.dir, 'wrong-optional.yaml');
  const { readFile } = await import('node:fs/promises');
  await writeFile(optional, `signatures: optional\n${await readFile(policy, 'utf8')}`);
  assert.equal((await runCli(['verify', ...HTTP, '--policy', optional, ref])).code, 14);
});

test('a policy with keys and identities accepts either signer; --trusted-root overrides the policy', async (t) => {
  const e = need(t);
  if (!e) return;
  const keyless = await keylessImage(e, 'mixed-keyless');
  const key = await writeTestKeyPair(join(e.dir, `k-${e.seq}`));
  const { ref: keyed } = await image(e, 'mixed-key');
  const logged = ['--key', key.key, '--rekor-url', e.mock.rekorUrl];
  assert.equal((await runCli(['sign', '--new-bundle-format=false', ...HTTP, ...logged, keyed])).code, 0);
  assert.equal((await runCli(['attest', '--new-bundle-format=false', ...HTTP, ...logged, '--type', 'cyclonedx', '--predicate', e.bom, keyed])).code, 0);
  const policy = await policyFile(e, 'mixed', `keys: [${key.pub}]\n${WRONG}`);
  assert.equal((await runCli(['verify', ...HTTP, '--policy', policy, keyed])).code, 0, 'the key signs it');
  assert.equal((await runCli(['verify', ...HTTP, '--policy', policy, keyless])).code, 12, 'neither the key nor the identity');
  const both = await policyFile(e, 'both', `keys: [${key.pub}]\n${RIGHT}`);
  for (const ref of [keyed, keyless]) {
    const r = await runCli(['verify', ...HTTP, '--policy', both, ref]);
    assert.equal(r.code, 0, r.stderr);
  }
  // another log's trust material given on the command line wins over the policy's trustedRoot
  const other = await startSigstoreMock();
  t.after(() => other.stop());
  const foreign = await runCli(['verify', ...HTTP, '--policy', both, '--trusted-root', other.trustedRootPath, keyless]);
  assert.equal(foreign.code, 12);
});
