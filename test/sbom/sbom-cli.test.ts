/**
 * `ocisign sbom` end to end, in-process through main(): directories (output file, determinism, bad input,
 * excludes, installed node_modules), an OCI layout index (platform selection, --platform all, all-layers),
 * and an image in the real docker-registry.
 */
import assert from 'node:assert/strict';
import { cp, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, after, before } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Agent } from 'undici';
import { main } from '../../src/cli/main.ts';
import { buildImage, buildIndex } from '../../src/oci/image-builder.ts';
import { openRepository } from '../../src/oci/open.ts';
import { parseReference } from '../../src/oci/reference.ts';
import { validateCdxJson } from '../../src/sbom/output/index.ts';
import { progressPrinter } from '../../src/cli/commands/sbom.ts';
import { registryAvailable, startRegistry } from '../helpers/registry-server.ts';

const fixtures = fileURLToPath(new URL('../../fixtures/sbom/dir', import.meta.url));

async function cli(args: string[], env: Record<string, string> = {}, isTTY = false) {
  let stdout = '';
  const stderr: string[] = [];
  const code = await main(args, { stdout: (t) => void (stdout += t), stderr: (l) => void stderr.push(l), env: { ...env }, isTTY });
  return { code, stdout, stderr };
}

type Bom = { metadata: { component: { name: string; version?: string; purl?: string; type: string } }; components: { purl?: string; type: string; properties?: { name: string; value: string }[] }[]; compositions: { aggregate: string }[] };

let scratch: string;
before(async () => { scratch = await mkdtemp(join(tmpdir(), 'ocisign-sbom-cli-')); });
after(async () => { await rm(scratch, { recursive: true, force: true }); });

