// `verify` of a bundle-signed image (cosign 3's default: a Sigstore bundle in an OCI referrer) next to `verify` of
// a legacy-signed one (a `.sig` tag), on one loopback registry with the referrers API (regsrv) and on
// docker-registry 2.8 (the `sha256-<hex>` fallback index), in one interleaved run with the Node floor
// (bench/floor: the same requests and checks, no CLI, no Sigstore library) and cosign 3.1.1.
// Targets (issue 10): ocisign bundle ≤ 1.25× ocisign legacy; a cold verify of either ≤ 1.25× the floor.
import { join } from 'node:path';
import { cosign3GenerateKeyPair, cosign3SignKey, cosign3SignKeyLegacy, ok } from '../test/helpers/cosign3.ts';
import { cosign3Command, ocisignCommand, peersMissing, runOras, scratchDir, describeRun } from '../test/helpers/peers.ts';
import { referrersRegistryAvailable, startReferrersRegistry } from '../test/helpers/referrers-registry.ts';
import { registryAvailable, startRegistry } from '../test/helpers/registry-server.ts';
import { writeSampleLayout } from '../test/interop/sample-image.ts';
import { buildVerifyFloor } from './floor/build.ts';
import { type BenchFunction, type BenchOptions, type BenchRow, measure, runStandalone } from './lib.ts';

async function pushSample(host: string, repo: string, seed: string): Promise<string> {
  const layout = join(await scratchDir('bench-bundles'), seed);
  const sample = await writeSampleLayout(layout, `${seed}-${process.pid}-${Date.now()}`);
  const pushed = await runOras(['cp', '--from-oci-layout', '--to-plain-http', `${layout}:${sample.tag}`, `${host}/${repo}:${sample.tag}`]);
  if (pushed.code !== 0) throw new Error(describeRun('oras cp', pushed));
  return `${host}/${repo}@${sample.digest}`;
}

async function rowsFor(where: string, host: string, options: BenchOptions, floor: string): Promise<BenchRow[]> {
  const key = await cosign3GenerateKeyPair();
  const legacy = await pushSample(host, 'bench/legacy', 'legacy');
  const bundled = await pushSample(host, 'bench/bundle', 'bundle');
  await ok(cosign3SignKeyLegacy(legacy, key), 'cosign3 sign (legacy)');
  await ok(cosign3SignKey(bundled, key), 'cosign3 sign (bundle)');
  const ours = async (ref: string) => ocisignCommand(['verify', '--key', key.pub, '--insecure-ignore-tlog', ref]);
  const peer = async (ref: string) => cosign3Command(['verify', '--key', key.pub, '--insecure-ignore-tlog=true', '--allow-http-registry', ref]);
  const [oLegacy, oBundle, fLegacy, fBundle, cLegacy, cBundle] = await measure(
    [
      { name: 'ocisign verify (.sig)', ...(await ours(legacy)) },
      { name: 'ocisign verify (bundle)', ...(await ours(bundled)) },
      { name: 'Node floor (.sig)', ...(await ours(legacy)), args: [floor, key.pub, legacy] },
      { name: 'Node floor (bundle)', ...(await ours(bundled)), args: [floor, key.pub, bundled] },
      { name: 'cosign 3.1.1 verify (.sig)', ...(await peer(legacy)) },
      { name: 'cosign 3.1.1 verify (bundle)', ...(await peer(bundled)) },
    ],
    options,
  );
  return [
    { title: `verify a bundle-signed image vs a .sig-signed one, ocisign (${where})`, ours: oBundle!, peer: oLegacy!, target: 1.25 },
    { title: `verify a bundle-signed image: ocisign vs the Node floor (${where})`, ours: oBundle!, peer: fBundle!, target: 1.25 },
    { title: `verify a .sig-signed image: ocisign vs the Node floor (${where})`, ours: oLegacy!, peer: fLegacy!, target: 1.25 },
    { title: `verify a bundle-signed image: ocisign vs cosign 3.1.1 (${where})`, ours: oBundle!, peer: cBundle! },
    { title: `verify a .sig-signed image: ocisign vs cosign 3.1.1 (${where})`, ours: oLegacy!, peer: cLegacy! },
  ];
}

export const bench: BenchFunction = async (options: BenchOptions): Promise<BenchRow[]> => {
  const why = peersMissing('cosign3', 'oras') ?? referrersRegistryAvailable() ?? registryAvailable();
  if (why) return [{ title: 'verify bundles vs .sig', note: `skipped: ${why}` }];
  const floor = await buildVerifyFloor();
  const api = await startReferrersRegistry();
  const fallback = await startRegistry({ mode: 'http' });
  try {
    return [
      ...(await rowsFor('referrers API, regsrv', api.host, options, floor)),
      ...(await rowsFor('fallback tag, docker-registry 2.8', fallback.host, options, floor)),
    ];
  } finally {
    await api.stop();
    await fallback.stop();
  }
};

if (import.meta.main) await runStandalone(bench);
