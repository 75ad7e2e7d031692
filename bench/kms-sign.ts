// `sign` with an AWS KMS key (awskms://) side by side with cosign 2.5 signing through the same KMS: moto over HTTPS
// (test/helpers/moto.ts, its throw-away CA in AWS_CA_BUNDLE for both tools), a loopback registry, one image, the
// .sig tag deleted (untimed) before each run. Both make the same calls: GetPublicKey (cosign also DescribeKey),
// then one Sign. cosign signs with MessageType DIGEST, which moto implements wrongly, so cosign's signatures here do
// not verify — but its time is the time of the same work and is comparable. ocisign signs with RAW (checked).
import { cosignCommand, ocisignCommand, runSkopeo, scratchDir } from '../test/helpers/peers.ts';
import { motoAvailable, startMoto } from '../test/helpers/moto.ts';
import { interopSuite, type Interop, type PushedImage } from '../test/interop/context.ts';
import { type BenchFunction, type BenchOptions, type BenchRow, compare, runStandalone } from './lib.ts';

async function deleteSig(ctx: Interop, image: PushedImage): Promise<void> {
  const tag = `${image.digest.replace(':', '-')}.sig`;
  await runSkopeo(['delete', ...ctx.skopeoInspectFlags, `docker://${image.repository}:${tag}`]);
}

export const bench: BenchFunction = async (options: BenchOptions): Promise<BenchRow[]> => {
  const title = 'sign one image with an AWS KMS key (moto) vs cosign';
  const noMoto = motoAvailable();
  if (noMoto) return [{ title, note: `skipped: ${noMoto}` }];
  const suite = interopSuite('http');
  const ctx = await suite.ready(['cosign', 'skopeo', 'ocisign']);
  if (typeof ctx === 'string') return [{ title, note: `skipped: ${ctx}` }];
  const moto = await startMoto({ tls: true });
  try {
    const uri = `awskms://${moto.host}/${await moto.createKey('ECC_NIST_P256')}`;
    const image = await suite.push(ctx, 'bench-kms-sign');
    const before = () => deleteSig(ctx, image);
    // Each run gets a fresh TMPDIR (test/helpers/peers.ts), where Node keeps its compile cache by default; a user's
    // machine keeps it, so ocisign gets one cache folder for all runs (warmed by the untimed warm-up run).
    const compileCache = await scratchDir('kms-bench-compile-cache');
    const ours = await ocisignCommand(['sign', '--key', uri, '--tlog-upload=false', ...ctx.ocisignFlags, image.ref], { env: { ...moto.env, NODE_COMPILE_CACHE: compileCache } });
    const peer = await cosignCommand(['sign', '--key', uri, '--tlog-upload=false', '--yes', ...ctx.cosignFlags, image.ref], { env: moto.env });
    const row = await compare(title, { name: 'ocisign sign --key awskms://', ...ours, before }, { name: 'cosign sign --key awskms://', ...peer, before }, options);
    return [{ ...row, note: [row.note, "cosign's signatures through moto are invalid (moto's DIGEST bug); its time is comparable"].filter(Boolean).join('; ') }];
  } finally {
    await moto.stop();
    await suite.stop();
  }
};

if (import.meta.main) await runStandalone(bench);
