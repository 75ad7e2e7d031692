// Per-image policy rules: policy-controller's glob semantics (`*` stops at `/`, `**` does not, docker
// normalisation, bare `*` and `*/*` for Docker Hub), the first matching rule wins, fields left out of a rule come
// from the top level, and an image no rule matches is denied unless the policy allows it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isOcisignError } from '../../src/core/errors.ts';
import { parseRegistryReference, repositoryName } from '../../src/oci/reference.ts';
import { compileImageGlob, type GlobSubject } from '../../src/policy/image-glob.ts';
import { policyForImage } from '../../src/policy/image-rules.ts';
import { parsePolicy } from '../../src/policy/policy-file.ts';

function subject(image: string): GlobSubject {
  const ref = parseRegistryReference(image);
  return { repository: repositoryName(ref), ...(ref.tag ? { tag: ref.tag } : {}), ...(ref.digest ? { digest: ref.digest } : {}) };
}

function matches(glob: string, image: string): boolean {
  const g = compileImageGlob(glob);
  if (typeof g === 'string') throw new Error(g);
  return g.test(subject(image));
}

const DIGEST = `sha256:${'a'.repeat(64)}`;

test('globs: * stops at /, ** does not; Docker Hub names are normalised; a tag or digest is part of the name', () => {
  const cases: [string, string, boolean][] = [
    ['index.docker.io/library/nginx:latest', 'nginx', true],
    ['index.docker.io/library/nginx:*', 'nginx:1.25', true],
    ['index.docker.io/library/*', 'nginx', true],
    ['index.docker.io/library/*', 'docker.io/library/nginx:1.25', true],
    ['index.docker.io/*/*', 'bitnami/redis:7', true],
    ['index.docker.io/**', 'bitnami/redis', true],
    ['*', 'nginx', true], // bare `*`: index.docker.io/library/*
    ['*', 'bitnami/redis', false],
    ['*/*', 'bitnami/redis', true], // bare `*/*`: index.docker.io/*/*
    ['*/*', 'ghcr.io/acme/app', false],
    ['docker.io/library/nginx', 'nginx:1.25', true], // docker.io in a glob means index.docker.io
    ['ghcr.io/*/*', 'ghcr.io/acme/app:1', true],
    ['ghcr.io/*/*', 'ghcr.io/acme/team/app:1', false], // * does not cross /
    ['ghcr.io/**', 'ghcr.io/acme/team/app:1', true],
    ['ghcr.io/acme/*', 'ghcr.io/acme/app@' + DIGEST, true], // * covers the tag or digest after the name
    ['ghcr.io/acme/app', 'ghcr.io/acme/app:1', true], // a repository glob covers every tag …
    ['ghcr.io/acme/app', `ghcr.io/acme/app@${DIGEST}`, true], // … and digest
    ['ghcr.io/acme/app', 'ghcr.io/acme/app-other:1', false],
    ['ghcr.io/acme/app:v1.*', 'ghcr.io/acme/app:v1.2', true],
    ['ghcr.io/acme/app:v1.*', 'ghcr.io/acme/app:v2.0', false],
    ['ghcr.io/acme/app:v1.*', `ghcr.io/acme/app:v1.2@${DIGEST}`, false], // with a digest the tag is not part of the name
    [`ghcr.io/acme/app@${DIGEST}`, `ghcr.io/acme/app:v1@${DIGEST}`, true],
    ['ghcr.io/foo', 'prefix-ghcr.io/foo', false], // anchored at the start …
    ['ghcr.io/foo', 'ghcr.io/foo-suffix', false], // … and at the end
    ['ghcr.io/**', 'ghcrxio/foo', false], // a dot is a dot
    ['127.0.0.1:5000/shop/*', '127.0.0.1:5000/shop/web:1.0', true],
  ];
  for (const [glob, image, want] of cases) assert.equal(matches(glob, image), want, `${glob} vs ${image}`);
  for (const bad of ['.+', '[a-z]*', 'ghcr.io/(a|b)', 'a b']) assert.match(compileImageGlob(bad) as string, /invalid glob/, bad);
});

