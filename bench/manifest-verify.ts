// `manifest verify` side by side with cosign 2.5's on one loopback registry (plain HTTP): 100 signed images in 25
// Deployments (4 containers each, by tag), and the same 100 images through one `verify` call with 100 arguments for
// both tools. Then ocisign alone on 1,000 images in 250 Deployments, for time and peak memory (target < 200 MiB).
// Images are pushed in-process and signed by one `ocisign sign --new-bundle-format=false` call: the `.sig` tags
// cosign 2.5 reads (it reads no bundle referrers; ocisign still looks for both); cosign verifies ocisign signatures
// (the interop tests show it); every measured run verifies every image. The registry runs on the same machine: each
// cell also gives the tool's CPU time and the registry's during the run. Usage: node bench/manifest-verify.ts
// [--runs N] [--warmup N] [--quick] (--quick, or OCISIGN_BENCH_QUICK=1: skip the 1,000-image row).
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Agent } from 'undici';
import { openRepository } from '../src/oci/open.ts';
import { parseReference } from '../src/oci/reference.ts';
import { pushTestImage } from '../test/cosign/test-image.ts';
import { cosignCommand, ocisignCommand, run, scratchDir } from '../test/helpers/peers.ts';
import { cosignKeyPair, interopSuite, type Interop, type KeyPair } from '../test/interop/context.ts';
import { buildVerifyFloor } from './floor/build.ts';
import { type BenchFunction, type BenchOptions, type BenchRow, measure, processCpuMs, runStandalone } from './lib.ts';

const IMAGES = 100;
const LARGE = 1000;
const PER_DEPLOYMENT = 4;

/** Push `count` distinct images (`bench-m/app-<i>:1.0`) and sign them all; their tag and digest references. */
async function signedImages(ctx: Interop, key: KeyPair, prefix: string, count: number): Promise<{ tags: string[]; digests: string[] }> {
  const dispatcher = new Agent({ connections: 16 });
  const refs: string[] = [];
  const digests: string[] = [];
  try {
    for (let start = 0; start < count; start += 50) {
      const batch = Array.from({ length: Math.min(50, count - start) }, (_, k) => start + k);
      const pushed = await Promise.all(batch.map(async (i) => {
        const repository = `${ctx.registry.host}/${prefix}/app-${i}`;
        const digest = await pushTestImage(openRepository(parseReference(repository), { dispatcher }), '1.0', `${prefix}-${i}`);
        return { tag: `${repository}:1.0`, digest: `${repository}@${digest}` };
      }));
      refs.push(...pushed.map((r) => r.tag));
      digests.push(...pushed.map((r) => r.digest));
    }
  } finally {
    await dispatcher.close();
  }
  for (let start = 0; start < refs.length; start += 250) {
    const line = await ocisignCommand(['sign', '--key', key.key, '--tlog-upload=false', '--new-bundle-format=false', ...ctx.ocisignFlags, ...refs.slice(start, start + 250)], { env: { COSIGN_PASSWORD: key.password } });
    const r = await run(line.command, line.args, line.env);
    if (r.code !== 0) throw new Error(`signing the bench images failed: ${r.stderr.trim().split('\n').pop()}`);
  }
  return { tags: refs, digests };
}

/** `count / PER_DEPLOYMENT` Deployments, each running PER_DEPLOYMENT of the images, as one multi-document file. */
function deployments(refs: readonly string[]): string {
  const docs: string[] = [];
  for (let d = 0; d * PER_DEPLOYMENT < refs.length; d++) {
    const containers = refs.slice(d * PER_DEPLOYMENT, (d + 1) * PER_DEPLOYMENT)
      .map((ref, c) => `        - name: c${c}\n          image: ${ref}\n          ports: [{containerPort: ${8080 + c}}]`);
    docs.push(`apiVersion: apps/v1
kind: Deployment
metadata:
  name: svc-${d}
  labels: {app: svc-${d}}
spec:
  replicas: 2
  selector:
    matchLabels: {app: svc-${d}}
  template:
    metadata:
      labels: {app: svc-${d}}
    spec:
      containers:
${containers.join('\n')}
`);
  }
  return docs.join('---\n');
}

const quick = process.argv.includes('--quick') || process.env.OCISIGN_BENCH_QUICK === '1';

