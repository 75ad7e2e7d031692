/**
 * The exit-1 rule (issue 11): hostile inputs and faults through the real CLI. Every row must fail cleanly (see
 * table.ts). Bundle/referrer rows and registry fault rows live with their owners' tests and use the same table.
 */
import { before, after } from 'node:test';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { INPUT_LIMITS } from '../../src/core/input-limits.ts';
import { attachmentTag } from '../../src/cosign/tags.ts';
import { sha256Digest } from '../../src/oci/digest.ts';
import { createLayoutRepository } from '../../src/oci/layout/layout-repository.ts';
import { pushTestImage, writeTestKeyPair } from '../cosign/test-image.ts';
import { INTEROP_DIR } from '../helpers/interop-cases.ts';
import { buildTar } from '../helpers/sbom-images.ts';
import { imageWithRawLayer, payloadWithOptional, signPayload, writeIndexJson } from './forge.ts';
import { hostileTable, literal, type HostileRow } from './table.ts';

interface Fixture {
  dir: string;
  key: string;
  pub: string;
  /** a signed image, tag v1 */
  img: string;
  digest: string;
  /** an image whose one signature payload nests 100,000 levels deep in `optional` */
  deep: string;
  /** an image whose one signature payload is not JSON */
  notJsonPayload: string;
  /** an image whose one signature carries a Rekor bundle annotation nested 100,000 levels deep */
  deepBundle: string;
  /** an image whose .sig manifest nests 100,000 levels deep */
  deepSigManifest: string;
  /** a layout whose image manifest blob is a symlink to /dev/zero */
  zeroBlob: string;
  corruptIndex: string;
  deepIndex: string;
  badGzip: string;
  badTar: string;
  escapingTar: string;
  deepJson: string;
  notJson: string;
  deepYamlPolicy: string;
  deepJsonPolicy: string;
  tree: string;
  down: string;
}

let f: Fixture;
const deepText = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

