// `sign --key` writing cosign 3's bundle referrer, side by side with cosign 3.1.1 (same key file, so the same scrypt
// cost; a signing config without services, as cosign 3 needs for key-only signing) on one loopback docker-registry
// 2.8 (no referrers API: both append to the sha256-<hex> fallback index), then on a registry with the referrers API
// (regsrv: the referrer manifest alone, no index to update). Interleaved runs on one image per registry.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KEY_ONLY_SIGNING_CONFIG, ocisignAsCommand, peersMissing, scratchDir, toolsBin } from '../test/helpers/peers.ts';
import { referrersRegistryAvailable, startReferrersRegistry } from '../test/helpers/referrers-registry.ts';
import { pushSample, writeSampleLayout } from '../test/interop/sample-image.ts';
import { cosignKeyPair, interopSuite } from '../test/interop/context.ts';
import { buildSignFloor } from './floor/build.ts';
import { type BenchFunction, type BenchOptions, type BenchRow, measure, runStandalone } from './lib.ts';

const COSIGN3_BIN = join(toolsBin, 'cosign3');

export const bench: BenchFunction = async (options: BenchOptions): Promise<BenchRow[]> => {
  const title = 'sign one image (bundle referrer, fallback index) vs cosign 3.1.1';
  const no3 = peersMissing('cosign3');
  if (no3) return [{ title, note: `skipped: ${no3}` }];
  const suite = interopSuite('http');
  const ctx = await suite.ready(['cosign', 'ocisign']);
  if (typeof ctx === 'string') return [{ title, note: `skipped: ${ctx}` }];
  try {
    const key = await cosignKeyPair(ctx, 'bench-bundle');
    const image = await suite.push(ctx, 'bench-bundle');
    const dir = await mkdtemp(join(tmpdir(), 'ocisign-bench-bundle-'));
    const config = join(dir, 'signing-config.json');
    const root = join(dir, 'trusted-root.json');
    await writeFile(config, JSON.stringify(KEY_ONLY_SIGNING_CONFIG));
    await writeFile(root, JSON.stringify({ mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1', tlogs: [], certificateAuthorities: [], ctlogs: [], timestampAuthorities: [] }));
    const ours = await ocisignAsCommand(['sign', '--key', key.key, '--tlog-upload=false', ...ctx.ocisignFlags, image.ref]);
    const peer = {
      command: COSIGN3_BIN,
      args: ['sign', '--key', key.key, '--signing-config', config, '--trusted-root', root, '--yes', '--allow-http-registry', image.ref],
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, DOCKER_CONFIG: join(dir, '.docker'), COSIGN_PASSWORD: key.password },
    };
    const env = { ...ours.env, COSIGN_PASSWORD: key.password };
    // the Node floor (bench/floor/sign-floor.ts): scrypt first, the same requests, the same settle, nothing else; Node
    // started with the glibc tunable that bin/ocisign's sh lines set for signing, at no cost
    const floor = { command: process.execPath, env: { ...env, GLIBC_TUNABLES: 'glibc.malloc.hugetlb=1' }, args: [await buildSignFloor(), key.key, image.ref] };
    // OCISIGN_BEFORE=/other/checkout/bin/ocisign adds that build to the same interleaved run (before/after rows)
    const before = process.env.OCISIGN_BEFORE ? [{ name: 'ocisign sign (before)', ...ours, env, command: process.env.OCISIGN_BEFORE }] : [];
    const [o, f, p, b] = await measure([{ name: 'ocisign sign', ...ours, env }, { name: 'Node floor', ...floor }, { name: 'cosign3 sign', ...peer }, ...before], options);
    const api = await referrersApiRows(key.key, key.password, peer, options);
    return [
      { title, ours: o!, peer: p!, target: 1.0 },
      { title: `${title}: Node floor`, ours: f!, peer: p!, note: 'bench/floor/sign-floor.ts: node + undici + scrypt started first + the same requests and settle pause + one ECDSA signature, glibc huge pages; a lower bound for any Node program' },
      ...(b ? [{ title: `${title}: before (${process.env.OCISIGN_BEFORE})`, ours: b, peer: p!, target: 1.0 }] : []),
      ...api,
    ];
  } finally {
    await suite.stop();
  }
};

/** The same sign on regsrv (the referrers API): one sample image, both tools with the same key and flags. */
async function referrersApiRows(key: string, password: string, peer: { command: string; args: string[]; env: Record<string, string> }, options: BenchOptions): Promise<BenchRow[]> {
  const title = 'sign one image (bundle referrer, referrers API on regsrv) vs cosign 3.1.1';
  const why = referrersRegistryAvailable() ?? peersMissing('skopeo');
  if (why) return [{ title, note: `skipped: ${why}` }];
  const registry = await startReferrersRegistry();
  try {
    const scratch = await scratchDir('bench-sign-api');
    const sample = await writeSampleLayout(join(scratch, 'layout'), `sign-api-${process.pid}-${Date.now()}`);
    const ref = `${registry.host}/bench/sign-api@${await pushSample(sample, { host: registry.host, destFlags: ['--dest-tls-verify=false'] }, 'bench/sign-api', scratch)}`;
    const ours = await ocisignAsCommand(['sign', '--key', key, '--tlog-upload=false', '--allow-http-registry', ref]);
    const theirs = { ...peer, args: [...peer.args.slice(0, -1), ref] };
    const [o, p] = await measure([{ name: 'ocisign sign', ...ours, env: { ...ours.env, COSIGN_PASSWORD: password } }, { name: 'cosign3 sign', ...theirs }], options);
    return [{ title, ours: o!, peer: p!, target: 1.0 }];
  } finally {
    await registry.stop();
  }
}

if (import.meta.main) await runStandalone(bench);