async function rows(ctx: Interop, options: BenchOptions): Promise<BenchRow[]> {
  const pid = ctx.registry.pid;
  const registryCpu = pid === undefined ? undefined : () => processCpuMs(pid);
  const key = await cosignKeyPair(ctx, 'bench-manifest');
  const dir = await scratchDir('bench-manifest');
  const { tags: refs, digests } = await signedImages(ctx, key, 'bench-m', IMAGES);
  const file = join(dir, 'deployments.yaml');
  await writeFile(file, deployments(refs));
  const ours = await ocisignCommand(['manifest', 'verify', '--key', key.pub, '--insecure-ignore-tlog', ...ctx.ocisignFlags, file]);
  const peer = await cosignCommand(['manifest', 'verify', '--key', key.pub, '--insecure-ignore-tlog=true', ...ctx.cosignFlags, file]);
  // the Node floors (bench/floor): the same requests per image and one ECDSA check, nothing else, through undici (as
  // ocisign) and through node:http
  const floor = { ...ours, args: [await buildVerifyFloor(), key.pub, ...digests] };
  const floorHttp = { ...ours, args: [await buildVerifyFloor('node-http'), key.pub, ...digests] };
  const title = `manifest verify: ${IMAGES} images in ${IMAGES / PER_DEPLOYMENT} Deployments`;
  const [o, f, h, p] = await measure([
    { name: 'ocisign manifest verify', ...ours },
    { name: 'Node floor', ...floor },
    { name: 'Node floor (node:http)', ...floorHttp },
    { name: 'cosign manifest verify', ...peer },
  ], options, registryCpu);
  const manifestRows: BenchRow[] = [
    { title, ours: o!, peer: p!, target: 0.4 },
    { title: `${title}: Node floor`, ours: f!, peer: p!, note: 'bench/floor/verify-floor.ts over the same images by digest: node + undici + the same requests (HEAD, .sig, referrers fallback tag) and one ECDSA check per image; a lower bound for a Node program on undici' },
    { title: `${title}: Node floor, node:http`, ours: h!, peer: p!, note: 'the same floor with node:http (native HTTP parser) in undici\'s place' },
  ];

  const verifyOurs = await ocisignCommand(['verify', '--key', key.pub, '--insecure-ignore-tlog', ...ctx.ocisignFlags, ...refs]);
  const verifyPeer = await cosignCommand(['verify', '--key', key.pub, '--insecure-ignore-tlog=true', ...ctx.cosignFlags, ...refs]);
  const [vo, vp] = await measure([{ name: 'ocisign verify', ...verifyOurs }, { name: 'cosign verify', ...verifyPeer }], options, registryCpu);
  const verifyRow: BenchRow = { title: `verify: the same ${IMAGES} images as ${IMAGES} arguments`, ours: vo!, peer: vp! };
  if (quick) return [...manifestRows, verifyRow];

  const large = await signedImages(ctx, key, 'bench-l', LARGE);
  const largeFile = join(dir, 'large.yaml');
  await writeFile(largeFile, deployments(large.tags));
  const largeOurs = await ocisignCommand(['manifest', 'verify', '--key', key.pub, '--insecure-ignore-tlog', ...ctx.ocisignFlags, largeFile]);
  const [big] = await measure([{ name: 'ocisign manifest verify', ...largeOurs }], { runs: Math.min(options.runs, 3), warmup: 0 }, registryCpu);
  const rss = big!.peakRssKb === undefined ? 'peak RSS not measured (no /usr/bin/time)' : `peak RSS ${(big!.peakRssKb / 1024).toFixed(0)} MiB (target < 200 MiB)`;
  return [...manifestRows, verifyRow, { title: `manifest verify: ${LARGE} images in ${LARGE / PER_DEPLOYMENT} Deployments`, ours: big!, note: rss }];
}

export const bench: BenchFunction = async (options: BenchOptions): Promise<BenchRow[]> => {
  const suite = interopSuite('http');
  const ctx = await suite.ready(['cosign', 'ocisign']);
  if (typeof ctx === 'string') return [{ title: 'manifest verify vs cosign', note: `skipped: ${ctx}` }];
  try {
    return await rows(ctx, options);
  } finally {
    await suite.stop();
  }
};

if (import.meta.main) await runStandalone(bench);
