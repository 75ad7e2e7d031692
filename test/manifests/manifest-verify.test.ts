// `ocisign manifest verify` against the real registry: the fixtures' images signed with the trusted key, with
// another key, and not at all; tags and digests; the exact failing set and exit code; the JSON report; --pin output
// re-parsed and compared; per-image policy rules; standard input; 429/5xx faults; hostile files refused.
import assert from 'node:assert/strict';
import { after, before, test, type TestContext } from 'node:test';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { verifyManifests, type ManifestReport } from '../../src/ops/manifest-verify.ts';
import { KeyVerifier } from '../../src/sign/key-signer.ts';
import { runCli } from '../cosign/test-image.ts';
import { startFaultProxy } from '../helpers/fault-proxy.ts';
import { runCliWithStdin, startWorld, type World } from './world.ts';

let world: World | string;
before(async () => {
  world = await startWorld();
});
after(async () => {
  if (typeof world !== 'string') await world.stop();
});

function need(t: TestContext): World | undefined {
  if (typeof world === 'string') {
    t.skip(world);
    return undefined;
  }
  return world;
}

const keyFlags = (w: World, pub = w.trusted.pub) => ['--key', pub, '--insecure-ignore-tlog'];
const jsonReport = (text: string) => JSON.parse(text) as Pick<ManifestReport, 'images' | 'documents'>;

test('every fixture: the exact failing set, the worst exit code, one line per image with the files using it', async (t) => {
  const w = need(t);
  if (!w) return;
  const r = await runCli(['manifest', 'verify', ...keyFlags(w), w.fixtures]);
  assert.equal(r.code, 12, r.stderr); // NO_MATCHING_SIGNATURE (12) outranks NO_SIGNATURES (10)
  const lines = r.stdout.trim().split('\n').filter((l) => !l.startsWith('  '));
  const status = Object.fromEntries(lines.map((l) => [l.split(' ').filter(Boolean)[1]!.replace(`${w.host}/`, ''), l.split(' ')[0]]));
  assert.deepEqual(status, {
    'shop/migrate:1.0': 'verified',
    'shop/web:1.0': 'verified',
    [`shop/exporter@${w.digests['shop/exporter:1.0']}`]: 'verified',
    'shop/cache:7.2': 'FAILED',
    'reporting/report:2.0': 'verified',
    'jobs/worker:1.0': 'verified',
    'infra/toolbox:1.0': 'verified',
    'infra/node-agent:0.3': 'FAILED',
    'infra/queue:3.13': 'verified',
  });
  assert.ok(!r.stdout.includes('canary'), 'images inside custom resources are not searched');
  const web = lines.find((l) => l.includes('/shop/web:1.0'))!;
  assert.equal(web, `verified ${w.host}/shop/web:1.0 ${w.digests['shop/web:1.0']} (${join(w.fixtures, 'chart/rendered.yaml')}, ${join(w.fixtures, 'compose.yaml')})`);
  assert.match(r.stdout, /FAILED +\S+\/shop\/cache:7\.2 sha256:\w+ \(\S+rendered\.yaml\): no matching signatures \(1 checked\)\n {2}sha256-\w+\.sig layer 0 \(sha256:\w+\): signature does not verify with the public key/);
  assert.match(r.stdout, /FAILED +\S+\/infra\/node-agent:0\.3 sha256:\w+ \(\S+list\.yaml\): no signatures found/);
  assert.match(r.stderr, /ocisign: 9 images in 8 of 8 resources, 5 files: 7 verified, 2 failed/);
  assert.match(r.stderr, /not searched for images: ServiceAccount ×1, ConfigMap ×2, Service ×1, Rollout ×1/);
  assert.match(r.stderr, /1 compose service built locally/);
  assert.match(r.stderr, /ocisign: 2 of 9 images failed verification$/);

  const other = await runCli(['manifest', 'verify', ...keyFlags(w, w.other.pub), join(w.fixtures, 'chart/rendered.yaml')]);
  assert.equal(other.code, 12);
  assert.deepEqual(other.stdout.split('\n').filter((l) => l.startsWith('verified')).map((l) => l.split(' ')[1]), [`${w.host}/shop/cache:7.2`], 'only the image that key signed');
});