before(async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ocisign-hostile-'));
  await chmod(dir, 0o755);
  const k = await writeTestKeyPair(join(dir, 'k'));
  const layout = (name: string) => join(dir, name);
  const image = async (name: string) => pushTestImage(createLayoutRepository({ kind: 'layout', path: layout(name) }), 'v1');
  const digest = await image('img');
  await signPayload(layout('img'), digest, k.key, payloadWithOptional(digest, 'null'));
  const deepDigest = await image('deep');
  await signPayload(layout('deep'), deepDigest, k.key, payloadWithOptional(deepDigest, `{"a":${deepText(100_000)}}`));
  const notJsonDigest = await image('not-json-payload');
  await signPayload(layout('not-json-payload'), notJsonDigest, k.key, new TextEncoder().encode('not json at all'));
  const deepBundleDigest = await image('deep-bundle');
  await signPayload(layout('deep-bundle'), deepBundleDigest, k.key, payloadWithOptional(deepBundleDigest, 'null'), { 'dev.sigstore.cosign/bundle': `{"a":${deepText(100_000)}}` });
  const deepSigDigest = await image('deep-sig-manifest');
  const deepManifest = new TextEncoder().encode(`{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","annotations":{"x":${deepText(100_000)}}}`);
  await createLayoutRepository({ kind: 'layout', path: layout('deep-sig-manifest') }).putBlob({ digest: sha256Digest(deepManifest), size: deepManifest.byteLength }, deepManifest);
  const sigIndex = `{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"${deepSigDigest}","size":0,"annotations":{"org.opencontainers.image.ref.name":"v1"}},{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"${sha256Digest(deepManifest)}","size":${deepManifest.byteLength},"annotations":{"org.opencontainers.image.ref.name":"${attachmentTag(deepSigDigest, 'signature')}"}}]}`;
  const realSize = (await createLayoutRepository({ kind: 'layout', path: layout('deep-sig-manifest') }).getManifest(deepSigDigest))!.bytes.byteLength;
  await writeIndexJson(layout('deep-sig-manifest'), sigIndex.replace('"size":0', `"size":${realSize}`));
  const zeroDigest = await image('zero-blob');
  await rm(join(layout('zero-blob'), 'blobs', 'sha256', zeroDigest.slice(7)));
  await symlink('/dev/zero', join(layout('zero-blob'), 'blobs', 'sha256', zeroDigest.slice(7)));
  await image('corrupt-index');
  await writeIndexJson(layout('corrupt-index'), '{"schemaVersion":2,');
  await image('deep-index');
  await writeIndexJson(layout('deep-index'), `{"schemaVersion":2,"manifests":[],"x":${deepText(100_000)}}`);
  await imageWithRawLayer(layout('bad-gzip'), gzipSync(buildTar([{ path: 'etc/os-release', content: 'ID=x\n' }])).subarray(0, 40));
  await imageWithRawLayer(layout('bad-tar'), new Uint8Array(4096).fill(0x41), 'application/vnd.oci.image.layer.v1.tar');
  await imageWithRawLayer(layout('escaping-tar'), gzipSync(buildTar([{ path: '../../etc/passwd', content: 'x' }, { path: 'etc/os-release', content: 'ID=alpine\nVERSION_ID=3.20.0\n' }])));
  await writeFile(join(dir, 'deep.json'), `{"a":${deepText(100_000)}}`);
  await writeFile(join(dir, 'not.json'), 'this is not json');
  await writeFile(join(dir, 'deep-policy.yaml'), `keys: [k.pub]\nattestations: ${deepText(100_000)}\n`);
  await writeFile(join(dir, 'deep-policy.json'), `{"keys":["k.pub"],"attestations":${deepText(100_000)}}`);
  await mkdir(join(dir, 'tree', 'locked'), { recursive: true });
  await writeFile(join(dir, 'tree', 'requirements.txt'), 'flask==3.0.0\n');
  await chmod(join(dir, 'tree', 'locked'), 0o000);
  f = {
    dir, key: k.key, pub: k.pub, img: layout('img'), digest, deep: layout('deep'), deepBundle: layout('deep-bundle'), notJsonPayload: layout('not-json-payload'),
    deepSigManifest: layout('deep-sig-manifest'), zeroBlob: layout('zero-blob'), corruptIndex: layout('corrupt-index'), deepIndex: layout('deep-index'),
    badGzip: layout('bad-gzip'), badTar: layout('bad-tar'), escapingTar: layout('escaping-tar'), deepJson: join(dir, 'deep.json'),
    notJson: join(dir, 'not.json'), deepYamlPolicy: join(dir, 'deep-policy.yaml'), deepJsonPolicy: join(dir, 'deep-policy.json'),
    tree: join(dir, 'tree'), down: `127.0.0.1:${await freePort()}/hostile/app:v1`,
  };
});
after(() => rm(f.dir, { recursive: true, force: true }));

const TRUSTED_ROOT = join(INTEROP_DIR, 'sigstore-js/packages/tuf/decoded/trusted_root.json');
const ABSENT_REASON_IF_NO_ROOT = existsSync(TRUSTED_ROOT) ? undefined : `${TRUSTED_ROOT} is absent: the shared fixtures are not beside this checkout`;
const verifyKey = (x: Fixture) => ['verify', '--key', x.pub, '--insecure-ignore-tlog'];
const MEMORY_MIB = 300;
/** keyless verification loads the trusted root as soon as there is a layer to check */
const keyless = ['verify', '--certificate-identity', 'ci@example.com', '--certificate-oidc-issuer', 'https://issuer.example'];

