// 16 concurrent `ocisign sign` PROCESSES with 16 different keys on one digest → 16 layers, each verifying.
// (cosign 2.5 keeps ~4 of 16 here: its read-append-write has no read-back.) On a layout and on the real registry.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Agent } from 'undici';
import { readAttachments } from '../../src/cosign/attachments.ts';
import { openRepository } from '../../src/oci/open.ts';
import { parseReference } from '../../src/oci/reference.ts';
import type { Repository } from '../../src/oci/repository.ts';
import { verifyImage } from '../../src/ops/verify.ts';
import { KeyVerifier } from '../../src/sign/key-signer.ts';
import { registryAvailable, startRegistry } from '../helpers/registry-server.ts';
import { pushTestImage, writeTestKeyPair } from '../cosign/test-image.ts';

const exec = promisify(execFile);
const NODE = join(import.meta.dirname, '../../node_modules/.bin/node');
const BIN = join(import.meta.dirname, '../../bin/ocisign');
const SIGNERS = 16;

async function raceSigners(t: { after(fn: () => Promise<void>): void }, image: string, repo: Repository, digest: string, dir: string) {
  const keys = await Promise.all(Array.from({ length: SIGNERS }, (_, i) => writeTestKeyPair(join(dir, `k${i}`))));
  const env = { ...process.env, OCISIGN_FROM_SOURCE: '1', COSIGN_PASSWORD: '' };
  const runs = await Promise.allSettled(keys.map((k) => exec(NODE, [BIN, 'sign', '--new-bundle-format=false', '--key', k.key, '--tlog-upload=false', image], { env })));
  const failed = runs.flatMap((r) => (r.status === 'rejected' ? [String((r.reason as { stderr?: string }).stderr ?? r.reason)] : []));
  assert.deepEqual(failed, [], 'every signer exits 0');
  const set = await readAttachments(repo, digest, 'signature', { payloads: true });
  assert.equal(set.layers.length, SIGNERS, 'every concurrent signature is kept');
  for (const k of keys) {
    const verifier = KeyVerifier.fromPem(await readFile(k.pub, 'utf8'), k.pub);
    const r = await verifyImage({ image: repo, ref: digest, name: image, dockerReference: '' }, { verifiers: [verifier], ignoreTlog: true });
    assert.equal(r.verified.length, 1, `exactly one layer verifies with ${k.pub}`);
  }
  void t;
}

test('16 concurrent signer processes on an OCI layout keep 16 signatures', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'ocisign-race-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const layout = join(dir, 'layout');
  const repo = openRepository(parseReference(`oci:${layout}`));
  const digest = await pushTestImage(repo, 'v1');
  await raceSigners(t, `oci:${layout}@${digest}`, repo, digest, dir);
});

test('16 concurrent signer processes on the real registry keep 16 signatures', async (t) => {
  const why = registryAvailable();
  if (why) return t.skip(why);
  const registry = await startRegistry({ mode: 'http' });
  const dispatcher = new Agent();
  const dir = await mkdtemp(join(tmpdir(), 'ocisign-race-'));
  t.after(async () => {
    await dispatcher.close();
    await registry.stop();
    await rm(dir, { recursive: true, force: true });
  });
  const ref = parseReference(`${registry.host}/race/app`);
  const repo = openRepository(ref, { dispatcher });
  const digest = await pushTestImage(repo, 'v1');
  await raceSigners(t, `${registry.host}/race/app@${digest}`, repo, digest, dir);
});
