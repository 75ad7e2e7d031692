// Finding images in manifests without a registry: every pod spec kind, List items, Compose services, JSON; what is
// skipped and counted; hostile and malformed input refused naming the file and line; --pin rewriting only the
// image scalars in every YAML style.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { isOcisignError } from '../../src/core/errors.ts';
import { joinStream, pinnedReference, pinText } from '../../src/manifests/pin.ts';
import { scanManifest } from '../../src/manifests/scan.ts';
import { FIXTURES } from './world.ts';

const R = 'registry.example:5000';

async function scanFixture(name: string) {
  const path = join(FIXTURES, name);
  return scanManifest(name, await readFile(path, 'utf8'));
}

const found = (scan: ReturnType<typeof scanManifest>) => scan.sites.map((s) => `${s.line} ${s.image} | ${s.where}`);

test('a Helm-rendered chart: init containers, sidecars, a StatefulSet and a test hook Pod; other kinds counted', async () => {
  const scan = await scanFixture('chart/rendered.yaml');
  assert.deepEqual(found(scan), [
    `72 ${R}/shop/migrate:1.0 | Deployment shop: spec.template.spec.initContainers[0] (migrate)`,
    `76 ${R}/shop/web:1.0 | Deployment shop: spec.template.spec.initContainers[1] (wait-for-db)`,
    `80 ${R}/shop/web:1.0 | Deployment shop: spec.template.spec.containers[0] (shop)`,
    `96 ${R}/shop/exporter@sha256:EXPORTER_DIGEST | Deployment shop: spec.template.spec.containers[1] (metrics)`,
    `116 ${R}/shop/cache:7.2 | StatefulSet shop-cache: spec.template.spec.containers[0] (cache)`,
    `136 ${R}/shop/web:1.0 | Pod shop-test-connection: spec.containers[0] (wget)`,
  ]);
  assert.equal(scan.documents, 6);
  assert.deepEqual(scan.tally, { resources: 3, withImages: 3, skipped: new Map([['ServiceAccount', 1], ['ConfigMap', 1], ['Service', 1]]), builtLocally: 0 });
});

test('a CronJob, a List (custom resources skipped), a JSON Pod with an ephemeral container, a Compose file', async () => {
  assert.deepEqual(found(await scanFixture('cluster/cronjob.yaml')), [
    `18 ${R}/reporting/report:2.0 | CronJob nightly-report: spec.jobTemplate.spec.template.spec.containers[0] (report)`,
  ]);
  const list = await scanFixture('cluster/list.yaml');
  assert.deepEqual(found(list), [
    `21 ${R}/jobs/worker:1.0 | Deployment worker: spec.template.spec.containers[0] (worker)`,
    `36 ${R}/infra/node-agent:0.3 | DaemonSet node-agent: spec.template.spec.containers[0] (agent)`,
  ]);
  assert.deepEqual([...list.tally.skipped], [['ConfigMap', 1], ['Rollout', 1]]);
  assert.deepEqual(found(await scanFixture('cluster/debug-pod.json')), [
    `12 ${R}/jobs/worker:1.0 | Pod debug: spec.containers[0] (main)`,
    `18 ${R}/infra/toolbox:1.0 | Pod debug: spec.ephemeralContainers[0] (debugger)`,
  ]);
  const compose = await scanFixture('compose.yaml');
  assert.deepEqual(found(compose), [`10 ${R}/shop/web:1.0 | compose service web`, `21 ${R}/infra/queue:3.13 | compose service queue`]);
  assert.equal(compose.tally.builtLocally, 1);
});

test('kinds are recognised only with their own apiVersion; merge keys and aliases are followed', () => {
  const text = `apiVersion: batch.volcano.sh/v1alpha1
kind: Job
spec: {tasks: [{template: {spec: {containers: [{image: not/searched}]}}}]}
---
apiVersion: v1
kind: PodList
items:
- apiVersion: v1
  kind: Pod
  metadata: {name: p}
  spec:
    containers:
    - &main {name: main, image: &img reg.example/app:1}
    - <<: *main
      name: copy
    initContainers:
    - name: init
      image: *img
`;
  const scan = scanManifest('k.yaml', text);
  assert.deepEqual(scan.sites.map((s) => [s.image, s.where, s.style]), [
    ['reg.example/app:1', 'Pod p: spec.initContainers[0] (init)', 'alias'],
    ['reg.example/app:1', 'Pod p: spec.containers[0] (main)', 'plain'],
    ['reg.example/app:1', 'Pod p: spec.containers[1] (copy)', 'plain'],
  ]);
  assert.deepEqual([...scan.tally.skipped], [['Job (batch.volcano.sh/v1alpha1)', 1]]);
});

