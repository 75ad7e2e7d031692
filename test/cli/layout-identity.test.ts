/**
 * The identity a layout image is signed for (`docker-reference`, checked by `verify --check-docker-reference`)
 * is `oci:<directory name>`: the same layout named relatively, with `./`, absolutely, after `ocisign copy` to
 * another place or after moving the directory, verifies; a renamed directory is another repository.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLayoutRepository } from '../../src/oci/layout/layout-repository.ts';
import { pushTestImage, writeTestKeyPair } from '../cosign/test-image.ts';
import { runHostile } from '../hostile/run-cli.ts';

test('sign oci:img, verify --check-docker-reference as oci:./img, by absolute path, after copy and after a move; a rename fails (12)', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'ocisign-identity-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const digest = await pushTestImage(createLayoutRepository({ kind: 'layout', path: join(dir, 'img') }), 'v1');
  const k = await writeTestKeyPair(join(dir, 'k'));
  const env = { COSIGN_PASSWORD: '' };
  const signed = await runHostile(['sign', '--key', k.key, '--tlog-upload=false', `oci:img@${digest}`], { cwd: dir, env });
  assert.equal(signed.code, 0, signed.stderr);

  const verify = (ref: string, cwd = dir) => runHostile(['verify', '--key', k.pub, '--insecure-ignore-tlog', '--check-docker-reference', ref], { cwd, env });
  for (const ref of ['oci:img:v1', 'oci:./img:v1', `oci:${join(dir, 'img')}:v1`]) {
    const r = await verify(ref);
    assert.equal(r.code, 0, `${ref}: ${r.stderr}`);
    assert.match(r.stdout, /"docker-reference":"oci:img"/);
  }
  await mkdir(join(dir, 'release'));
  const copied = await runHostile(['copy', 'oci:img:v1', 'oci:release/img:v1'], { cwd: dir, env });
  assert.equal(copied.code, 0, copied.stderr);
  assert.equal((await verify('oci:img:v1', join(dir, 'release'))).code, 0, 'after copy');

  await mkdir(join(dir, 'moved'));
  await rename(join(dir, 'img'), join(dir, 'moved', 'img'));
  assert.equal((await verify(`oci:${join(dir, 'moved', 'img')}:v1`)).code, 0, 'after a move');

  await rename(join(dir, 'moved', 'img'), join(dir, 'moved', 'other'));
  const renamed = await verify(`oci:${join(dir, 'moved', 'other')}:v1`);
  assert.equal(renamed.code, 12, renamed.stderr);
  assert.match(renamed.stderr, /(payload docker-reference|statement subject name) "oci:img" is not "oci:other"/);
});

test('sign --sign-container-identity: the identity given (e.g. where the layout will be pushed) is what is signed', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'ocisign-identity-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const digest = await pushTestImage(createLayoutRepository({ kind: 'layout', path: join(dir, 'img') }), 'v1');
  const k = await writeTestKeyPair(join(dir, 'k'));
  const env = { COSIGN_PASSWORD: '' };
  const signed = await runHostile(['sign', '--key', k.key, '--tlog-upload=false', '--sign-container-identity', 'registry.example/acme/app', `oci:img@${digest}`], { cwd: dir, env });
  assert.equal(signed.code, 0, signed.stderr);
  const r = await runHostile(['verify', '--key', k.pub, '--insecure-ignore-tlog', 'oci:img:v1'], { cwd: dir, env });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /"docker-reference":"registry\.example\/acme\/app"/);
  const checked = await runHostile(['verify', '--key', k.pub, '--insecure-ignore-tlog', '--check-docker-reference', 'oci:img:v1'], { cwd: dir, env });
  assert.equal(checked.code, 12, 'the layout is not registry.example/acme/app');
});
