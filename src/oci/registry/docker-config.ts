import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { OcisignError } from '../../core/errors.ts';
import type { Credentials, RegistryClientOptions } from '../client-options.ts';
import { isDockerHub } from './hosts.ts';

interface AuthEntry {
  auth?: string;
  username?: string;
  password?: string;
  identitytoken?: string;
  registrytoken?: string;
}

export interface DockerConfig {
  auths?: Record<string, AuthEntry>;
  credHelpers?: Record<string, string>;
  credsStore?: string;
}

/** The legacy key Docker Hub credentials live under. */
export const DOCKER_HUB_SERVER_URL = 'https://index.docker.io/v1/';

/** Largest docker config read (a config with hundreds of registries is a few KiB). */
export const MAX_DOCKER_CONFIG_BYTES = 1024 * 1024;

/** Read `DIR/config.json`; a missing file is an empty config, a broken or oversized one is BAD_INPUT. */
export async function loadDockerConfig(dir: string | undefined): Promise<DockerConfig> {
  if (!dir) return {};
  const file = join(dir, 'config.json');
  let text: string;
  try {
    text = await readBounded(file);
  } catch (err) {
    if (err instanceof OcisignError) throw err;
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new OcisignError('IO', `reading docker config ${file}: ${(err as Error).message}`, { cause: err });
  }
  try {
    const doc = JSON.parse(text) as unknown;
    return typeof doc === 'object' && doc !== null ? (doc as DockerConfig) : {};
  } catch (err) {
    throw new OcisignError('BAD_INPUT', `reading docker config ${file}: invalid JSON`, { cause: err });
  }
}

/** The file's text, refusing more than MAX_DOCKER_CONFIG_BYTES while reading (`/dev/zero` has no size to check). */
async function readBounded(file: string): Promise<string> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(MAX_DOCKER_CONFIG_BYTES + 1);
    let filled = 0;
    for (let n = -1; n !== 0 && filled < buffer.length; filled += n) {
      n = (await handle.read(buffer, filled, buffer.length - filled, null)).bytesRead;
    }
    if (filled > MAX_DOCKER_CONFIG_BYTES) {
      throw new OcisignError('BAD_INPUT', `reading docker config ${file}: more than the limit of ${MAX_DOCKER_CONFIG_BYTES} bytes`);
    }
    return buffer.toString('utf8', 0, filled);
  } finally {
    await handle.close();
  }
}

/** `https://host/v1/` → `host` (docker's convertToHostname). */
export function normalizeConfigKey(key: string): string {
  return key.replace(/^[a-z]+:\/\//i, '').split('/')[0]!.toLowerCase();
}

function keyMatches(key: string, registry: string): boolean {
  const host = normalizeConfigKey(key);
  return host === registry.toLowerCase() || (isDockerHub(registry) && isDockerHub(host));
}

/** The `auths` entry of a registry as credentials (undefined when absent or empty). */
export function credentialsFromAuths(config: DockerConfig, registry: string): Credentials | undefined {
  const auths = config.auths ?? {};
  const key = Object.keys(auths).find((k) => normalizeConfigKey(k) === registry.toLowerCase())
    ?? Object.keys(auths).find((k) => keyMatches(k, registry));
  return key === undefined ? undefined : entryToCredentials(auths[key]!, registry);
}

function entryToCredentials(entry: AuthEntry, registry: string): Credentials | undefined {
  const creds: Credentials = {};
  if (entry.auth) {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) throw new OcisignError('BAD_INPUT', `docker config: invalid "auth" for ${registry} (not base64 user:password)`);
    creds.username = decoded.slice(0, colon);
    creds.password = decoded.slice(colon + 1);
  }
  if (entry.username) creds.username = entry.username;
  if (entry.password) creds.password = entry.password;
  if (entry.identitytoken) creds.identityToken = entry.identitytoken;
  if (entry.registrytoken) creds.registryToken = entry.registrytoken;
  return Object.keys(creds).length > 0 ? creds : undefined;
}

function helperFor(config: DockerConfig, registry: string): string | undefined {
  const helpers = config.credHelpers ?? {};
  const key = Object.keys(helpers).find((k) => keyMatches(k, registry));
  return key !== undefined ? helpers[key] : config.credsStore || undefined;
}

/**
 * The credentials of one registry host, in docker's order: explicit options (for `credentialsHost`, or
 * any host when it is unset), then `credHelpers[host]`, then `credsStore`, then `auths`. Undefined = anonymous.
 */
export async function resolveCredentials(registry: string, options: RegistryClientOptions): Promise<Credentials | undefined> {
  if (options.credentials && (!options.credentialsHost || sameRegistry(options.credentialsHost, registry))) {
    return options.credentials;
  }
  const config = await loadDockerConfig(options.dockerConfigDir);
  const helper = helperFor(config, registry);
  if (helper) {
    const serverUrl = isDockerHub(registry) ? DOCKER_HUB_SERVER_URL : registry;
    // loaded only here: node:child_process (and the dgram it pulls in) is start-up time most runs never use
    const { runCredentialHelper } = await import('./credential-helper.ts');
    const found = await runCredentialHelper(helper, serverUrl, { env: options.env });
    if (found) return found;
  }
  return credentialsFromAuths(config, registry);
}

function sameRegistry(a: string, b: string): boolean {
  const x = normalizeConfigKey(a);
  const y = normalizeConfigKey(b);
  return x === y || (isDockerHub(x) && isDockerHub(y));
}
