// `attest` and `attach sbom` through the fault proxy, failing each kind of request in turn (see fault-matrix.ts).
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { sha256Digest } from '../../src/oci/digest.ts';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { faultEnv, ocisign, storedLayers, type FaultEnv } from './fault-env.ts';
import { MATRIX_TEST, QUICK, runMatrix, storeAttestation, storeSbom, storeSignature, type MatrixCommand } from './fault-matrix.ts';

const getEnv = faultEnv();

const attest: MatrixCommand = {
  name: 'attest',
  async prepare(env, image) {
    await storeSignature(env, image, 'earlier');
    await storeAttestation(env, image);
  },
  run: (env, image) =>
    ocisign(['attest', '--key', env.key.key, '--new-bundle-format=false', '--tlog-upload=false', '--predicate', env.predicate, '--type', 'slsaprovenance', ...QUICK, image.viaProxy]),
  async succeeded(_env, image, _run, before) {
    assert.equal((await storedLayers(image, 'attestation')).length, before.att.length + 1, 'the new attestation was added');
  },
};

it('attest: each kind of request fails in turn; earlier signatures and attestations survive', MATRIX_TEST, async (t) => {
  const env = getEnv();
  if (typeof env === 'string') return t.skip(env);
  await runMatrix(t, env, attest, [
    { request: 'image HEAD', fault: { kind: 'reset' }, count: 1, exit: 0 },
    { request: '.att GET', fault: { kind: 'not-found' }, count: 1, exit: 0 },
    { request: '.att GET', fault: { kind: 'reset-body' }, exit: 4 },
    { request: '.att GET', fault: { kind: 'stall-body' }, count: 1, exit: 0 },
    { request: '.att GET', fault: { kind: 'truncate' }, skip: 1, count: 1, exit: 0 },
    { request: 'upload PUT', fault: { kind: 'status', status: 503 }, exit: 4 },
    { request: '.att PUT', fault: { kind: 'stall-headers' }, count: 1, exit: 0 },
    { request: '.att PUT', fault: { kind: 'reset' }, exit: 4 },
  ]);
});

/** An SBOM of the case's own (new blobs to upload). */
async function sbomFile(env: FaultEnv, id: string): Promise<string> {
  const file = join(env.dir, `${id}.cdx.json`);
  await writeFile(file, JSON.stringify({ bomFormat: 'CycloneDX', specVersion: '1.6', version: 1, metadata: { component: { type: 'container', name: id } } }));
  return file;
}

const attach: MatrixCommand = {
  name: 'attach',
  async prepare(env, image) {
    await storeSignature(env, image, 'earlier');
    await storeAttestation(env, image);
    await storeSbom(env, image);
  },
  async run(env, image, { id }) {
    return ocisign(['attach', 'sbom', '--sbom', await sbomFile(env, id), '--type', 'cyclonedx', ...QUICK, image.viaProxy]);
  },
  async succeeded(env, image, { id }) {
    assert.deepEqual(await storedLayers(image, 'sbom'), [sha256Digest(await readFile(await sbomFile(env, id)))]);
  },
};

it('attach sbom: each kind of request fails in turn; the .sbom stays whole, signatures and attestations survive', MATRIX_TEST, async (t) => {
  const env = getEnv();
  if (typeof env === 'string') return t.skip(env);
  await runMatrix(t, env, attach, [
    { request: 'image HEAD', fault: { kind: 'status', status: 503 }, exit: 4 },
    { request: 'blob HEAD', fault: { kind: 'stall-headers' }, count: 1, exit: 0 },
    { request: 'upload POST', fault: { kind: 'reset' }, exit: 4 },
    { request: 'upload PUT', fault: { kind: 'stall-headers' }, count: 1, exit: 0 },
    { request: '.sbom PUT', fault: { kind: 'status', status: 503 }, exit: 4 },
    { request: '.sbom PUT', fault: { kind: 'reset' }, count: 1, exit: 0 },
  ]);
});