const POLICY = `
keys: [keys/release.pub]
attestations:
  - type: cyclonedx
images:
  - glob: "127.0.0.1:5000/third-party/**"
    keys: [keys/vendor.pub]
    attestations: []
  - glob: ["127.0.0.1:5000/shop/*", "127.0.0.1:5000/jobs/*"]
  - glob: "127.0.0.1:5000/**"
    identities:
      - {issuer: https://token.actions.githubusercontent.com, subjectRegExp: "https://github\\\\.com/acme/.*"}
    signatures: optional
`;

test('rules: the first match wins; a rule field replaces the top-level one, the others are inherited', () => {
  const p = parsePolicy(POLICY, '/etc/gate/policy.yaml');
  assert.equal(p.images?.length, 3);
  assert.equal(p.noMatchPolicy, 'deny');

  const vendor = policyForImage(p, subject('127.0.0.1:5000/third-party/db/postgres:16'));
  assert.ok(vendor.kind === 'rule');
  assert.equal(vendor.rule?.name, 'images[0] (127.0.0.1:5000/third-party/**)');
  assert.deepEqual(vendor.policy.keys, ['/etc/gate/keys/vendor.pub']);
  assert.deepEqual(vendor.policy.attestations, []);
  assert.equal(vendor.policy.images, undefined);

  const shop = policyForImage(p, subject('127.0.0.1:5000/jobs/worker:1.0'));
  assert.ok(shop.kind === 'rule');
  assert.equal(shop.rule?.name, 'images[1] (127.0.0.1:5000/shop/*)');
  assert.deepEqual(shop.policy.keys, ['/etc/gate/keys/release.pub'], 'inherited');
  assert.equal(shop.policy.attestations[0]!.predicateType, 'https://cyclonedx.org/bom', 'inherited');

  const rest = policyForImage(p, subject('127.0.0.1:5000/shop/team/tool:2'));
  assert.ok(rest.kind === 'rule');
  assert.equal(rest.rule?.name, 'images[2] (127.0.0.1:5000/**)');
  assert.equal(rest.policy.requireSignatures, false);
  assert.equal(rest.policy.identities.length, 1);

  const none = policyForImage(p, subject('nginx:1.25'));
  assert.ok(none.kind === 'denied');
  assert.match(none.reason, /no rule in policy \/etc\/gate\/policy\.yaml matches index\.docker\.io\/library\/nginx:1\.25 \(noMatchPolicy: deny\)/);

  const allow = parsePolicy(`${POLICY}noMatchPolicy: allow\n`, '/p.yaml');
  assert.equal(policyForImage(allow, subject('nginx')).kind, 'allowed');

  const whole = parsePolicy('keys: [k.pub]', '/p.yaml');
  const all = policyForImage(whole, subject('nginx'));
  assert.ok(all.kind === 'rule' && all.rule === undefined && all.policy === whole, 'without images: the whole policy, unchanged');
});

test('rules: mistakes are exit 3 naming the file and the rule', () => {
  const cases: [string, RegExp][] = [
    ['images: {glob: x}', /images must be a non-empty list of rules/],
    ['images: []', /images must be a non-empty list of rules/],
    ['images: [{keys: [a.pub]}]', /images\[0\]: glob must be a glob or a non-empty list of globs/],
    ['images: [{glob: "ghcr.io/(a|b)"}]', /images\[0\]: invalid glob "ghcr\.io\/\(a\|b\)"/],
    ['images: [{glob: "**", key: a.pub}]', /images\[0\]: unknown field "key" \(known: glob, keys, identities, signatures, attestations\)/],
    ['images: [{glob: "**", signatures: maybe}]', /images\[0\]\.signatures must be "required" or "optional"/],
    ['images: [{glob: "**", attestations: [{type: nope}]}]', /images\[0\]\.attestations\[0\]: unknown predicate type "nope"/],
    ['images: [{glob: "**", identities: [{subject: a}]}]', /images\[0\]\.identities\[0\]: issuer or issuerRegExp is required/],
    ['images: [{glob: "**"}]\nnoMatchPolicy: warn', /noMatchPolicy must be "deny" or "allow"/],
    ['noMatchPolicy: allow', /noMatchPolicy needs images: rules/],
  ];
  for (const [text, re] of cases) {
    assert.throws(() => parsePolicy(text, 'p.yaml'), (e) => isOcisignError(e, 'BAD_INPUT') && /^policy p\.yaml: /.test(e.message) && re.test(e.message), text);
  }
});
