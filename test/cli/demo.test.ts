// The README's first command runs `npm run demo`; this keeps it working: the whole job on the embedded layout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

test('npm run demo: sample layout → keys → SBOM → sign → attest → verify → policy → tree', (t) => {
  if (!existsSync(join(root, 'dist', 'cli-bundle', 'main.js'))) return t.skip('dist/ not built (npm run build): the demo builds it itself, too slow for a unit run');
  const r = spawnSync(process.execPath, [join(root, 'scripts', 'demo.ts')], { cwd: root, encoding: 'utf8', env: { ...process.env, COSIGN_PASSWORD: 'demo-test' } });
  assert.equal(r.status, 0, r.stderr);
  for (const step of ['generate-key-pair', 'sbom', 'sign', 'attest', 'verify-attestation', 'verify --policy', 'tree']) {
    assert.match(r.stdout, new RegExp(`\\$ ocisign ${step}`), `demo ran ${step}`);
  }
  assert.match(r.stdout, /"signatures":1,"attestations":\[[^\]]*"https:\/\/cyclonedx\.org\/bom"[^\]]*\]/, 'the policy gate passed');
  assert.match(r.stdout, /Bundle: oci:\.work\/demo\/copy@sha256:[a-f0-9]{64} application\/vnd\.dev\.sigstore\.bundle\.v0\.3\+json predicateType=https:\/\/cyclonedx\.org\/bom \[layout index\]/, 'tree shows the SBOM attestation bundle');
  assert.match(r.stdout, /Bundle: oci:\.work\/demo\/copy@sha256:[a-f0-9]{64} application\/vnd\.dev\.sigstore\.bundle\.v0\.3\+json predicateType=https:\/\/sigstore\.dev\/cosign\/sign\/v1 \[layout index\]/, 'tree shows the bundle signature');
  assert.ok(existsSync(join(root, '.work', 'demo', 'sbom.cdx.json')), 'the SBOM file was written');
});