describe('sbom of a directory', () => {
  it('writes a valid BOM atomically to --output-file, nothing else in the directory', async () => {
    const out = join(scratch, 'out1');
    await mkdir(out);
    const r = await cli(['sbom', `dir:${join(fixtures, 'npm-v3')}`, '--output-file', join(out, 'bom.json')]);
    assert.equal(r.code, 0, r.stderr.join('\n'));
    assert.deepEqual(await readdir(out), ['bom.json']);
    const text = await readFile(join(out, 'bom.json'), 'utf8');
    await validateCdxJson(text, 'test');
    assert.equal((JSON.parse(text) as Bom).metadata.component.purl, 'pkg:npm/app-v3@3.0.0');
  });

  it('SOURCE_DATE_EPOCH + --deterministic: two runs are byte-identical (stdout)', async () => {
    const env = { SOURCE_DATE_EPOCH: '1700000000' };
    const a = await cli(['sbom', join(fixtures, 'poetry'), '--deterministic'], env);
    const b = await cli(['sbom', join(fixtures, 'poetry'), '--deterministic'], env);
    assert.equal(a.code, 0);
    assert.equal(a.stdout, b.stdout);
    assert.match(a.stdout, /"timestamp": "2023-11-14T22:13:20.000Z"/);
  });

  it('spdx-json and cyclonedx-xml formats', async () => {
    const spdx = await cli(['sbom', join(fixtures, 'cargo'), '--format', 'spdx-json']);
    assert.equal(spdx.code, 0);
    assert.equal((JSON.parse(spdx.stdout) as { spdxVersion: string }).spdxVersion, 'SPDX-2.3');
    const xml = await cli(['sbom', join(fixtures, 'cargo'), '--format', 'cyclonedx-xml']);
    assert.equal(xml.code, 0);
    assert.match(xml.stdout, /<purl>pkg:cargo\/serde@1.0.197<\/purl>/);
  });

  it('an invalid lockfile: exit 0, a warning naming it, composition incomplete', async () => {
    const r = await cli(['sbom', `dir:${join(fixtures, 'bad-json')}`]);
    assert.equal(r.code, 0);
    assert.ok(r.stderr.some((l) => l.includes('package-lock.json: invalid JSON')), r.stderr.join('\n'));
    assert.deepEqual((JSON.parse(r.stdout) as Bom).compositions.map((c) => c.aggregate), ['incomplete']);
  });

  it('a missing directory: exit 3 naming it, no output file', async () => {
    const out = join(scratch, 'missing.json');
    const r = await cli(['sbom', 'dir:/nonexistent/ocisign-test', '--output-file', out]);
    assert.equal(r.code, 3);
    assert.match(r.stderr[0]!, /\/nonexistent\/ocisign-test/);
    await assert.rejects(readFile(out));
  });

  it('--exclude (gitignore semantics) and installed node_modules without a lockfile', async () => {
    const dir = join(scratch, 'proj');
    await cp(join(fixtures, 'cargo'), join(dir, 'rust'), { recursive: true });
    await cp(join(fixtures, 'gemfile'), join(dir, 'vendor', 'ruby'), { recursive: true });
    await mkdir(join(dir, 'node_modules', '@s', 'x', 'node_modules', 'y'), { recursive: true });
    await mkdir(join(dir, 'node_modules', 'y'), { recursive: true });
    await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'proj', version: '1.0.0', dependencies: { '@s/x': '1' } }));
    await writeFile(join(dir, 'node_modules', '@s', 'x', 'package.json'), JSON.stringify({ name: '@s/x', version: '1.0.0', license: 'MIT', dependencies: { y: '2' } }));
    await writeFile(join(dir, 'node_modules', '@s', 'x', 'node_modules', 'y', 'package.json'), JSON.stringify({ name: 'y', version: '2.0.0' }));
    await writeFile(join(dir, 'node_modules', 'y', 'package.json'), JSON.stringify({ name: 'y', version: '1.0.0' }));
    const r = await cli(['sbom', dir, '--exclude', 'vendor/', '--exclude', '*.lock', '--exclude', '!rust/Cargo.lock']);
    assert.equal(r.code, 0, r.stderr.join('\n'));
    const purls = (JSON.parse(r.stdout) as Bom).components.map((c) => c.purl).filter(Boolean).sort();
    assert.deepEqual(purls, ['pkg:cargo/cargo-app@0.1.0', 'pkg:cargo/rand@0.7.3', 'pkg:cargo/rand@0.8.5', 'pkg:cargo/serde@1.0.197', 'pkg:npm/%40s/x@1.0.0', 'pkg:npm/y@1.0.0', 'pkg:npm/y@2.0.0']);
  });

  it('installed metadata: npm hidden lockfile (node_modules/.package-lock.json) and python *.dist-info', async () => {
    const dir = join(scratch, 'installed');
    await mkdir(join(dir, 'node_modules', 'x'), { recursive: true });
    await mkdir(join(dir, '.venv', 'lib', 'python3.12', 'site-packages', 'Flask_Cors-4.0.0.dist-info'), { recursive: true });
    await writeFile(join(dir, 'node_modules', '.package-lock.json'), JSON.stringify({
      name: 'installed', lockfileVersion: 3, packages: { 'node_modules/x': { version: '1.0.0', dependencies: { y: '1' } }, 'node_modules/y': { version: '1.0.1' } },
    }));
    await writeFile(join(dir, '.venv', 'lib', 'python3.12', 'site-packages', 'Flask_Cors-4.0.0.dist-info', 'METADATA'),
      'Metadata-Version: 2.1\nName: Flask-Cors\nVersion: 4.0.0\nLicense: MIT\n\nlong description\n');
    const r = await cli(['sbom', dir]);
    assert.equal(r.code, 0, r.stderr.join('\n'));
    const bom = JSON.parse(r.stdout) as Bom & { dependencies: { ref: string; dependsOn: string[] }[] };
    assert.deepEqual(bom.components.map((c) => c.purl).filter(Boolean).sort(), ['pkg:npm/x@1.0.0', 'pkg:npm/y@1.0.1', 'pkg:pypi/flask-cors@4.0.0']);
    assert.deepEqual(bom.dependencies.find((d) => d.ref === 'pkg:npm/x@1.0.0')?.dependsOn, ['pkg:npm/y@1.0.1']);
  });
});

