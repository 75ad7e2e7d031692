// `verify-attestation` of one keyless attestation (Fulcio certificate + Rekor dsse entry), offline, side by side
// with cosign 2.5 on the same loopback registry and image. The attestation is made by ocisign against
// @sigstore/mock's Fulcio + Rekor (test/helpers/sigstore-mock.ts); both tools get the same trust material:
// ocisign `--trusted-root`, cosign the SIGSTORE_ROOT_FILE / SIGSTORE_REKOR_PUBLIC_KEY /
// SIGSTORE_CT_LOG_PUBLIC_KEY_FILE overrides. ocisign runs from dist/ (npm run build).
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCli } from '../test/cosign/test-image.ts';
import { cosignCommand, ocisignCommand } from '../test/helpers/peers.ts';
import { MOCK_ISSUER, MOCK_SUBJECT } from '../test/helpers/sigstore-mock.ts';
import { withKeylessImage } from './keyless-setup.ts';
import { type BenchFunction, type BenchOptions, type BenchRow, compare, runStandalone } from './lib.ts';

const TITLE = 'verify-attestation of one keyless attestation offline (--trusted-root)';

export const bench: BenchFunction = (options: BenchOptions): Promise<BenchRow[]> =>
  withKeylessImage(TITLE, 'keyless-att', { rekorDsse: 'canonical' }, async ({ mock, dir, ref, keylessFlags, cosignEnv }) => {
    const bom = join(dir, 'bom.json');
    await writeFile(bom, JSON.stringify({ bomFormat: 'CycloneDX', specVersion: '1.6', components: [{ name: 'a' }] }));
    const attested = await runCli(['attest', '--new-bundle-format=false', '--allow-http-registry', ...keylessFlags, '--type', 'cyclonedx', '--predicate', bom, ref]);
    if (attested.code !== 0) throw new Error(`ocisign keyless attest for the bench failed: ${attested.stderr}`);
    const identity = ['--certificate-identity', MOCK_SUBJECT, '--certificate-oidc-issuer', MOCK_ISSUER];
    const ours = await ocisignCommand(['verify-attestation', '--allow-http-registry', '--trusted-root', mock.trustedRootPath, '--type', 'cyclonedx', ...identity, ref]);
    const peer = await cosignCommand(['verify-attestation', '--allow-http-registry', '--type', 'cyclonedx', ...identity, ref], { env: cosignEnv });
    return [await compare(TITLE, { name: 'ocisign verify-attestation', ...ours }, { name: 'cosign verify-attestation', ...peer }, options, 1.0)];
  });

if (import.meta.main) await runStandalone(bench);
