// The README's library signing example, type-checked against the package entry and run on a real layout.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { createLayoutRepository } from '../../src/oci/layout/layout-repository.ts';
import { pushTestImage, writeTestKeyPair } from '../cosign/test-image.ts';
import { readBundles } from './check-bundle.ts';

const exec = promisify(execFile);
const root = resolve(import.meta.dirname, '../..');

test('README: the library signing example type-checks against the built package and signs an image', async (t) => {
  if (!existsSync(join(root, 'dist', 'index.d.ts'))) return t.skip('dist/ not built (npm run build): the example imports the package as users do');
  const readme = await readFile(join(root, 'README.md'), 'utf8');
  const block = /```ts\n(import \{ sign \} from 'ocisign';[\s\S]*?)```/.exec(readme)?.[1];
  assert.ok(block, 'the README has the signing example');
  const dir = await mkdtemp(join(root, '.tmp-readme-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const script = join(dir, 'example.ts');
  await writeFile(script, block);
  // `import … from 'ocisign'` resolves as in a user's project: node_modules/ocisign → this package (its exports, dist/)
  await mkdir(join(dir, 'node_modules'));
  await symlink(root, join(dir, 'node_modules', 'ocisign'));
  await writeFile(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
  await writeFile(join(dir, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { noEmit: true, strict: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2023', skipLibCheck: true, types: ['node'], typeRoots: [join(root, 'node_modules/@types')] },
    include: ['example.ts'],
  }));
  await exec(join(root, 'node_modules/.bin/tsc'), ['-p', join(dir, 'tsconfig.json')]).catch((err: { stdout?: string }) => assert.fail(`tsc: ${err.stdout}`));

  const layout = join(await mkdtemp(join(tmpdir(), 'ocisign-readme-')), 'layout');
  t.after(() => rm(join(layout, '..'), { recursive: true, force: true }));
  const repo = createLayoutRepository({ kind: 'layout', path: layout });
  const digest = await pushTestImage(repo, 'v1');
  const keys = await writeTestKeyPair(join(dir, 'cosign'));
  assert.equal(keys.key, join(dir, 'cosign.key'));
  const run = await exec(process.execPath, [script], { cwd: dir, env: { ...process.env, IMAGE: `oci:${layout}@${digest}`, COSIGN_PASSWORD: '' } });
  assert.match(run.stdout, /^bundle oci:.*@sha256:[a-f0-9]{64} \(layout\)\n$/);
  assert.equal((await readBundles(repo, digest)).length, 1);
});