const osRelease = { path: 'etc/os-release', content: 'ID=debian\nVERSION_ID="12"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n' };
const dpkgStatus = (arch: string) => ({
  path: 'var/lib/dpkg/status',
  content: `Package: libc6\nStatus: install ok installed\nArchitecture: ${arch}\nVersion: 2.36-9+deb12u4\n\nPackage: zlib1g\nStatus: install ok installed\nArchitecture: ${arch}\nVersion: 1:1.2.13.dfsg-1\nDepends: libc6 (>= 2.14)\n`,
});
const npmPkg = (name: string, version: string) => ({ path: `usr/lib/node_modules/${name}/package.json`, content: JSON.stringify({ name, version }) });

describe('sbom of an image', () => {
  it('an OCI layout index: --platform picks one manifest; all → one file per platform; all-layers keeps deleted packages', async () => {
    const layout = join(scratch, 'layout');
    const repo = openRepository(parseReference(`oci:${layout}`));
    const spec = (arch: string) => ({
      platform: { os: 'linux', architecture: arch },
      layers: [
        { files: [osRelease, dpkgStatus(arch), npmPkg('left-pad', '1.3.0')] },
        { files: [{ path: 'usr/lib/node_modules/left-pad', whiteout: true }, npmPkg('is-odd', '3.0.1')] },
      ],
    });
    const index = await buildIndex(repo, [spec('amd64'), spec('arm64')], '1.0');
    const arm = index.images.find((i) => i.descriptor.platform?.architecture === 'arm64')!;

    const r = await cli(['sbom', `oci:${layout}:1.0`, '--platform', 'linux/arm64']);
    assert.equal(r.code, 0, r.stderr.join('\n'));
    const bom = JSON.parse(r.stdout) as Bom;
    await validateCdxJson(r.stdout, 'test');
    assert.equal(bom.metadata.component.type, 'container');
    assert.equal(bom.metadata.component.version, arm.digest);
    assert.equal(bom.metadata.component.purl, `pkg:oci/layout@${arm.digest}?arch=arm64&tag=1.0`);
    const purls = bom.components.map((c) => c.purl).filter(Boolean).sort();
    assert.deepEqual(purls, [
      'pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=arm64&distro=debian-12',
      'pkg:deb/debian/zlib1g@1:1.2.13.dfsg-1?arch=arm64&distro=debian-12',
      'pkg:npm/is-odd@3.0.1',
    ]);
    assert.ok(bom.components.some((c) => c.type === 'operating-system'));

    const all = await cli(['sbom', `oci:${layout}:1.0`, '--platform', 'all', '--output-file', join(scratch, 'multi.json'), '--output', 'json']);
    assert.equal(all.code, 0, all.stderr.join('\n'));
    const files = (await readdir(scratch)).filter((f) => f.startsWith('multi.')).sort();
    assert.deepEqual(files, ['multi.linux-amd64.json', 'multi.linux-arm64.json']);

    const deep = await cli(['sbom', `oci:${layout}:1.0`, '--platform', 'linux/amd64', '--scope', 'all-layers']);
    assert.equal(deep.code, 0, deep.stderr.join('\n'));
    const leftPad = (JSON.parse(deep.stdout) as Bom).components.find((c) => c.purl === 'pkg:npm/left-pad@1.3.0');
    assert.ok(leftPad, 'all-layers lists the package deleted by the whiteout');
    assert.ok(leftPad.properties?.some((p) => p.name === 'ocisign:image:visible' && p.value === 'false'));

    const none = await cli(['sbom', `oci:${layout}:1.0`, '--platform', 'linux/s390x']);
    assert.equal(none.code, 11);
    assert.match(none.stderr[0]!, /no manifest for platform linux\/s390x \(available: linux\/amd64, linux\/arm64\)/);
  });

  it('progress on a terminal only: layers done and bytes read on stderr with isTTY, nothing without', async () => {
    const layout = join(scratch, 'progress');
    const repo = openRepository(parseReference(`oci:${layout}`));
    await buildImage(repo, { layers: [{ files: [osRelease, dpkgStatus('amd64')] }, { files: [npmPkg('is-odd', '3.0.1')] }] }, 'v1');
    const args = ['sbom', `oci:${layout}:v1`, '--deterministic'];
    const quiet = await cli(args, { SOURCE_DATE_EPOCH: '0' });
    assert.equal(quiet.code, 0, quiet.stderr.join('\n'));
    assert.deepEqual(quiet.stderr, [], 'not a terminal: nothing on stderr');
    const tty = await cli(args, { SOURCE_DATE_EPOCH: '0' }, true);
    assert.equal(tty.code, 0, tty.stderr.join('\n'));
    assert.equal(tty.stdout, quiet.stdout, 'the same BOM on stdout');
    assert.equal(tty.stderr.length, 2, tty.stderr.join('\n'));
    assert.match(tty.stderr[0]!, /^sbom( linux\/amd64)?: 1\/2 layers, \d+\.\d KiB read$/);
    assert.match(tty.stderr[1]!, /^sbom( linux\/amd64)?: 2\/2 layers, \d+\.\d KiB read$/);
  });

  it('progressPrinter: one line per layer or per 64 MiB, none without a terminal', () => {
    assert.equal(progressPrinter(false, () => assert.fail('no output')), undefined);
    assert.equal(progressPrinter(undefined, () => assert.fail('no output')), undefined);
    const lines: string[] = [];
    const print = progressPrinter(true, (l) => lines.push(l))!;
    const MiB = 1024 * 1024;
    print({ layersDone: 0, layersTotal: 2, bytesRead: 8 * MiB });
    print({ layersDone: 0, layersTotal: 2, bytesRead: 16 * MiB });
    print({ layersDone: 0, layersTotal: 2, bytesRead: 80 * MiB });
    print({ layersDone: 1, layersTotal: 2, bytesRead: 90 * MiB, platform: 'linux/arm64' });
    print({ layersDone: 2, layersTotal: 2, bytesRead: 3 * 1024 * MiB });
    assert.deepEqual(lines, [
      'sbom: 0/2 layers, 8.0 MiB read',
      'sbom: 0/2 layers, 80.0 MiB read',
      'sbom linux/arm64: 1/2 layers, 90.0 MiB read',
      'sbom: 2/2 layers, 3.00 GiB read',
    ]);
  });

  it('an image in the real registry (docker-registry on 127.0.0.1)', async (t) => {
    const why = registryAvailable();
    if (why) return t.skip(why);
    const registry = await startRegistry({ mode: 'http' });
    const dispatcher = new Agent();
    t.after(async () => { await dispatcher.close(); await registry.stop(); });
    const repo = openRepository(parseReference(`${registry.host}/demo/app`), { dispatcher });
    const image = await buildImage(repo, { layers: [{ files: [osRelease, dpkgStatus('amd64')] }] }, 'v1');
    const r = await cli(['sbom', `${registry.host}/demo/app:v1`, '--deterministic'], { SOURCE_DATE_EPOCH: '0' });
    assert.equal(r.code, 0, r.stderr.join('\n'));
    const bom = JSON.parse(r.stdout) as Bom;
    assert.equal(bom.metadata.component.name, `${registry.host}/demo/app`);
    assert.equal(bom.metadata.component.purl, `pkg:oci/app@${image.digest}?arch=amd64&repository_url=${registry.host.replace(':', ':')}%2Fdemo%2Fapp&tag=v1`);
    assert.equal(bom.components.filter((c) => c.purl?.startsWith('pkg:deb/')).length, 2);
  });
});
