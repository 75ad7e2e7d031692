// GitHub artifact attestations (what actions/attest pushes): SLSA provenance v1 in DSSE Sigstore bundles v0.3,
// signed with a GitHub Actions workflow identity (Fulcio extensions for workflow, repository, trigger), stored as
// OCI referrers of the artifact. The bundles are real ones from the Sigstore conformance suite (interop fixtures);
// the test pushes their subject (a.txt, whose SHA-256 the statements name) into the referrers-API registry as an
// artifact and the bundles as its referrers, then verifies offline with `--trusted-root`.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseReference, type RegistryReference } from '../../src/oci/reference.ts';
import { pushArtifact } from '../../src/oci/referrers/artifact-manifest.ts';
import { createRegistryRepository } from '../../src/oci/registry/registry-repository.ts';
import { sha256Digest } from '../../src/oci/digest.ts';
import { ABSENT_REASON, INTEROP_PRESENT, interopBytes, interopPath } from '../helpers/interop-cases.ts';
import { ocisignMissing, runOcisign } from '../helpers/peers.ts';
import { referrersRegistryAvailable, startReferrersRegistry, type ReferrersRegistry } from '../helpers/referrers-registry.ts';

const DIR = 'sigstore-conformance/test/assets/bundle-verify';
const BUNDLE_V03 = 'application/vnd.dev.sigstore.bundle.v0.3+json';
const PROD_ROOT = interopPath('sigstore-js/packages/tuf/decoded/trusted_root.json');
const WORKFLOW = 'https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main';
const GITHUB = [
  '--certificate-identity', WORKFLOW,
  '--certificate-oidc-issuer', 'https://token.actions.githubusercontent.com',
  '--certificate-github-workflow-repository', 'sigstore-conformance/extremely-dangerous-public-oidc-beacon',
  '--certificate-github-workflow-trigger', 'workflow_dispatch',
  '--certificate-github-workflow-ref', 'refs/heads/main',
];

/** a.txt stored as an artifact (its bytes as the manifest, text/plain), and the given bundles as its referrers. */
async function artifactWithBundles(registry: ReferrersRegistry, repo: string, bundles: string[]): Promise<string> {
  const subject = interopBytes(`${DIR}/a.txt`);
  const digest = sha256Digest(subject);
  const repository = createRegistryRepository(parseReference(`${registry.host}/${repo}`) as RegistryReference, {});
  await repository.putManifest(digest, { bytes: subject, digest, mediaType: 'text/plain' });
  const descriptor = await repository.resolve(digest);
  assert.ok(descriptor, 'the artifact is stored');
  for (const b of bundles) {
    await pushArtifact(repository, {
      artifactType: BUNDLE_V03,
      layers: [{ mediaType: BUNDLE_V03, bytes: interopBytes(`${DIR}/${b}/bundle.sigstore.json`) }],
      subject: descriptor,
      annotations: { 'dev.sigstore.bundle.content': 'dsse-envelope', 'dev.sigstore.bundle.predicateType': 'https://slsa.dev/provenance/v1' },
    });
  }
  return `${registry.host}/${repo}@${digest}`;
}

test('GitHub artifact attestations in referrers: slsaprovenance1 with workflow identity flags, offline', async (t) => {
  if (!INTEROP_PRESENT) return t.skip(ABSENT_REASON);
  const why = referrersRegistryAvailable() ?? ocisignMissing();
  if (why) return t.skip(why);
  const registry = await startReferrersRegistry();
  t.after(() => registry.stop());

  const ref = await artifactWithBundles(registry, 'gh/app', ['happy-path-intoto-in-dsse-v3']);
  const verify = (extra: string[], root = PROD_ROOT) => runOcisign(['verify-attestation', '--trusted-root', root, ...extra, ref]);

  for (const type of ['slsaprovenance1', 'https://slsa.dev/provenance/v1']) {
    const ok = await verify([...GITHUB, '--type', type, '--output', 'json']);
    assert.equal(ok.code, 0, ok.stderr);
    const [statement] = JSON.parse(ok.stdout).statements;
    assert.equal(statement.predicateType, 'https://slsa.dev/provenance/v1');
    assert.equal(`sha256:${statement.subject[0].digest.sha256}`, ref.slice(ref.indexOf('@') + 1));
  }
  const otherRepo = await verify(['--certificate-identity', WORKFLOW, '--certificate-oidc-issuer', 'https://token.actions.githubusercontent.com', '--certificate-github-workflow-repository', 'evil/fork', '--type', 'slsaprovenance1']);
  assert.equal(otherRepo.code, 12, otherRepo.stderr);
  assert.match(otherRepo.stderr, /certificate github workflow repository "sigstore-conformance\/extremely-dangerous-public-oidc-beacon" does not equal "evil\/fork"/);
  const otherType = await verify([...GITHUB, '--type', 'slsaprovenance02']);
  assert.equal(otherType.code, 12, otherType.stderr);
  const notASignature = await runOcisign(['verify', '--trusted-root', PROD_ROOT, ...GITHUB, ref]);
  assert.equal(notASignature.code, 10, 'provenance is an attestation, not an image signature');
});

test('GitHub-style attestations: Rekor v2 entry with a TSA timestamp (custom trusted root); tampered twins exit 12', async (t) => {
  if (!INTEROP_PRESENT) return t.skip(ABSENT_REASON);
  const why = referrersRegistryAvailable() ?? ocisignMissing();
  if (why) return t.skip(why);
  const registry = await startReferrersRegistry();
  t.after(() => registry.stop());

  const v2 = await artifactWithBundles(registry, 'gh/rekor2', ['rekor2-dsse-happy-path']);
  const ok = await runOcisign(['verify-attestation', '--trusted-root', interopPath(`${DIR}/rekor2-dsse-happy-path/trusted_root.json`), ...GITHUB, '--type', 'slsaprovenance1', v2]);
  assert.equal(ok.code, 0, ok.stderr);

  for (const twin of ['dsse-invalid-sig_fail', 'dsse-mismatch-sig_fail', 'dsse-mismatch-envelope_fail']) {
    const ref = await artifactWithBundles(registry, `gh/${twin.replace(/_/g, '-')}`, [twin]);
    const r = await runOcisign(['verify-attestation', '--trusted-root', PROD_ROOT, ...GITHUB, '--type', 'slsaprovenance1', ref]);
    assert.equal(r.code, 12, `${twin}: ${r.stderr}`);
  }
});