const rows: HostileRow<Fixture>[] = [
  // references and layouts
  { name: 'a malformed reference', args: () => ['digest', 'Bad:ref:x'], code: 3, message: () => /^ocisign: invalid reference "Bad:ref:x": /m },
  { name: 'an empty layout reference', args: (x) => [...verifyKey(x), 'oci:'], code: 3, message: () => /^ocisign: invalid reference "oci:": no layout directory$/m },
  { name: 'oci:DIR that does not exist', args: (x) => [...verifyKey(x), `oci:${x.dir}/nope:v1`], code: 11, message: (x) => new RegExp(`^ocisign: oci:${literal(x.dir)}/nope: no such layout directory ${literal(x.dir)}/nope$`, 'm') },
  { name: 'oci:DIR that is not a layout', args: (x) => ['digest', `oci:${x.tree}:v1`], code: 11, message: (x) => new RegExp(`${literal(x.tree)} is not an OCI image layout \\(no index.json\\)`) },
  { name: 'a tag missing from a layout', args: (x) => ['digest', `oci:${x.img}:nope`], code: 11, message: () => /not found/ },
  { name: 'a layout index.json that is not JSON', args: (x) => ['digest', `oci:${x.corruptIndex}:v1`], code: 3, message: (x) => new RegExp(`corrupt layout index ${literal(x.corruptIndex)}/index.json: not JSON`) },
  { name: 'a layout index.json nested 100,000 deep', args: (x) => ['tree', `oci:${x.deepIndex}:v1`], code: 3, message: () => /corrupt layout index .*: nested deeper than 1000 levels/ },
  { name: 'a layout blob that is a symlink to /dev/zero (not a regular file: missing)', args: (x) => ['tree', `oci:${x.zeroBlob}:v1`], code: 4, message: (x) => new RegExp(`^ocisign: corrupt layout ${literal(x.zeroBlob)}: index.json names sha256:[0-9a-f]{64} but .* is missing$`, 'm'), maxPeakMiB: MEMORY_MIB },
  { name: 'a .sig manifest nested 100,000 deep', args: (x) => [...verifyKey(x), `oci:${x.deepSigManifest}:v1`], code: 3, message: () => /nested deeper than 1000 levels/ },
  // keys and passwords
  { name: 'a key file that is not a key', args: (x) => [...verifyKey(x), '--key', x.notJson, `oci:${x.img}:v1`], code: 3, message: (x) => new RegExp(literal(x.notJson)) },
  { name: 'a key file that never ends (/dev/zero)', args: (x) => [...verifyKey(x).slice(0, 1), '--key', '/dev/zero', `oci:${x.img}:v1`], code: 3, message: () => /^ocisign: reading key \/dev\/zero: more than the limit of 1048576 \(1 MiB\)$/m, maxPeakMiB: MEMORY_MIB },
  { name: 'a key path that is a directory', args: (x) => ['verify', '--key', x.dir, `oci:${x.img}:v1`], code: 3, message: (x) => new RegExp(`reading key ${literal(x.dir)}: is a directory`) },
  { name: 'a missing key file', args: (x) => ['sign', '--key', join(x.dir, 'missing.key'), `oci:${x.img}:v1`], code: 3, message: (x) => new RegExp(`reading key ${literal(x.dir)}/missing.key: no such file or directory`) },
  { name: 'a wrong password', args: (x) => ['sign', '--key', x.key, '--tlog-upload=false', `oci:${x.img}@${x.digest}`], env: () => ({ COSIGN_PASSWORD: 'wrong' }), code: 3, message: () => /password/ },
  { name: 'public-key of /dev/zero', args: () => ['public-key', '--key', '/dev/zero'], code: 3, message: () => /reading key \/dev\/zero: more than the limit/, maxPeakMiB: MEMORY_MIB },
  { name: 'an identity token file that never ends (/dev/zero)', args: (x) => ['sign', '--identity-token', '/dev/zero', '--fulcio-url', `http://${x.down.split('/')[0]}`, '--tlog-upload=false', `oci:${x.img}@${x.digest}`], code: 3, message: () => /^ocisign: .*reading identity token \/dev\/zero: more than the limit of 1048576 \(1 MiB\)$/m, maxPeakMiB: MEMORY_MIB },
  { name: 'import-key-pair of /dev/zero', args: (x) => ['import-key-pair', '-k', '/dev/zero', '--output-key-prefix', join(x.dir, 'imported')], code: 3, message: () => /reading key \/dev\/zero: more than the limit/ },
  // signature payloads
  { name: 'a signature payload whose optional nests 100,000 deep', args: (x) => [...verifyKey(x), `oci:${x.deep}:v1`], code: 12, message: () => /nested deeper than 1000 levels/ },
  { name: 'a Rekor bundle annotation nested 100,000 deep', skip: ABSENT_REASON_IF_NO_ROOT, args: (x) => ['verify', '--key', x.pub, '--trusted-root', TRUSTED_ROOT, `oci:${x.deepBundle}:v1`], code: 12, message: () => /^ {2}sha256-[0-9a-f]{64}\.sig layer 0 \(sha256:[0-9a-f]{64}\): rekor bundle annotation: nested deeper than 1000 levels/m },
  { name: 'download signature with a bundle annotation nested 100,000 deep', args: (x) => ['download', 'signature', `oci:${x.deepBundle}:v1`], code: 0, message: () => /^$/ },
  { name: 'a signature payload that is not JSON', args: (x) => [...verifyKey(x), `oci:${x.notJsonPayload}:v1`], code: 12, message: () => /payload is not JSON/ },
  // predicates and SBOM files
  { name: 'attest a predicate nested 100,000 deep', args: (x) => ['attest', '--key', x.key, '--tlog-upload=false', '--type', 'cyclonedx', '--predicate', x.deepJson, `oci:${x.img}@${x.digest}`], code: 3, message: (x) => new RegExp(`reading predicate ${literal(x.deepJson)}: nested deeper than 1000 levels`) },
  { name: 'attest a predicate that is not JSON', args: (x) => ['attest', '--key', x.key, '--tlog-upload=false', '--type', 'cyclonedx', '--predicate', x.notJson, `oci:${x.img}@${x.digest}`], code: 3, message: (x) => new RegExp(`reading predicate ${literal(x.notJson)}: not JSON`) },
  { name: 'attest a predicate that never ends (/dev/zero)', args: (x) => ['attest', '--key', x.key, '--tlog-upload=false', '--type', 'custom', '--predicate', '/dev/zero', `oci:${x.img}@${x.digest}`], code: 3, message: () => /reading predicate \/dev\/zero: /, maxPeakMiB: MEMORY_MIB },
  { name: 'attach an SBOM that never ends (/dev/zero)', args: (x) => ['attach', 'sbom', '--sbom', '/dev/zero', '--type', 'cyclonedx', `oci:${x.img}@${x.digest}`], code: 3, message: () => /reading SBOM \/dev\/zero: /, maxPeakMiB: MEMORY_MIB },
  // image layers
  { name: 'sbom of a truncated gzip layer', args: (x) => ['sbom', `oci:${x.badGzip}:v1`], code: 3, message: () => /^ocisign: reading layer sha256:[0-9a-f]{64}: /m },
  { name: 'sbom of a layer that is not a tar', args: (x) => ['sbom', `oci:${x.badTar}:v1`], code: 3, message: () => /^ocisign: reading layer sha256:[0-9a-f]{64}: /m },
  { name: 'sbom of a layer with a path escaping the root (a warning)', args: (x) => ['sbom', `oci:${x.escapingTar}:v1`], code: 0, message: () => /^ocisign: warning: \.\.\/\.\.\/etc\/passwd in layer sha256:[0-9a-f]{64}: path escapes the root; entry skipped$/m },
  // policy files and trusted roots
  { name: 'a policy file that never ends (/dev/zero)', args: (x) => ['verify', '--policy', '/dev/zero', `oci:${x.img}:v1`], code: 3, message: () => /^ocisign: reading policy \/dev\/zero: more than the limit of 1048576 \(1 MiB\)$/m, maxPeakMiB: MEMORY_MIB },
  { name: 'a YAML policy nested 100,000 deep', args: (x) => ['verify', '--policy', x.deepYamlPolicy, `oci:${x.img}:v1`], code: 3, message: (x) => new RegExp(`policy ${literal(x.deepYamlPolicy)}`) },
  { name: 'a JSON policy nested 100,000 deep', args: (x) => ['verify', '--policy', x.deepJsonPolicy, `oci:${x.img}:v1`], code: 3, message: (x) => new RegExp(`policy ${literal(x.deepJsonPolicy)}`) },
  { name: 'a missing policy file', args: (x) => ['verify-attestation', '--key', x.pub, '--policy', join(x.dir, 'nope.yaml'), `oci:${x.img}:v1`], code: 3, message: () => /reading policy .*nope\.yaml: no such file or directory/ },
  { name: '--trusted-root that never ends (/dev/zero)', args: (x) => [...keyless, '--trusted-root', '/dev/zero', `oci:${x.img}:v1`], code: 3, message: () => /^ocisign: reading trusted root \/dev\/zero: more than the limit of 4194304 \(4 MiB\)$/m, maxPeakMiB: MEMORY_MIB },
  { name: '--trusted-root nested 100,000 deep', args: (x) => [...keyless, '--trusted-root', x.deepJson, `oci:${x.img}:v1`], code: 3, message: (x) => new RegExp(`reading trusted root ${literal(x.deepJson)}: nested deeper than 1000 levels`) },
  { name: '--registry-cacert that never ends (/dev/zero)', args: (x) => ['--registry-cacert', '/dev/zero', 'digest', x.down], code: 3, message: () => /^ocisign: reading CA certificates \/dev\/zero: more than the limit of 4194304 \(4 MiB\)$/m, maxPeakMiB: MEMORY_MIB },
  // directories
  { name: 'sbom of a tree with an unreadable directory (a warning)', args: (x) => ['sbom', `dir:${x.tree}`], unprivileged: true, code: 0, message: () => /^ocisign: warning: locked\/: unreadable directory \(permission denied\); skipped$/m },
  { name: 'sbom of an unreadable directory', args: (x) => ['sbom', `dir:${join(x.tree, 'locked')}`], unprivileged: true, code: 3, message: (x) => new RegExp(`^ocisign: scanning directory ${literal(join(x.tree, 'locked'))}: permission denied$`, 'm') },
  { name: 'sbom of a missing directory', args: (x) => ['sbom', `dir:${join(x.dir, 'nope')}`], code: 3, message: () => /no such directory/ },
  // a registry that is down: the message says so once, naming the host
  { name: 'digest against a registry that is down', args: (x) => ['digest', x.down], code: 4, message: (x) => new RegExp(`^ocisign: resolving ${literal(x.down)}: connection refused by ${literal(x.down.split('/')[0]!)}$`, 'm') },
  { name: 'sign against a registry that is down', args: (x) => ['sign', '--key', x.key, '--tlog-upload=false', x.down], code: 4, message: (x) => new RegExp(`^ocisign: resolving ${literal(x.down)}: connection refused by ${literal(x.down.split('/')[0]!)}$`, 'm') },
  { name: 'verify against a registry that is down', args: (x) => [...verifyKey(x), x.down], code: 4, message: (x) => new RegExp(`^ocisign: resolving ${literal(x.down)}: connection refused by ${literal(x.down.split('/')[0]!)}$`, 'm') },
  { name: 'sbom of an image on a registry that is down', args: (x) => ['sbom', x.down], code: 4, message: (x) => new RegExp(literal(x.down.split('/')[0]!)) },
  { name: 'copy from a registry that is down', args: (x) => ['copy', x.down, `oci:${join(x.dir, 'copy-dst')}:v1`], code: 4, message: (x) => new RegExp(literal(x.down.split('/')[0]!)) },
  { name: 'attest against a registry that is down', args: (x) => ['attest', '--key', x.key, '--tlog-upload=false', '--type', 'custom', '--predicate', x.notJson, x.down], code: 4, message: (x) => new RegExp(literal(x.down.split('/')[0]!)) },
  { name: 'attach sbom against a registry that is down', args: (x) => ['attach', 'sbom', '--sbom', x.notJson, '--type', 'spdx', x.down], code: 4, message: (x) => new RegExp(literal(x.down.split('/')[0]!)) },
  { name: 'verify-attestation against a registry that is down', args: (x) => ['verify-attestation', '--key', x.pub, '--insecure-ignore-tlog', x.down], code: 4, message: (x) => new RegExp(literal(x.down.split('/')[0]!)) },
  { name: 'download sbom from a registry that is down', args: (x) => ['download', 'sbom', x.down], code: 4, message: (x) => new RegExp(literal(x.down.split('/')[0]!)) },
  { name: 'tree of an image on a registry that is down', args: (x) => ['tree', x.down], code: 4, message: (x) => new RegExp(literal(x.down.split('/')[0]!)) },
  { name: 'a malformed --repository', args: (x) => [...verifyKey(x), '--repository', 'Bad:ref', `oci:${x.img}:v1`], code: 3, message: () => /invalid reference "Bad:ref"/ },
  // usage
  { name: 'a misspelled flag', args: (x) => ['verify', '--key', x.pub, '--insecure-ignore-tlg', `oci:${x.img}:v1`], code: 2, message: () => /^ocisign: unknown option --insecure-ignore-tlg: did you mean --insecure-ignore-tlog\?$/m },
];

hostileTable('exit-1 rule', () => f, rows);

// The limits the rows rely on, so a change of limit shows up here first.
void INPUT_LIMITS;
