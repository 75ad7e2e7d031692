// The real peers (cosign 2.5 and the sigstore-enabled skopeo 1.18 from Debian 13, fetched by
// scripts/install-peers.sh into .work/tools; cosign 3.1.1 and oras 1.3.3 from Debian sid, fetched by
// scripts/install-sid-peers.sh) and the ocisign CLI, run as child processes with throw-away
// HOME / DOCKER_CONFIG so nothing on the machine is read or written. What works with each peer: PEERS.md.
import { spawn } from 'node:child_process';
import { accessSync, constants, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const toolsBin = join(repoRoot, '.work', 'tools', 'bin');
export const ocisignBin = join(repoRoot, 'bin', 'ocisign');

export type PeerName = 'cosign' | 'skopeo' | 'cosign3' | 'oras';

export interface Peers {
  /** cosign 2.5 (Debian trixie). */
  cosign?: string;
  /** skopeo 1.18 (Debian trixie). */
  skopeo?: string;
  /** cosign 3.1.1 (Debian sid). */
  cosign3?: string;
  /** oras 1.3.3 (Debian sid). */
  oras?: string;
  /** Why cosign 2.5 or skopeo is missing, to print in a skip (unchanged meaning: the trixie peers only). */
  reason?: string;
  /** Why each missing peer is missing. */
  reasons: Partial<Record<PeerName, string>>;
}

export interface RunOptions {
  env?: Record<string, string | undefined>;
  input?: string | Buffer;
  cwd?: string;
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface SkopeoRunOptions extends RunOptions {
  /** Registry hosts (host:port) that get `use-sigstore-attachments: true`; default: every docker:// host in args. */
  hosts?: string[];
  /** A policy.json path; default: a policy accepting anything (for plain pushes and signing). */
  policy?: string;
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Paths of the installed peers, or why they are missing. */
export function peers(): Peers {
  const found: Peers = { reasons: {} };
  const installers: Record<PeerName, string> = {
    cosign: 'install-peers.sh',
    skopeo: 'install-peers.sh',
    cosign3: 'install-sid-peers.sh',
    oras: 'install-sid-peers.sh',
  };
  for (const [name, installer] of Object.entries(installers) as [PeerName, string][]) {
    const path = join(toolsBin, name);
    if (executable(path)) found[name] = path;
    else found.reasons[name] = `${name} not installed in ${toolsBin} (run scripts/${installer} as root)`;
  }
  const missing = [found.cosign ? '' : 'cosign', found.skopeo ? '' : 'skopeo'].filter(Boolean);
  if (missing.length > 0) {
    found.reason = `${missing.join(' and ')} not installed in ${toolsBin} (run scripts/install-peers.sh as root)`;
  }
  return found;
}

/** Why any of the named peers is missing (for t.skip), or undefined when all are installed. */
export function peersMissing(...names: PeerName[]): string | undefined {
  const { reasons } = peers();
  const why = names.map((name) => reasons[name]).filter((r): r is string => r !== undefined);
  return why.length > 0 ? why.join('; ') : undefined;
}

/**
 * The Debian package version an installer recorded in .work/tools/versions (`cosign`, `skopeo`, `cosign3`,
 * `oras`, `golang-1.27-go`, `go-containerregistry`), or undefined. sid moves: tests that depend on one
 * version's behaviour can check it here.
 */
export function peerVersion(name: string): string | undefined {
  try {
    const line = readFileSync(join(repoRoot, '.work', 'tools', 'versions'), 'utf8').split('\n').find((l) => l.startsWith(`${name} `));
    return line?.slice(name.length + 1).trim();
  } catch {
    return undefined;
  }
}

/** Why the ocisign CLI cannot run yet (no build), or undefined when it can. */
export function ocisignMissing(): string | undefined {
  if (!executable(ocisignBin) && !exists(ocisignBin)) return `${ocisignBin} missing`;
  if (process.env.OCISIGN_FROM_SOURCE === '1') return undefined;
  if (!exists(join(repoRoot, 'dist', 'cli', 'main.js'))) return 'dist/cli/main.js not built (run npm run build)';
  return undefined;
}

function exists(path: string): boolean {
  try {
    accessSync(path);
    return true;
  } catch {
    return false;
  }
}

let scratchRoot: string | undefined;

/** One temp folder per test process, removed on exit; each caller gets its own sub-folder. */
export async function scratchDir(prefix: string): Promise<string> {
  if (scratchRoot === undefined) {
    scratchRoot = mkdtempSync(join(tmpdir(), 'ocisign-peers-'));
    const root = scratchRoot;
    process.once('exit', () => rmSync(root, { recursive: true, force: true }));
  }
  return mkdtemp(join(scratchRoot, `${prefix}-`));
}

/** A throw-away HOME and DOCKER_CONFIG (with an empty config.json) for one child process. */
async function isolatedEnv(extra: RunOptions['env']): Promise<Record<string, string>> {
  const home = await scratchDir('home');
  const dockerConfig = join(home, '.docker');
  await mkdir(dockerConfig, { recursive: true });
  await writeFile(join(dockerConfig, 'config.json'), '{"auths":{}}\n');
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    DOCKER_CONFIG: dockerConfig,
    TMPDIR: home,
    LANG: 'C.UTF-8',
  };
  // bin/ocisign runs src/ instead of dist/ with this set; keep the choice of the test run.
  if (process.env.OCISIGN_FROM_SOURCE !== undefined) env.OCISIGN_FROM_SOURCE = process.env.OCISIGN_FROM_SOURCE;
  for (const [key, value] of Object.entries(extra ?? {})) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

/** Spawn a command and collect its output; never throws for a non-zero exit. */
export function run(command: string, args: string[], env: Record<string, string>, options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { env, cwd: options.cwd ?? repoRoot, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', reject);
    child.on('close', (code, signal) =>
      resolvePromise({ code, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }),
    );
    child.stdin.on('error', () => {}); // the child may exit without reading stdin
    child.stdin.end(options.input ?? '');
  });
}

function required(path: string | undefined, name: PeerName): string {
  if (path === undefined) throw new Error(`${name} is not installed: ${peers().reasons[name] ?? ''}`);
  return path;
}

/** A prepared command line: what to spawn, with which arguments and environment (also used by bench/). */
export interface CommandLine {
  command: string;
  args: string[];
  env: Record<string, string>;
}

/** cosign 2.5 with a throw-away HOME/DOCKER_CONFIG. */
export async function cosignCommand(args: string[], options: RunOptions = {}): Promise<CommandLine> {
  return { command: required(peers().cosign, 'cosign'), args, env: await isolatedEnv(options.env) };
}

/** cosign 3.1.1 with a throw-away HOME/DOCKER_CONFIG (its TUF cache goes to that HOME too). */
export async function cosign3Command(args: string[], options: RunOptions = {}): Promise<CommandLine> {
  return { command: required(peers().cosign3, 'cosign3'), args, env: await isolatedEnv(options.env) };
}

/** oras 1.3.3 with a throw-away HOME/DOCKER_CONFIG. */
export async function orasCommand(args: string[], options: RunOptions = {}): Promise<CommandLine> {
  return { command: required(peers().oras, 'oras'), args, env: await isolatedEnv(options.env) };
}

/**
 * ocisign (`process.execPath bin/ocisign …`, which uses dist/) with a throw-away HOME/DOCKER_CONFIG. Node's compile
 * cache is shared by every run (under .work/), as it is on a user's machine: the throw-away TMPDIR would otherwise
 * make every run compile from scratch.
 */
export async function ocisignCommand(args: string[], options: RunOptions = {}): Promise<CommandLine> {
  const env = await isolatedEnv({ NODE_COMPILE_CACHE: join(repoRoot, '.work', 'node-compile-cache'), ...options.env });
  return { command: process.execPath, args: [ocisignBin, ...args], env };
}

/**
 * ocisign run as a user's shell runs it: `bin/ocisign …` as a command (its sh lines, then the Node found on PATH,
 * which is this test's Node), with ocisignCommand's environment.
 */
export async function ocisignAsCommand(args: string[], options: RunOptions = {}): Promise<CommandLine> {
  const line = await ocisignCommand(args, options);
  return { command: ocisignBin, args, env: { ...line.env, PATH: `${dirname(process.execPath)}:${line.env.PATH ?? '/usr/bin:/bin'}` } };
}

function runLine(line: CommandLine, options: RunOptions): Promise<RunResult> {
  return run(line.command, line.args, line.env, options);
}

/** Run cosign 2.5 with a throw-away HOME/DOCKER_CONFIG. */
export async function runCosign(args: string[], options: RunOptions = {}): Promise<RunResult> {
  return runLine(await cosignCommand(args, options), options);
}

/** Run cosign 3.1.1 with a throw-away HOME/DOCKER_CONFIG. */
export async function runCosign3(args: string[], options: RunOptions = {}): Promise<RunResult> {
  return runLine(await cosign3Command(args, options), options);
}

/** Run oras 1.3.3 with a throw-away HOME/DOCKER_CONFIG. */
export async function runOras(args: string[], options: RunOptions = {}): Promise<RunResult> {
  return runLine(await orasCommand(args, options), options);
}

export interface OrasReferrer {
  reference: string;
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
  referrers: OrasReferrer[];
}

/**
 * `oras discover --format json` over plain HTTP: the subject's referrers as oras sees them (the referrers API
 * when the registry has it, else the `sha256-<hex>` tag). Throws on a non-zero exit.
 */
export async function orasDiscover(ref: string, options: RunOptions & { artifactType?: string; args?: string[] } = {}): Promise<OrasReferrer[]> {
  const filter = options.artifactType ? ['--artifact-type', options.artifactType] : [];
  const result = await runOras(['discover', '--plain-http', '--format', 'json', ...filter, ...(options.args ?? []), ref], options);
  if (result.code !== 0) throw new Error(describeRun('oras discover', result));
  return (JSON.parse(result.stdout) as { referrers: OrasReferrer[] }).referrers;
}

export interface OrasAttachOptions extends RunOptions {
  /** The artifact's artifactType. */
  artifactType: string;
  /** The file's layer media type (default: artifactType). */
  mediaType?: string;
  annotations?: Record<string, string>;
  args?: string[];
}

/**
 * `oras attach` one file as a referrer of `ref` over plain HTTP (a non-Sigstore referrer: config is the empty
 * descriptor, one layer with the file); returns the new manifest's digest. Throws on a non-zero exit.
 */
export async function orasAttach(ref: string, file: string, options: OrasAttachOptions): Promise<string> {
  const annotations = Object.entries(options.annotations ?? {}).flatMap(([k, v]) => ['--annotation', `${k}=${v}`]);
  // oras names the layer after the path as given: attach from the file's folder so the title is its base name.
  const args = ['attach', '--plain-http', '--artifact-type', options.artifactType, ...annotations, ...(options.args ?? []),
    ref, `${basename(file)}:${options.mediaType ?? options.artifactType}`];
  const result = await runOras(args, { ...options, cwd: dirname(file) });
  const digest = /^Digest: (sha256:[0-9a-f]{64})$/m.exec(result.stdout)?.[1];
  if (result.code !== 0 || digest === undefined) throw new Error(describeRun('oras attach', result));
  return digest;
}

/**
 * cosign 3's signing config naming no services: key-based signing with no Fulcio, Rekor or TSA, so nothing
 * leaves the machine (cosign 3 refuses --tlog-upload=false with its default signing config).
 */
export const KEY_ONLY_SIGNING_CONFIG = {
  mediaType: 'application/vnd.dev.sigstore.signingconfig.v0.2+json',
  caUrls: [],
  oidcUrls: [],
  rekorTlogUrls: [],
  tsaUrls: [],
  rekorTlogConfig: { selector: 'ANY' },
  tsaConfig: { selector: 'ANY' },
};

/** Write KEY_ONLY_SIGNING_CONFIG to a fresh file (in `dir`, default a scratch folder) and return its path. */
export async function writeKeyOnlySigningConfig(dir?: string): Promise<string> {
  const path = join(dir ?? (await scratchDir('signing-config')), 'signing-config.json');
  await writeFile(path, `${JSON.stringify(KEY_ONLY_SIGNING_CONFIG)}\n`);
  return path;
}

/** Run ocisign (`process.execPath bin/ocisign …`, which uses dist/) with a throw-away HOME/DOCKER_CONFIG. */
export async function runOcisign(args: string[], options: RunOptions = {}): Promise<RunResult> {
  return runLine(await ocisignCommand(args, options), options);
}

/** The registries.d YAML turning on sigstore attachments for the given hosts. */
export function registriesDYaml(hosts: string[]): string {
  const lines = ['docker:'];
  for (const host of hosts) lines.push(`  ${host}:`, '    use-sigstore-attachments: true');
  return `${lines.join('\n')}\n`;
}

/** docker://HOST/… arguments → HOST. */
export function dockerHosts(args: string[]): string[] {
  const hosts = new Set<string>();
  for (const arg of args) {
    const match = /^docker:\/\/([^/]+)\//.exec(arg);
    if (match) hosts.add(match[1]!);
  }
  return [...hosts];
}

export interface SigstorePolicyEntry {
  /** A policy scope: "host:port", "host:port/repo" … */
  scope: string;
  /** Absolute path of the cosign public key. */
  publicKey: string;
}

/** A containers-policy.json document requiring a sigstore signature (matchRepository) for each scope. */
export function sigstorePolicy(entries: SigstorePolicyEntry[]): object {
  const docker: Record<string, unknown[]> = {};
  for (const { scope, publicKey } of entries) {
    docker[scope] = [{ type: 'sigstoreSigned', keyPath: publicKey, signedIdentity: { type: 'matchRepository' } }];
  }
  return { default: [{ type: 'reject' }], transports: { docker } };
}

/** Write sigstorePolicy(entries) to a fresh file and return its path. */
export async function writeSigstorePolicy(entries: SigstorePolicyEntry[]): Promise<string> {
  const path = join(await scratchDir('policy'), 'policy.json');
  await writeFile(path, `${JSON.stringify(sigstorePolicy(entries), null, 2)}\n`);
  return path;
}

const acceptAnything = { default: [{ type: 'insecureAcceptAnything' }] };

/**
 * Run skopeo 1.18 with a throw-away HOME/DOCKER_CONFIG, a registries.d enabling sigstore attachments for the
 * registry hosts and a policy (default: accept anything). Global flags go before `args`.
 */
export async function runSkopeo(args: string[], options: SkopeoRunOptions = {}): Promise<RunResult> {
  return runLine(await skopeoCommand(args, options), options);
}

/** The command line runSkopeo spawns (also used by bench/). */
export async function skopeoCommand(args: string[], options: SkopeoRunOptions = {}): Promise<CommandLine> {
  const skopeo = required(peers().skopeo, 'skopeo');
  const dir = await scratchDir('skopeo');
  const registriesD = join(dir, 'registries.d');
  await mkdir(registriesD);
  await writeFile(join(registriesD, 'ocisign-tests.yaml'), registriesDYaml(options.hosts ?? dockerHosts(args)));
  let policy = options.policy;
  if (policy === undefined) {
    policy = join(dir, 'policy.json');
    await writeFile(policy, JSON.stringify(acceptAnything));
  }
  const global = ['--policy', policy, '--registries.d', registriesD, '--tmpdir', dir];
  return { command: skopeo, args: [...global, ...args], env: await isolatedEnv(options.env) };
}

/** A one-line summary of a run for assertion messages. */
export function describeRun(name: string, result: RunResult): string {
  return `${name} exited ${result.code ?? result.signal}\nstdout: ${result.stdout.trim()}\nstderr: ${result.stderr.trim()}`;
}