test('standard input and files together; the JSON report; a missing image is exit 11 and does not stop the others', async (t) => {
  const w = need(t);
  if (!w) return;
  const stdin = `# helm template … | ocisign manifest verify -
apiVersion: batch/v1
kind: Job
metadata: {name: once}
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
      - {name: a, image: "${w.host}/reporting/report:2.0"}
      - {name: b, image: "${w.host}/shop/gone:1.0"}
`;
  const r = await runCliWithStdin(['manifest', 'verify', ...keyFlags(w), '--output', 'json', '-', join(w.fixtures, 'cluster/cronjob.yaml')], stdin);
  assert.equal(r.code, 11, r.stderr);
  const report = jsonReport(r.stdout);
  assert.deepEqual(report.images, [
    { image: `${w.host}/reporting/report:2.0`, digest: w.digests['reporting/report:2.0'], verified: true, files: ['<stdin>', join(w.fixtures, 'cluster/cronjob.yaml')] },
    { image: `${w.host}/shop/gone:1.0`, verified: false, error: 'image not found', exitCode: 11, files: ['<stdin>'] },
  ]);
  assert.deepEqual(report.documents, { files: 2, resources: 2, withImages: 2, skipped: {}, builtLocally: 0 });
});

test('--pin: the manifests with every image pinned to the verified digest, re-parsed and compared; nothing when any fails', async (t) => {
  const w = need(t);
  if (!w) return;
  const files = ['cluster/cronjob.yaml', 'cluster/debug-pod.json', 'compose.yaml'].map((f) => join(w.fixtures, f));
  const r = await runCli(['manifest', 'verify', ...keyFlags(w), '--pin', ...files]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /^verified \S+\/reporting\/report:2\.0 /m, 'the report goes to stderr');
  const pinned = parseAllDocuments(r.stdout).map((d) => d.toJS());
  const originals = (await Promise.all(files.map((f) => import('node:fs/promises').then((fs) => fs.readFile(f, 'utf8'))))).flatMap((text) => parseAllDocuments(text).map((d) => d.toJS()));
  assert.equal(pinned.length, originals.length);
  const pin = (image: string) => {
    const name = image.slice(w.host.length + 1);
    const digest = w.digests[name];
    assert.ok(digest, name);
    return `${image}@${digest}`;
  };
  originals[0].spec.jobTemplate.spec.template.spec.containers[0].image = pin(originals[0].spec.jobTemplate.spec.template.spec.containers[0].image);
  originals[1].spec.containers[0].image = pin(originals[1].spec.containers[0].image);
  originals[1].spec.ephemeralContainers[0].image = pin(originals[1].spec.ephemeralContainers[0].image);
  originals[2].services.web.image = pin(originals[2].services.web.image);
  originals[2].services.queue.image = pin(originals[2].services.queue.image);
  assert.deepEqual(pinned, originals, 'only the images changed');
  assert.match(r.stdout, /^# Nightly report, applied on its own\.$/m, 'comments kept');
  assert.match(r.stdout, /^ {4}build: \.\/db {14}# built here, nothing to verify$/m, 'formatting kept');

  // the pinned output verifies as it is
  const again = join(w.dir, 'pinned.yaml');
  await writeFile(again, r.stdout);
  const re = await runCli(['manifest', 'verify', ...keyFlags(w), '--output', 'json', again]);
  assert.equal(re.code, 0, re.stderr);
  assert.ok(jsonReport(re.stdout).images.every((i) => i.verified && i.image.includes('@sha256:')));

  const failing = await runCli(['manifest', 'verify', ...keyFlags(w), '--pin', ...files, join(w.fixtures, 'cluster/list.yaml')]);
  assert.equal(failing.code, 10);
  assert.equal(failing.stdout, '', 'nothing to apply');
  assert.match(failing.stderr, /FAILED +\S+\/infra\/node-agent:0\.3 .*no signatures found/);
  assert.match(failing.stderr, /1 of 6 images failed verification; nothing pinned/);
});

test('a reference is resolved once and verified once, whatever the spelling; with a policy, each digest once', async (t) => {
  const w = need(t);
  if (!w) return;
  const proxy = await startFaultProxy({ upstream: w.registry.url });
  t.after(() => proxy.stop());
  const h = proxy.host;
  const webDigest = w.digests['shop/web:1.0']!;
  // a second tag on the same digest
  assert.equal((await runCli(['copy', `${w.host}/shop/web:1.0`, `${w.host}/shop/web:stable`])).code, 0);
  const text = `apiVersion: v1
kind: Pod
metadata: {name: many}
spec:
  containers:
  - {name: a, image: ${h}/shop/web:1.0}
  - {name: b, image: "${h}/shop/web:1.0"}
  - {name: c, image: ${h}/shop/web:stable}
  - {name: d, image: ${h}/shop/web@${webDigest}}
  - {name: e, image: ${h}/shop/web:1.0@${webDigest}}
`;
  const file = join(w.dir, 'many.yaml');
  await writeFile(file, text);
  const policy = join(w.dir, 'many-policy.yaml');
  await writeFile(policy, `keys: [${w.trusted.pub}]\n`);
  for (const [mode, flags, verifications] of [['keys', keyFlags(w), 3], ['policy', ['--policy', policy, '--insecure-ignore-tlog'], 1]] as const) {
    proxy.requests.length = 0;
    const r = await runCli(['manifest', 'verify', ...flags, '--output', 'json', file]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(jsonReport(r.stdout).images.map((i) => [i.image.slice(h.length), i.digest]), [
      ['/shop/web:1.0', webDigest],
      ['/shop/web:stable', webDigest],
      [`/shop/web@${webDigest}`, webDigest],
      [`/shop/web:1.0@${webDigest}`, webDigest],
    ], mode);
    const seen = proxy.requests.map((q) => `${q.method} ${q.path}`).filter((l) => l.includes('/manifests/'));
    assert.equal(seen.filter((l) => l === 'HEAD /v2/shop/web/manifests/1.0').length, 1, `${mode}: ${seen.join('\n')}`);
    assert.equal(seen.filter((l) => l === 'HEAD /v2/shop/web/manifests/stable').length, 1, `${mode}: ${seen.join('\n')}`);
    // keys: one verification per reference (`:1.0@digest` is `@digest`); policy: one per digest
    assert.equal(seen.filter((l) => l.endsWith('.sig')).length, verifications, `${mode}: ${seen.join('\n')}`);
  }
});

test('a policy with per-image rules: keys per glob, attestations for some, unmatched images denied or allowed', async (t) => {
  const w = need(t);
  if (!w) return;
  const policy = join(w.dir, 'gate.yaml');
  const rules = `keys: [${w.trusted.pub}]
images:
  - glob: "${w.host}/shop/cache:*"          # the cache image is a vendor's, signed with their key
    keys: [${w.other.pub}]
  - glob: "${w.host}/shop/**"
  - glob: "${w.host}/reporting/*"
    attestations: [{type: cyclonedx, name: sbom}]
`;
  await writeFile(policy, rules);
  const files = [join(w.fixtures, 'chart/rendered.yaml'), join(w.fixtures, 'cluster/cronjob.yaml'), join(w.fixtures, 'cluster/list.yaml')];
  const r = await runCli(['manifest', 'verify', '--policy', policy, '--insecure-ignore-tlog', '--output', 'json', ...files]);
  assert.equal(r.code, 14, r.stderr);
  const byName = Object.fromEntries(jsonReport(r.stdout).images.map((i) => [i.image.slice(w.host.length + 1), i]));
  assert.deepEqual(Object.fromEntries(Object.entries(byName).map(([k, i]) => [k, [i.verified, i.rule ?? null, i.exitCode ?? 0]])), {
    'shop/migrate:1.0': [true, 'images[1] (' + `${w.host}/shop/**)`, 0],
    'shop/web:1.0': [true, `images[1] (${w.host}/shop/**)`, 0],
    [`shop/exporter@${w.digests['shop/exporter:1.0']}`]: [true, `images[1] (${w.host}/shop/**)`, 0],
    'shop/cache:7.2': [true, `images[0] (${w.host}/shop/cache:*)`, 0],
    'reporting/report:2.0': [false, `images[2] (${w.host}/reporting/*)`, 14],
    'jobs/worker:1.0': [false, null, 14],
    'infra/node-agent:0.3': [false, null, 14],
  });
  assert.match(byName['reporting/report:2.0']!.error!, /no verified attestation of type https:\/\/cyclonedx\.org\/bom.*\(policy rule images\[2\]/);
  assert.match(byName['jobs/worker:1.0']!.error!, new RegExp(`no rule in policy ${policy} matches ${w.host}/jobs/worker:1\\.0 \\(noMatchPolicy: deny\\)`));

  // attest the report image: its rule is satisfied
  const bom = join(w.dir, 'bom.json');
  await writeFile(bom, JSON.stringify({ bomFormat: 'CycloneDX', specVersion: '1.6', version: 1, components: [] }));
  const attested = await runCli(['attest', '--new-bundle-format=false', '--key', w.trusted.key, '--type', 'cyclonedx', '--predicate', bom, '--tlog-upload=false', `${w.host}/reporting/report@${w.digests['reporting/report:2.0']}`]);
  assert.equal(attested.code, 0, attested.stderr);
  // unmatched images allowed: resolved and pinned, reported as allowed
  await writeFile(policy, `${rules}noMatchPolicy: allow\n`);
  const allowed = await runCli(['manifest', 'verify', '--policy', policy, '--insecure-ignore-tlog', '--pin', '--output', 'json', files[1]!, files[2]!]);
  assert.equal(allowed.code, 0, allowed.stderr);
  const images = jsonReport(allowed.stderr.slice(allowed.stderr.indexOf('{'), allowed.stderr.lastIndexOf('}') + 1)).images;
  assert.deepEqual(images.map((i) => [i.image.slice(w.host.length + 1), i.verified, i.allowed ?? false]), [
    ['reporting/report:2.0', true, false],
    ['jobs/worker:1.0', false, true],
    ['infra/node-agent:0.3', false, true],
  ]);
  assert.match(allowed.stdout, new RegExp(`image: ${w.host}/infra/node-agent:0\\.3@${w.digests['infra/node-agent:0.3']}`));

  // verify --policy applies the same rules to images named on the command line
  assert.equal((await runCli(['verify', '--policy', policy, '--insecure-ignore-tlog', `${w.host}/shop/cache:7.2`])).code, 0);
  await writeFile(policy, rules);
  const denied = await runCli(['verify', '--policy', policy, '--insecure-ignore-tlog', `${w.host}/infra/queue:3.13`]);
  assert.equal(denied.code, 14);
  assert.match(denied.stderr, /no rule in policy .* matches .*\/infra\/queue:3\.13 \(noMatchPolicy: deny\)/);
  // verify-attestation --policy reads only the top level: it refuses rules it would not apply
  const attestation = await runCli(['verify-attestation', '--policy', policy, '--insecure-ignore-tlog', `${w.host}/reporting/report:2.0`]);
  assert.equal(attestation.code, 2);
  assert.match(attestation.stderr, /has per-image rules \(images:\): use verify --policy or manifest verify --policy/);
});

test('registry faults: 429s are retried; an image that stays unreachable fails closed while the others are reported', async (t) => {
  const w = need(t);
  if (!w) return;
  const flaky = await startFaultProxy({ upstream: w.registry.url });
  const down = await startFaultProxy({ upstream: w.registry.url });
  t.after(async () => {
    await flaky.stop();
    await down.stop();
  });
  const text = `services:
  web: {image: ${flaky.host}/shop/web:1.0}
  migrate: {image: ${flaky.host}/shop/migrate:1.0}
  report: {image: ${flaky.host}/reporting/report:2.0}
  queue: {image: ${down.host}/infra/queue:3.13}
`;
  const file = join(w.dir, 'faults.yaml');
  await writeFile(file, text);
  flaky.failNext({ status: 429, count: 3, retryAfter: '0', match: /^(HEAD|GET) \/v2\/(shop|reporting)\/\w+\/manifests\// });
  down.failNext({ status: 503, count: 1_000_000, retryAfter: '0' });
  const r = await runCli(['manifest', 'verify', ...keyFlags(w), '--output', 'json', file]);
  assert.equal(r.code, 4, r.stderr);
  const images = jsonReport(r.stdout).images;
  assert.deepEqual(images.map((i) => [i.image.split('/').slice(1).join('/'), i.verified, i.exitCode ?? 0]), [
    ['shop/web:1.0', true, 0],
    ['shop/migrate:1.0', true, 0],
    ['reporting/report:2.0', true, 0],
    ['infra/queue:3.13', false, 4],
  ]);
  assert.match(images[3]!.error!, /503/);
  assert.ok(flaky.requests.length > 0 && down.requests.length > 0);
  assert.equal(flaky.requests.filter((q) => q.path.includes('/manifests/')).length, 9 + 3, 'three 429s retried: 3 images × (tag, .sig, referrers tag) + 3 retries');
});

test('hostile input: an alias bomb, a 50 MB document and a syntax error are exit 3 naming the file, before any request', async (t) => {
  const w = need(t);
  if (!w) return;
  const proxy = await startFaultProxy({ upstream: w.registry.url });
  t.after(() => proxy.stop());
  const bomb = join(w.dir, 'bomb.yaml');
  const levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (let i = 1; i < 9; i++) levels.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill(`*${String.fromCharCode(96 + i)}`).join(',')}]`);
  await writeFile(bomb, `apiVersion: v1\nkind: Pod\nmetadata: {name: x}\nspec:\n  containers: [{name: a, image: ${proxy.host}/shop/web:1.0}]\n---\n${levels.join('\n')}\n`);
  const r = await runCli(['manifest', 'verify', ...keyFlags(w), bomb]);
  assert.equal(r.code, 3);
  assert.deepEqual(proxy.requests, [], 'the image in the first document was not looked up');
  assert.equal(r.stdout, '');
  assert.match(r.stderr, new RegExp(`ocisign: manifest ${bomb}:6: document 2: more than 100 alias expansions \\(an alias bomb\\?\\)`));

  const big = join(w.dir, 'big.yaml');
  await writeFile(big, `apiVersion: v1\nkind: ConfigMap\ndata:\n  big: ${'y'.repeat(50 * 1000 * 1000)}\n`);
  const large = await runCli(['manifest', 'verify', ...keyFlags(w), big]);
  assert.equal(large.code, 3);
  assert.match(large.stderr, new RegExp(`ocisign: reading manifests ${big}: \\d+ bytes, more than the limit of 16777216 bytes \\(--max-input-bytes\\)`));

  const broken = join(w.dir, 'broken.yaml');
  await writeFile(broken, 'apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: a\n    image: "unterminated\n');
  const syntax = await runCli(['manifest', 'verify', ...keyFlags(w), broken]);
  assert.equal(syntax.code, 3);
  assert.match(syntax.stderr, new RegExp(`ocisign: manifest ${broken}:7:1: YAML syntax error: Missing closing "quote`));
});

test('library: verifyManifests returns the report as data', async (t) => {
  const w = need(t);
  if (!w) return;
  const { readFile } = await import('node:fs/promises');
  const report = await verifyManifests({
    inputs: [{ name: 'inline.yaml', text: `services:\n  a: {image: ${w.host}/infra/queue:3.13}\n  b: {image: ${w.host}/infra/node-agent:0.3}\n  c:\n    image: \${REGISTRY}/app:1\n` }],
    trust: { verify: { verifiers: [KeyVerifier.fromPem(await readFile(w.trusted.pub, 'utf8'), 'trusted')], ignoreTlog: true } },
    client: { dispatcher: w.dispatcher },
    pin: true,
  });
  assert.equal(report.ok, false);
  assert.equal(report.exitCode, 10);
  assert.equal(report.pinned, undefined);
  assert.deepEqual(report.images.map((i) => [i.verified, i.exitCode]), [[true, undefined], [false, 10], [false, 3]]);
  assert.match(report.images[2]!.error!, /^invalid reference "\$\{REGISTRY\}\/app:1": bad registry host "\$\{REGISTRY\}" \(inline\.yaml:5\)$/);
});
