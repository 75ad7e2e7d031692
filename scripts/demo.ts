// npm run demo: builds a small deterministic 2-platform sample image into an OCI layout under .work/demo/,
// then runs the built CLI (bin/ocisign → dist/) on it: digest, copy to a second layout, tree, triangulate.
// Later issues extend it (SBOM → sign → attest → verify).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildIndex, sampleLayers } from '../src/oci/image-builder.ts';
import { createLayoutRepository } from '../src/oci/layout/layout-repository.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const work = join(root, '.work', 'demo');
const bin = join(root, 'bin', 'ocisign');
const created = '2024-01-01T00:00:00Z';
const mtime = Date.parse(created) / 1000;

if (!existsSync(join(root, 'dist', 'cli', 'main.js'))) {
  console.error('demo: dist/ is missing; building it (npm run build)');
  const built = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
  if (built.status !== 0) process.exit(built.status ?? 1);
}

await rm(work, { recursive: true, force: true });
const sample = join(work, 'sample');
const index = await buildIndex(
  createLayoutRepository({ kind: 'layout', path: sample }),
  [
    { layers: sampleLayers('amd64'), created, mtime, platform: { os: 'linux', architecture: 'amd64' } },
    { layers: sampleLayers('arm64'), created, mtime, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
  ],
  'v1',
);
console.log(`built sample image ${index.digest} (2 platforms) in ${relative(root, sample)}\n`);

const src = `oci:${relative(root, sample)}:v1`;
const dst = `oci:${relative(root, join(work, 'copy'))}:v1`;
ocisign('digest', src);
ocisign('copy', src, dst);
ocisign('tree', dst);
ocisign('triangulate', dst);
ocisign('triangulate', '--type', 'sbom', dst);
ocisign('--output', 'json', 'digest', dst);

function ocisign(...args: string[]): void {
  console.log(`$ ocisign ${args.join(' ')}`);
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`demo: ocisign ${args[0]} exited ${r.status}`);
    process.exit(r.status ?? 1);
  }
  console.log('');
}
