// `sign --key` writing a bundle referrer to a registry (the default write) loads no Sigstore library and none of the
// other large dependencies: the bundle, the DSSE envelope and the referrer are written without them. Each module
// loaded costs every run of the CLI; this keeps them out of the signing path (see test/verify/lazy-modules.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent } from 'undici';
import { openRepository } from '../../src/oci/open.ts';
import { parseReference } from '../../src/oci/reference.ts';
import { registryAvailable, startRegistry } from '../helpers/registry-server.ts';
import { pushTestImage, writeTestKeyPair } from '../cosign/test-image.ts';
import { packagesLoaded } from '../helpers/packages-loaded.ts';

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
  const signed = await packagesLoaded(['sign', '--key', k.key, '--tlog-upload=false', '--allow-http-registry', `${registry.host}/lazy/app@${digest}`], dir, { COSIGN_PASSWORD: '' });
  assert.equal(signed.code, 0);
  assert.ok(signed.packages.includes('undici') && signed.packages.includes('@noble/ciphers'), signed.packages.join(' '));
  assert.deepEqual(signed.packages.filter((p) => HEAVY.test(p)), [], signed.packages.join(' '));
});
