// Runs one command (bin/ocisign, through the fault proxy) once per fault case, each on its own image whose earlier
// signatures and attestations were stored first, and checks after each run: exit 0 (the fault was retried) or 4,
// one error line naming the proxy's host, no stack trace, and every earlier signature and attestation still stored.
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { runCli as runInProcess } from '../cosign/test-image.ts';
import type { CliRun } from '../cli/run-cli.ts';
import type { Fault } from '../helpers/fault-proxy.ts';
import { assertCleanFailure, assertKept, storedLayers, type FaultEnv, type TestImage } from './fault-env.ts';

/** Which requests of a case's image get the fault. */
export type RequestKind =
  | 'ping'
  | 'image HEAD'
  | 'image GET'
  | '.sig GET'
  | '.sig HEAD'
  | '.att GET'
  | '.sig PUT'
  | '.att PUT'
  | '.sbom PUT'
  | 'tag list'
  | 'blob HEAD'
  | 'blob GET'
  | 'upload POST'
  | 'upload PUT'
  | 'manifest PUT';

export interface FaultCase {
  request: RequestKind;
  fault: Fault;
  /** How many matching requests fail; omitted = every one. */
  count?: number;
  /** Let this many matching requests pass first (1 on a .sig GET: fail the read-back after the write). */
  skip?: number;
  /** 0: the fault must be retried away; 4: it must end the command; 'either' when both are right. */
  exit: 0 | 4 | 'either';
  /** The command needs this request in the destination repository (copy) rather than the image's own. */
  inDestination?: boolean;
}

/** A case's own names: `id` is unique per case (use it in annotations so no two runs dedupe). */
export interface CaseRun {
  destination: string;
  id: string;
}

export interface MatrixCommand {
  name: string;
  /** Every case on an image of its own (e.g. to sign it for the first time); else cases share their lane's image. */
  imagePerCase?: boolean;
  /** Store what must survive (in-process, straight to the registry). */
  prepare(env: FaultEnv, image: TestImage): Promise<void>;
  /** The command under test, through the proxy (`destination`: the case's own target repository, for copy). */
  run(env: FaultEnv, image: TestImage, run: CaseRun): Promise<CliRun>;
  /** Extra checks after a successful run (`before`: what was stored before it). */
  succeeded?(env: FaultEnv, image: TestImage, run: CaseRun, before: Stored): Promise<void>;
}

/** bin/ocisign flags every matrix run gets: quick stalls, and a deadline well inside the test's. */
export const QUICK = ['--request-timeout', '1s', '--timeout', '60s'];

function pattern(kind: RequestKind, repo: string, digest: string): RegExp {
  const tag = digest.replace(':', '-');
  const path = `/v2/faults/${repo}`;
  const table: Record<RequestKind, string> = {
    ping: '^GET /v2/$',
    'image HEAD': `^HEAD ${path}/manifests/${digest}$`,
    'image GET': `^GET ${path}/manifests/${digest}$`,
    '.sig GET': `^GET ${path}/manifests/${tag}\\.sig$`,
    '.sig HEAD': `^HEAD ${path}/manifests/${tag}\\.sig$`,
    '.att GET': `^GET ${path}/manifests/${tag}\\.att$`,
    '.sig PUT': `^PUT ${path}/manifests/${tag}\\.sig$`,
    '.att PUT': `^PUT ${path}/manifests/${tag}\\.att$`,
    '.sbom PUT': `^PUT ${path}/manifests/${tag}\\.sbom$`,
    'tag list': `^GET ${path}/tags/list`,
    'blob HEAD': `^HEAD ${path}/blobs/`,
    'blob GET': `^GET ${path}/blobs/sha256:`,
    'upload POST': `^POST ${path}/blobs/uploads/`,
    'upload PUT': `^PUT ${path}/blobs/uploads/`,
    'manifest PUT': `^PUT ${path}/manifests/`,
  };
  return new RegExp(table[kind]);
}

export function describeCase(c: FaultCase): string {
  const times = c.count === undefined ? 'every time' : `${c.count}×`;
  return `${c.request}${c.skip ? ` (after ${c.skip})` : ''}${c.inDestination ? ' (destination)' : ''}: ${c.fault.kind}${c.fault.kind === 'status' ? ` ${c.fault.status}` : ''} ${times} → ${c.exit === 'either' ? '0 or 4' : `exit ${c.exit}`}`;
}

