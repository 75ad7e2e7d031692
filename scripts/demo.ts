// npm run demo: builds a small deterministic 2-platform sample image into an OCI layout under .work/demo/,
// then runs the built CLI (bin/ocisign) on it, no registry or network needed: digest, copy to a second layout,
// a key pair, SBOM → sign (index + children) → attest the SBOM → verify → verify-attestation → a deploy-gate
// policy → tree, triangulate.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildIndex, sampleLayers } from '../src/oci/image-builder.ts';
import { createLayoutRepository } from '../src/oci/layout/layout-repository.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const work = join(root, '.work', 'demo');
const bin = join(root, 'bin', 'ocisign');
const created = '2024-01-01T00:00:00Z';
const mtime = Date.parse(created) / 1000;

if (!existsSync(join(root, 'dist', 'cli-bundle', 'main.js'))) {
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
const at = (file: string): string => relative(root, join(work, file));
ocisign('digest', src);
ocisign('copy', src, dst);

// Keys in cosign's format (the password comes from COSIGN_PASSWORD, as with cosign).
ocisign('generate-key-pair', '--output-key-prefix', at('cosign'));
// SBOM of the amd64 image, strictly validated CycloneDX 1.6.
ocisign('sbom', dst, '--platform', 'linux/amd64', '--deterministic', '--output-file', at('sbom.cdx.json'));
// Sign the index and every child (--tlog-upload=false: no Rekor here), then attest the SBOM. Each is stored as
// cosign 3 stores it: a Sigstore bundle in an OCI referrer (listed in the layout's index.json, as oras does).
ocisign('sign', '--key', at('cosign.key'), '--tlog-upload=false', '--recursive', dst);
ocisign('attest', '--key', at('cosign.key'), '--tlog-upload=false', '--type', 'cyclonedx', '--predicate', at('sbom.cdx.json'), dst);
// What a deploy gate checks.
ocisign('verify', '--key', at('cosign.pub'), '--insecure-ignore-tlog', dst);
ocisign('verify-attestation', '--key', at('cosign.pub'), '--insecure-ignore-tlog', '--type', 'cyclonedx', dst);
await writeFile(
  join(work, 'policy.yaml'),
  [
    'keys: [cosign.pub]',
    'signatures: required',
    'attestations:',
    '  - type: cyclonedx',
    '    name: sbom',
    '    conditions:',
    "      has-components: \"size(predicate.components) > 0\"",
    "      no-agpl: \"predicate.components.all(c, !has(c.licenses) || c.licenses.all(l, !has(l.license) || !has(l.license.id) || l.license.id != 'AGPL-3.0-only'))\"",
    '',
  ].join('\n'),
);
ocisign('verify', '--policy', at('policy.yaml'), '--insecure-ignore-tlog', dst);
ocisign('tree', dst);
ocisign('triangulate', dst);
ocisign('--output', 'json', 'digest', dst);

function ocisign(...args: string[]): void {
  console.log(`$ ocisign ${args.join(' ')}`);
  const env = { ...process.env, COSIGN_PASSWORD: process.env.COSIGN_PASSWORD ?? 'demo-password' };
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: root, env, stdio: ['ignore', 'pipe', 'inherit'] });
  const out = r.stdout.toString();
  // Verified payloads and statements can be long: show their start.
  process.stdout.write(out.length > 2000 ? `${out.slice(0, 400)}… (${out.length} bytes)\n` : out);
  if (r.status !== 0) {
    console.error(`demo: ocisign ${args[0]} exited ${r.status}`);
    process.exit(r.status ?? 1);
  }
  console.log('');
}
