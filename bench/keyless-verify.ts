// `verify` of one keyless signature, offline, side by side with cosign 2.5 on the same loopback registry and
// image. The signature is made by ocisign against @sigstore/mock's Fulcio + Rekor (test/helpers/sigstore-mock.ts);
// both tools get the same trust material: ocisign `--trusted-root`, cosign `--trusted-root` plus the
// SIGSTORE_ROOT_FILE / SIGSTORE_REKOR_PUBLIC_KEY / SIGSTORE_CT_LOG_PUBLIC_KEY_FILE overrides cosign 2.5 needs
// to stay off TUF for a legacy `.sig`. ocisign runs from dist/ (npm run build).
import { runCli } from '../test/cosign/test-image.ts';
import { cosignCommand, ocisignCommand } from '../test/helpers/peers.ts';
import { MOCK_ISSUER, MOCK_SUBJECT } from '../test/helpers/sigstore-mock.ts';
import { withKeylessImage } from './keyless-setup.ts';
import { type BenchFunction, type BenchOptions, type BenchRow, compare, runStandalone } from './lib.ts';

const TITLE = 'verify one keyless signature offline (--trusted-root)';

export const bench: BenchFunction = (options: BenchOptions): Promise<BenchRow[]> =>
  withKeylessImage(TITLE, 'keyless', {}, async ({ mock, ref, keylessFlags, cosignEnv }) => {
    const signed = await runCli(['sign', '--new-bundle-format=false', '--allow-http-registry', ...keylessFlags, ref]);
    if (signed.code !== 0) throw new Error(`ocisign keyless sign for the bench failed: ${signed.stderr}`);
    const args = ['verify', '--allow-http-registry', '--trusted-root', mock.trustedRootPath, '--certificate-identity', MOCK_SUBJECT, '--certificate-oidc-issuer', MOCK_ISSUER, ref];
    const ours = await ocisignCommand(args);
    const peer = await cosignCommand(args, { env: cosignEnv });
    return [await compare(TITLE, { name: 'ocisign verify', ...ours }, { name: 'cosign verify', ...peer }, options, 1.0)];
  });

if (import.meta.main) await runStandalone(bench);
