// `attest` and `verify-attestation` of a 20 MB CycloneDX SBOM side by side with cosign 2.5 (time and peak RSS)
// on one loopback registry, and `ocisign release` end to end (SBOM → sign → attest) on the sample image.
// Each timed attest starts from an empty .att (the tag is deleted, untimed, before each run).
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cosignCommand, ocisignAsCommand, ocisignCommand, runCosign, runSkopeo, scratchDir, type CommandLine } from '../test/helpers/peers.ts';
import { cosignKeyPair, interopSuite, type Interop, type KeyPair, type PushedImage } from '../test/interop/context.ts';
import { type BenchFunction, type BenchOptions, type BenchRow, compare, runStandalone } from './lib.ts';

const SBOM_BYTES = 20 * 1024 * 1024;

/** A CycloneDX 1.5 JSON document of about `size` bytes (components with purls and licenses). */
async function writeBigSbom(size: number): Promise<string> {
  const components: string[] = [];
  let total = 0;
  for (let i = 0; total < size; i++) {
    const c = JSON.stringify({ type: 'library', 'bom-ref': `pkg:npm/pkg-${i}@1.${i % 100}.0`, name: `pkg-${i}`, version: `1.${i % 100}.0`, purl: `pkg:npm/pkg-${i}@1.${i % 100}.0`, licenses: [{ license: { id: i % 7 ? 'MIT' : 'Apache-2.0' } }], hashes: [{ alg: 'SHA-256', content: i.toString(16).padStart(64, '0') }] });
    components.push(c);
    total += c.length + 1;
  }
  const file = join(await scratchDir('bench-sbom'), 'bom.json');
  await writeFile(file, `{"bomFormat":"CycloneDX","specVersion":"1.5","version":1,"metadata":{"timestamp":"2025-01-01T00:00:00Z"},"components":[${components.join(',')}]}`);
  return file;
}

async function deleteAtt(ctx: Interop, image: PushedImage): Promise<void> {
  await runSkopeo(['delete', ...ctx.skopeoInspectFlags, `docker://${image.repository}:${image.digest.replace(':', '-')}.att`]);
}

function withPassword(line: CommandLine, key: KeyPair): CommandLine {
  return { ...line, env: { ...line.env, COSIGN_PASSWORD: key.password } };
}

async function attestRow(ctx: Interop, suite: ReturnType<typeof interopSuite>, key: KeyPair, bom: string, options: BenchOptions): Promise<BenchRow> {
  const image = await suite.push(ctx, 'bench-attest');
  const before = () => deleteAtt(ctx, image);
  const ours = withPassword(await ocisignAsCommand(['attest', '--new-bundle-format=false', '--key', key.key, '--tlog-upload=false', '--type', 'cyclonedx', '--predicate', bom, ...ctx.ocisignFlags, image.ref]), key);
  const peer = withPassword(await cosignCommand(['attest', '--key', key.key, '--tlog-upload=false', '--yes', '--type', 'cyclonedx', '--predicate', bom, ...ctx.cosignFlags, image.ref]), key);
  return compare('attest a 20 MB CycloneDX SBOM', { name: 'ocisign attest', ...ours, before }, { name: 'cosign attest', ...peer, before }, options, 1.0);
}

async function verifyRow(ctx: Interop, suite: ReturnType<typeof interopSuite>, key: KeyPair, bom: string, options: BenchOptions): Promise<BenchRow> {
  const image = await suite.push(ctx, 'bench-verify-att');
  const made = await runCosign(['attest', '--key', key.key, '--tlog-upload=false', '--yes', '--type', 'cyclonedx', '--predicate', bom, ...ctx.cosignFlags, image.ref], { env: { COSIGN_PASSWORD: key.password } });
  if (made.code !== 0) throw new Error(`cosign attest for the verify bench failed: ${made.stderr.trim()}`);
  const ours = await ocisignCommand(['verify-attestation', '--key', key.pub, '--insecure-ignore-tlog', '--type', 'cyclonedx', ...ctx.ocisignFlags, image.ref]);
  const peer = await cosignCommand(['verify-attestation', '--key', key.pub, '--insecure-ignore-tlog', '--type', 'cyclonedx', ...ctx.cosignFlags, image.ref]);
  return compare('verify-attestation of a 20 MB CycloneDX SBOM', { name: 'ocisign verify-attestation', ...ours }, { name: 'cosign verify-attestation', ...peer }, options, 1.0);
}

async function releaseRow(ctx: Interop, suite: ReturnType<typeof interopSuite>, key: KeyPair, options: BenchOptions): Promise<BenchRow> {
  const image = await suite.push(ctx, 'bench-release');
  const ours = withPassword(await ocisignCommand(['release', '--new-bundle-format=false', '--key', key.key, '--tlog-upload=false', ...ctx.ocisignFlags, image.ref]), key);
  const row = await compare('ocisign release (SBOM → sign → attest) of the sample image', { name: 'ocisign release', ...ours }, undefined, options);
  return { ...row, note: 'no cosign equivalent (cosign has no SBOM generator); each run appends one signature (dedupe) and one attestation' };
}

export const bench: BenchFunction = async (options: BenchOptions): Promise<BenchRow[]> => {
  const suite = interopSuite('http');
  const ctx = await suite.ready(['cosign', 'skopeo', 'ocisign']);
  if (typeof ctx === 'string') return [{ title: 'attest / verify-attestation vs cosign', note: `skipped: ${ctx}` }];
  try {
    const key = await cosignKeyPair(ctx, 'bench-att');
    const bom = await writeBigSbom(SBOM_BYTES);
    const capped = { ...options, runs: Math.min(options.runs, 5) };
    return [await attestRow(ctx, suite, key, bom, capped), await verifyRow(ctx, suite, key, bom, capped), await releaseRow(ctx, suite, key, capped)];
  } finally {
    await suite.stop();
  }
};

if (import.meta.main) await runStandalone(bench);