/** The parent test's options: its lanes of cases run side by side. */
export const MATRIX_TEST = { concurrency: 3 } as const;

/**
 * One subtest per case. The cases are dealt to three lanes that run side by side, each on its own image (prepared
 * once; later cases of a lane start from what the earlier ones left, so "every earlier layer survives" covers them
 * all), so their faults never meet. Ping cases run last, one by one: every run pings.
 */
export async function runMatrix(t: TestContext, env: FaultEnv, command: MatrixCommand, cases: readonly FaultCase[]): Promise<void> {
  const shared = cases.filter((c) => c.request !== 'ping');
  const lanes = [0, 1, 2].map((lane) => shared.filter((_, i) => i % 3 === lane)).filter((lane) => lane.length > 0);
  await Promise.all(lanes.map((lane, n) => t.test(`${command.name}, lane ${n + 1}`, async (lt) => {
    const laneImage = command.imagePerCase ? undefined : await prepared(env, command, `${command.name}-${n}`);
    for (const [i, c] of lane.entries()) {
      const id = `${command.name}-${n}-${i}`;
      await lt.test(describeCase(c), async () => runCase(env, command, laneImage ?? (await prepared(env, command, id)), c, id));
    }
  })));
  const pings = cases.filter((c) => c.request === 'ping');
  if (pings.length === 0) return;
  const image = await prepared(env, command, `${command.name}-ping`);
  for (const [i, c] of pings.entries()) await t.test(describeCase(c), () => runCase(env, command, image, c, `${command.name}-ping-${i}`));
}

async function prepared(env: FaultEnv, command: MatrixCommand, name: string): Promise<TestImage> {
  const image = await env.image(name);
  await command.prepare(env, image);
  return image;
}

async function runCase(env: FaultEnv, command: MatrixCommand, image: TestImage, c: FaultCase, id: string): Promise<void> {
  const before: Stored = { sig: await storedLayers(image, 'signature'), att: await storedLayers(image, 'attestation') };
  const sboms = await storedLayers(image, 'sbom');
  const destination = `${id}-dst`;
  const repo = /\/faults\/([^@]+)@/.exec(image.direct)![1]!;
  const injected = env.proxy.inject({
    match: pattern(c.request, c.inDestination ? destination : repo, image.digest),
    fault: c.fault,
    ...(c.count === undefined ? {} : { count: c.count }),
    ...(c.skip === undefined ? {} : { skip: c.skip }),
  });
  let r: CliRun;
  try {
    r = await command.run(env, image, { destination, id });
  } finally {
    injected.remove();
  }
  const why = describeCase(c);
  assert.ok(injected.hits > 0, `${why}: the fault was never hit\n${r.stderr}`);
  if (c.exit !== 'either') assert.equal(r.code, c.exit, `${why}\n${r.stderr}`);
  assertCleanFailure(r, env.proxy.host, why);
  await assertKept(image, 'signature', before.sig, why);
  await assertKept(image, 'attestation', before.att, why);
  const sbomNow = await storedLayers(image, 'sbom');
  assert.ok(sbomNow.length <= 1 && (sboms.length === 0 || sbomNow.length === 1), `${why}: the .sbom is whole (${sbomNow.length} layers)`);
  if (r.code === 0) await command.succeeded?.(env, image, { destination, id }, before);
}

export interface Stored {
  sig: string[];
  att: string[];
}

/** In-process (not under test): a signature with `-a n=<n>`, straight to the registry. */
export async function storeSignature(env: FaultEnv, image: TestImage, n: string): Promise<void> {
  const r = await runInProcess(['sign', '--key', env.key.key, '--new-bundle-format=false', '--tlog-upload=false', '-a', `n=${n}`, image.direct]);
  assert.equal(r.code, 0, r.stderr);
}

export async function storeAttestation(env: FaultEnv, image: TestImage): Promise<void> {
  const r = await runInProcess(['attest', '--key', env.key.key, '--new-bundle-format=false', '--tlog-upload=false', '--predicate', env.predicate, '--type', 'slsaprovenance', image.direct]);
  assert.equal(r.code, 0, r.stderr);
}

export async function storeSbom(env: FaultEnv, image: TestImage): Promise<void> {
  const r = await runInProcess(['attach', 'sbom', '--sbom', env.sbom, '--type', 'cyclonedx', image.direct]);
  assert.equal(r.code, 0, r.stderr);
}
