// `sign` and `verify` side by side with cosign 2.5 on one loopback registry (plain HTTP) and one image, one
// `verify` call over 30 images, and the 16-signer race count for both tools. Starts its own registry through
// the test harness. Each timed sign starts from an empty .sig (the tag is deleted, untimed, before each run).
import { cosignCommand, ocisignAsCommand, ocisignCommand, runSkopeo, type CommandLine } from '../test/helpers/peers.ts';
import {
  cosignKeyPair, cosignSign, interopSuite, ocisignSign, readSigManifest, type Interop, type KeyPair, type PushedImage,
} from '../test/interop/context.ts';
import { buildVerifyFloor } from './floor/build.ts';
import { type BenchFunction, type BenchOptions, type BenchRow, compare, measure, runStandalone } from './lib.ts';

const MANY = 30;
const SIGNERS = 16;

type Suite = ReturnType<typeof interopSuite>;

async function deleteSig(ctx: Interop, image: PushedImage): Promise<void> {
  const tag = `${image.digest.replace(':', '-')}.sig`;
  await runSkopeo(['delete', ...ctx.skopeoInspectFlags, `docker://${image.repository}:${tag}`]);
}

function withPassword(line: CommandLine, key: KeyPair): CommandLine {
  return { ...line, env: { ...line.env, COSIGN_PASSWORD: key.password } };
}

async function signRow(ctx: Interop, suite: Suite, key: KeyPair, options: BenchOptions): Promise<BenchRow> {
  const image = await suite.push(ctx, 'bench-sign');
  const before = () => deleteSig(ctx, image);
  const ours = withPassword(await ocisignAsCommand(['sign', '--new-bundle-format=false', '--key', key.key, '--tlog-upload=false', ...ctx.ocisignFlags, image.ref]), key);
  const peer = withPassword(await cosignCommand(['sign', '--key', key.key, '--tlog-upload=false', '--yes', ...ctx.cosignFlags, image.ref]), key);
  return compare('sign one image', { name: 'ocisign sign', ...ours, before }, { name: 'cosign sign', ...peer, before }, options, 1.0);
}

async function verifyArgs(ctx: Interop, key: KeyPair, refs: string[]): Promise<[CommandLine, CommandLine]> {
  return [
    await ocisignCommand(['verify', '--key', key.pub, '--insecure-ignore-tlog', ...ctx.ocisignFlags, ...refs]),
    await cosignCommand(['verify', '--key', key.pub, '--insecure-ignore-tlog=true', ...ctx.cosignFlags, ...refs]),
  ];
}

/**
 * ocisign, the Node floor (bench/floor: only the requests and checks, no CLI) and cosign, interleaved in one
 * measurement: the ocisign row, and a floor row showing what no Node program can beat on this machine.
 */
async function verifyWithFloor(title: string, ctx: Interop, key: KeyPair, refs: string[], floorLoader: string, options: BenchOptions, target: number): Promise<BenchRow[]> {
  const [ours, peer] = await verifyArgs(ctx, key, refs);
  const floor = { ...ours, args: [floorLoader, key.pub, ...refs] };
  const [o, f, p] = await measure(
    [{ name: 'ocisign verify', ...ours }, { name: 'Node floor', ...floor }, { name: 'cosign verify', ...peer }],
    options,
  );
  return [
    { title, ours: o!, peer: p!, target },
    { title: `${title}: Node floor`, ours: f!, peer: p!, note: 'bench/floor/verify-floor.ts: node + undici + the same requests and checks, no CLI; a lower bound for any Node program' },
  ];
}

async function verifyRows(ctx: Interop, suite: Suite, key: KeyPair, options: BenchOptions): Promise<BenchRow[]> {
  const image = await suite.push(ctx, 'bench-verify');
  const signed = await cosignSign(ctx, key, image.ref);
  if (signed.code !== 0) throw new Error(`cosign sign for the verify bench failed: ${signed.stderr.trim()}`);
  const floorLoader = await buildVerifyFloor();
  const one = await verifyWithFloor('verify one image', ctx, key, [image.ref], floorLoader, options, 1.0);

  const images: PushedImage[] = [];
  for (let i = 0; i < MANY; i++) images.push(await suite.push(ctx, `bench-many-${i}`));
  await Promise.all(images.map(async (img) => {
    const r = await cosignSign(ctx, key, img.ref);
    if (r.code !== 0) throw new Error(`cosign sign of ${img.ref} failed: ${r.stderr.trim()}`);
  }));
  const many = await verifyWithFloor(`verify ${MANY} images in one call`, ctx, key, images.map((img) => img.ref), floorLoader, options, 0.5);
  return [...one, ...many];
}

async function raceRow(ctx: Interop, suite: Suite): Promise<BenchRow> {
  const keys = await Promise.all(Array.from({ length: SIGNERS }, (_, i) => cosignKeyPair(ctx, `bench-race-${i}`)));
  const count = async (tool: 'cosign' | 'ocisign'): Promise<string> => {
    const image = await suite.push(ctx, `bench-race-${tool}`);
    const sign = tool === 'cosign' ? cosignSign : ocisignSign;
    const results = await Promise.all(keys.map((key) => sign(ctx, key, image.ref)));
    const kept = (await readSigManifest(ctx, image))?.layers.length ?? 0;
    return `${tool}: ${kept}/${SIGNERS} kept (${results.filter((r) => r.code === 0).length} exited 0)`;
  };
  return { title: `${SIGNERS} concurrent signers, one digest`, note: `${await count('ocisign')}; ${await count('cosign')}` };
}

export const bench: BenchFunction = async (options: BenchOptions): Promise<BenchRow[]> => {
  const suite = interopSuite('http');
  const ctx = await suite.ready(['cosign', 'skopeo', 'ocisign']);
  if (typeof ctx === 'string') return [{ title: 'sign / verify vs cosign', note: `skipped: ${ctx}` }];
  try {
    const key = await cosignKeyPair(ctx, 'bench');
    return [await signRow(ctx, suite, key, options), ...(await verifyRows(ctx, suite, key, options)), await raceRow(ctx, suite)];
  } finally {
    await suite.stop();
  }
};

if (import.meta.main) await runStandalone(bench);
