// One real registry (distribution 2.8) per test file with the images the fixtures in fixtures/manifests/ name:
// signed with the trusted key, signed with another key, unsigned; the fixtures copied into a scratch folder with
// the placeholder host `registry.example:5000` replaced by the registry's and `sha256:EXPORTER_DIGEST` by the
// exporter's digest. Tests skip with the reason when the registry is missing.
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Agent } from 'undici';
import { openRepository } from '../../src/oci/open.ts';
import { parseReference } from '../../src/oci/reference.ts';
import { BIN, spawnCollect, type CliRun } from '../cli/run-cli.ts';
import { pushTestImage, runCli, writeTestKeyPair } from '../cosign/test-image.ts';
import { registryAvailable, startRegistry, type TestRegistry } from '../helpers/registry-server.ts';

export const FIXTURES = resolve(dirname(fileURLToPath(import.meta.url)), '../../fixtures/manifests');
export const PLACEHOLDER_HOST = 'registry.example:5000';

/** Images by repository:tag → how they are signed. */
export const IMAGES = {
  'shop/migrate:1.0': 'trusted',
  'shop/web:1.0': 'trusted',
  'shop/exporter:1.0': 'trusted', // named by digest in the chart
  'shop/cache:7.2': 'other-key',
  'reporting/report:2.0': 'trusted',
  'jobs/worker:1.0': 'trusted',
  'infra/node-agent:0.3': 'unsigned',
  'infra/queue:3.13': 'trusted',
  'infra/toolbox:1.0': 'trusted',
} as const;

export interface World {
  registry: TestRegistry;
  host: string;
  dir: string;
  /** The fixtures with real hosts and digests. */
  fixtures: string;
  trusted: { key: string; pub: string };
  other: { key: string; pub: string };
  /** repository:tag → digest */
  digests: Record<string, string>;
  dispatcher: Agent;
  stop(): Promise<void>;
}

export async function startWorld(): Promise<World | string> {
  const why = registryAvailable();
  if (why) return why;
  const registry = await startRegistry({ mode: 'http' });
  const dir = await mkdtemp(join(tmpdir(), 'ocisign-manifests-'));
  const dispatcher = new Agent();
  const stop = async () => {
    await dispatcher.close();
    await registry.stop();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const trusted = await writeTestKeyPair(join(dir, 'trusted'));
    const other = await writeTestKeyPair(join(dir, 'other'));
    const digests: Record<string, string> = {};
    const bySigner: Record<string, string[]> = { trusted: [], 'other-key': [] };
    for (const [name, signing] of Object.entries(IMAGES)) {
      const [repository, tag] = name.split(':') as [string, string];
      const repo = openRepository(parseReference(`${registry.host}/${repository}`), { dispatcher });
      digests[name] = await pushTestImage(repo, tag, name);
      if (signing !== 'unsigned') bySigner[signing]!.push(`${registry.host}/${repository}@${digests[name]}`);
    }
    for (const [signing, refs] of Object.entries(bySigner)) {
      const key = signing === 'trusted' ? trusted.key : other.key;
      const r = await runCli(['sign', '--new-bundle-format=false', '--key', key, '--tlog-upload=false', ...refs]);
      if (r.code !== 0) throw new Error(`signing for the manifest tests failed: ${r.stderr}`);
    }
    const fixtures = join(dir, 'fixtures');
    await cp(FIXTURES, fixtures, { recursive: true });
    await substitute(fixtures, { [PLACEHOLDER_HOST]: registry.host, 'sha256:EXPORTER_DIGEST': digests['shop/exporter:1.0']! });
    return { registry, host: registry.host, dir, fixtures, trusted, other, digests, dispatcher, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

async function substitute(dir: string, replacements: Record<string, string>): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    let text = await readFile(path, 'utf8');
    for (const [from, to] of Object.entries(replacements)) text = text.replaceAll(from, to);
    await writeFile(path, text);
  }
}

/** Run bin/ocisign from source as a real process with `input` on its standard input. */
export function runCliWithStdin(args: string[], input: string): Promise<CliRun> {
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, OCISIGN_FROM_SOURCE: '1' };
  return spawnCollect(process.execPath, [BIN, ...args], { env, stdin: input });
}
