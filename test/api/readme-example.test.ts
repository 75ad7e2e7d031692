// The README's library example, copied out of README.md as a user would, into a folder whose
// node_modules/ocisign is this package (as `npm install ocisign` makes it), type-checked against the built
// package entry (`exports` → dist/) and run on an OCI layout: a signed image verifies, an unsigned one gives the
// CLI's exit code 10.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createLayoutRepository } from '../../src/oci/layout/layout-repository.ts';
import { pushTestImage, runCli, writeTestKeyPair } from '../cosign/test-image.ts';
import { repoRoot } from '../helpers/peers.ts';

const run = promisify(execFile);

/** The ```ts block that follows `marker` in README.md. */
export async function readmeBlock(marker: string): Promise<string> {
  const readme = await readFile(join(repoRoot, 'README.md'), 'utf8');
  const at = readme.indexOf(marker);
  assert.ok(at >= 0, `README.md has ${marker}`);
  const block = /```ts\n([\s\S]*?)\n```/.exec(readme.slice(at));
  assert.ok(block, `a \`\`\`ts block after ${marker}`);
  return block[1]!;
}

test('README library example: compiles against the package entry and verifies a signed layout image', async (t) => {
  if (!existsSync(join(repoRoot, 'dist', 'index.d.ts'))) return t.skip('dist/ not built (npm run build)');
  const dir = await mkdtemp(join(tmpdir(), 'ocisign-readme-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await mkdir(join(dir, 'node_modules'));
  await symlink(repoRoot, join(dir, 'node_modules', 'ocisign'));
  await writeFile(join(dir, 'package.json'), '{"type":"module"}\n');

  const source = await readmeBlock('<!-- example: verify-images.ts -->');
  const lines = source.split('\n').filter((l) => l.trim() !== '');
  assert.ok(lines.length <= 16, `the example stays short (${lines.length} lines)`);
  const file = join(dir, 'verify-images.ts');
  await writeFile(file, source);
  await writeFile(join(dir, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { target: 'es2023', module: 'nodenext', moduleResolution: 'nodenext', strict: true, noEmit: true, allowImportingTsExtensions: true, skipLibCheck: false, types: ['node'], typeRoots: [join(repoRoot, 'node_modules', '@types')] },
    files: ['verify-images.ts'],
  }));
  const tsc = await run(process.execPath, [join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', dir]).catch((e: { stdout: string; stderr: string }) => e);
  assert.equal('code' in tsc ? tsc.code : 0, 0, `tsc: ${tsc.stdout}${tsc.stderr}`);

  const layout = join(dir, 'layout');
  const repo = createLayoutRepository({ kind: 'layout', path: layout });
  const signed = await pushTestImage(repo, 'signed', 'a');
  await pushTestImage(repo, 'unsigned', 'b');
  const keys = await writeTestKeyPair(join(dir, 'cosign'));
  assert.equal((await runCli(['sign', '--key', keys.key, '--tlog-upload=false', `oci:${layout}@${signed}`])).code, 0);

  const ok = await run(process.execPath, [file, keys.pub, `oci:${layout}:signed`]);
  assert.match(ok.stdout, new RegExp(`oci:${layout}:signed@${signed}: 1 signature\\(s\\) verified`));
  const failed = await run(process.execPath, [file, keys.pub, `oci:${layout}:signed`, `oci:${layout}:unsigned`]).catch((e: { code: number; stdout: string; stderr: string }) => e);
  assert.equal('code' in failed ? failed.code : 0, 10, 'the unsigned image gives exit 10');
  assert.match(failed.stderr, /unsigned: verifying .*: no signatures found/);
});