test('malformed manifests are exit 3 naming the file and line', () => {
  const cases: [string, RegExp][] = [
    ['kind: Pod\nspec: [unclosed\n', /^manifest m\.yaml:3:1: YAML syntax error: Flow sequence in block collection must be sufficiently indented and end with a \]$/],
    ['apiVersion: v1\nkind: Pod\nkind: Service\n', /^manifest m\.yaml:3:1: YAML syntax error: Map keys must be unique/],
    ['apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - image: *nowhere\n', /^manifest m\.yaml:1: document 1: Unresolved alias/],
    ['apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec: {replicas: 1}\n', /^manifest m\.yaml:1: Deployment web: no pod spec at spec\.template\.spec$/],
    ['apiVersion: v1\nkind: Pod\nspec:\n  initContainers: []\n', /^manifest m\.yaml:4: Pod: no spec\.containers$/],
    ['apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: a\n', /^manifest m\.yaml:5: Pod: spec\.containers\[0\] \(a\) has no image$/],
    ['apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: a\n    image: [x]\n', /^manifest m\.yaml:6: Pod: spec\.containers\[0\] \(a\): the image is not a string$/],
    ['apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: a\n    image: 42\n', /the image is not a string/],
    ['services:\n  web:\n    ports: ["80"]\n', /^manifest m\.yaml:3: compose service web has no image$/],
  ];
  for (const [text, re] of cases) {
    assert.throws(() => scanManifest('m.yaml', text), (e) => isOcisignError(e, 'BAD_INPUT') && re.test(e.message), text);
  }
});

test('a YAML billion-laughs alias bomb is refused before it expands', () => {
  const levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (let i = 1; i < 9; i++) {
    const prev = String.fromCharCode(96 + i);
    const name = String.fromCharCode(97 + i);
    levels.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(',')}]`);
  }
  const bomb = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: lol}\ndata:\n${levels.map((l) => `  ${l}`).join('\n')}\n`;
  const started = process.memoryUsage().heapUsed;
  assert.throws(() => scanManifest('bomb.yaml', bomb), (e) => isOcisignError(e, 'BAD_INPUT') && /^manifest bomb\.yaml:1: document 1: more than 100 alias expansions \(an alias bomb\?\)$/.test(e.message));
  assert.ok(process.memoryUsage().heapUsed - started < 64 * 1024 * 1024, 'nothing was expanded');
  // a few aliases, as Compose files use them, are fine
  assert.equal(scanManifest('ok.yaml', 'x: &d {restart: always}\nservices:\n  a: {<<: *d, image: a/b:1}\n  b: {<<: *d, image: a/c:1}\n').sites.length, 2);
});

test('--pin rewrites only the image scalars, in every YAML style, and the result parses to the same documents', () => {
  const digest = `sha256:${'b'.repeat(64)}`;
  const text = `# keep me
apiVersion: v1
kind: Pod   # and me
metadata: {name: p, labels: {image: "not-an-image"}}
spec:
  containers:
  - name: plain
    image: reg.example/plain:1   # trailing comment
  - name: single
    image: 'reg.example/single:1'
  - {name: flow, image: "reg.example/double:1"}
  - name: pinned
    image: reg.example/pinned:1@${digest}
  - name: block
    image: |-
      reg.example/block:1
    args: [x]
  initContainers:
  - name: anchored
    image: &img reg.example/anchored:1
  - name: alias
    image: *img
`;
  const scan = scanManifest('p.yaml', text);
  const out = pinText('p.yaml', text, scan.sites, (s) => pinnedReference(s.image, digest));
  assert.equal(out, text
    .replace('reg.example/plain:1 ', `reg.example/plain:1@${digest} `)
    .replace("'reg.example/single:1'", `'reg.example/single:1@${digest}'`)
    .replace('"reg.example/double:1"', `"reg.example/double:1@${digest}"`)
    .replace('|-\n      reg.example/block:1\n', `"reg.example/block:1@${digest}"\n`)
    .replace('&img reg.example/anchored:1', `&img reg.example/anchored:1@${digest}`)
    .replace('image: *img', `image: "reg.example/anchored:1@${digest}"`));
  const before = parseAllDocuments(text)[0]!.toJS() as { spec: { containers: { image: string }[]; initContainers: { image: string }[] } };
  const after = parseAllDocuments(out)[0]!.toJS() as typeof before;
  for (const c of [...before.spec.containers, ...before.spec.initContainers]) c.image = pinnedReference(c.image, digest);
  assert.deepEqual(after, before, 'only the images changed');

  const json = '{"apiVersion":"v1","kind":"Pod","spec":{"containers":[{"name":"a","image":"reg.example/a:1"}]}}\n';
  const pinnedJson = pinText('p.json', json, scanManifest('p.json', json).sites, (s) => pinnedReference(s.image, digest));
  assert.equal(JSON.parse(pinnedJson).spec.containers[0].image, `reg.example/a:1@${digest}`);
});

test('pinned files join into one YAML stream', () => {
  assert.equal(joinStream(['a: 1\n', '# c\n---\nb: 2', 'c: 3\n']), 'a: 1\n# c\n---\nb: 2\n---\nc: 3\n');
  assert.equal(joinStream(['a: 1\n', '%YAML 1.2\n---\nb: 2\n']), 'a: 1\n...\n%YAML 1.2\n---\nb: 2\n');
  assert.equal(parseAllDocuments(joinStream(['a: 1', '%YAML 1.2\n---\nb: 2\n', 'c: 3'])).length, 3);
});
