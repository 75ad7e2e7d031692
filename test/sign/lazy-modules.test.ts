// `sign --key` writing a bundle referrer to a registry (the default write) loads no Sigstore library and none of the
// other large dependencies: the bundle, the DSSE envelope and the referrer are written without them. Each module
// loaded costs every run of the CLI; this keeps them out of the signing path (see test/verify/lazy-modules.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Agent } from 'undici';
import { openRepository } from '../../src/oci/open.ts';
import { parseReference } from '../../src/oci/reference.ts';
import { registryAvailable, startRegistry } from '../helpers/registry-server.ts';
import { pushTestImage, writeTestKeyPair } from '../cosign/test-image.ts';

const exec = promisify(execFile);

/** Runs the CLI from source in a child process; returns its exit code and the node_modules packages it loaded. */
async function packagesLoaded(args: string[], cwd: string): Promise<{ code: number; packages: string[] }> {
  const script = `
    import module from 'node:module';
    const seen = new Set();
    module.registerHooks({ resolve(specifier, context, next) {
      const r = next(specifier, context);
      const m = /node_modules\\/((?:@[^/]+\\/)?[^/]+)\\//.exec(r.url);
      if (m) seen.add(m[1]);
      return r;
    } });
    const { main } = await import(${JSON.stringify(new URL('../../src/cli/main.ts', import.meta.url).href)});
    const code = await main(${JSON.stringify(args)}, { stdout() {}, stderr() {}, env: { PATH: process.env.PATH, HOME: process.env.HOME, COSIGN_PASSWORD: '' } });
    console.log(JSON.stringify({ code, packages: [...seen].sort() }));`;
  const { stdout } = await exec(process.execPath, ['--input-type=module', '-e', script], { cwd, encoding: 'utf8' });
  return JSON.parse(stdout) as { code: number; packages: string[] };
}

/** Packages a key-based sign has no use for. */
const HEAVY = /^(sigstore|@sigstore\/.*|@cyclonedx\/.*|ajv.*|@aws-sdk\/.*|@smithy\/.*|@bufbuild\/.*|xmlbuilder2|pkcs11js|jose|yaml|smol-toml|@noble\/curves)$/;

test('sign --key of a registry image (bundle referrer, fallback index) loads no Sigstore, SBOM, schema, KMS or JOSE library', async (t) => {
  const why = registryAvailable();
  if (why) return t.skip(why);
  const registry = await startRegistry({ mode: 'http' });
  const dispatcher = new Agent();
  const dir = await mkdtemp(join(tmpdir(), 'ocisign-lazy-sign-'));
  t.after(async () => {
    await dispatcher.close();
    await registry.stop();
    await rm(dir, { recursive: true, force: true });
  });
  const digest = await pushTestImage(openRepository(parseReference(`${registry.host}/lazy/app`), { dispatcher }), 'v1');
  const k = await writeTestKeyPair(join(dir, 'k'));
  const signed = await packagesLoaded(['sign', '--key', k.key, '--tlog-upload=false', '--allow-http-registry', `${registry.host}/lazy/app@${digest}`], dir);
  assert.equal(signed.code, 0);
  assert.ok(signed.packages.includes('undici') && signed.packages.includes('@noble/ciphers'), signed.packages.join(' '));
  assert.deepEqual(signed.packages.filter((p) => HEAVY.test(p)), [], signed.packages.join(' '));
});
