/**
 * Image references. Registry references are normalised like docker (`nginx` →
 * `index.docker.io/library/nginx:latest`); layout references are `oci:DIR[:TAG|@DIGEST]`.
 * Grammar: the distribution reference grammar (docker/distribution `reference/regexp.go`).
 */
import { basename, resolve as resolvePath } from 'node:path';
import { OcisignError } from '../core/errors.ts';
import { isDigest } from './digest.ts';

export interface RegistryReference {
  kind: 'registry';
  /** Host[:port], normalised: `index.docker.io` for Docker Hub, IPv6 in brackets. */
  registry: string;
  /** Repository path, e.g. `library/nginx`, `demo/app`. */
  repository: string;
  tag?: string;
  digest?: string;
}

export interface LayoutReference {
  kind: 'layout';
  /** The layout directory as given (resolved to absolute by the layout backend). */
  path: string;
  tag?: string;
  digest?: string;
}

export type Reference = RegistryReference | LayoutReference;

export const DOCKER_HUB_REGISTRY = 'index.docker.io';
export const DEFAULT_TAG = 'latest';
const NAME_TOTAL_LENGTH_MAX = 255;

const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN_NAME = `${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*`;
const IPV6 = '\\[[a-fA-F0-9:]+\\]';
const DOMAIN_RE = new RegExp(`^(?:${DOMAIN_NAME}|${IPV6})(?::[0-9]+)?$`);
const PATH_COMPONENT_RE = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG_RE = /^[\w][\w.-]{0,127}$/;
const ANY_DIGEST_RE = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/;
const HEX64_RE = /^[a-f0-9]{64}$/;

/** Parse a registry reference (`nginx`, `host:5000/a/b:tag@sha256:…`) or a layout reference (`oci:DIR:TAG`). */
export function parseReference(input: string): Reference {
  if (input.startsWith('oci:')) return parseLayoutReference(input);
  return parseRegistryReference(input);
}

/** Parse a registry reference only; a layout reference is an error. */
export function parseRegistryReference(input: string): RegistryReference {
  const fail = (why: string): never => {
    throw new OcisignError('BAD_INPUT', `invalid reference ${JSON.stringify(input)}: ${why}`);
  };
  if (input === '') fail('empty');
  if (HEX64_RE.test(input)) fail('a 64-character hexadecimal string is an image id, not a reference');
  let rest = input;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    checkDigest(digest, fail);
  }
  let tag: string | undefined;
  [rest, tag] = splitTag(rest, fail);
  const { registry, repository } = splitName(rest, fail);
  return withParts({ kind: 'registry', registry, repository }, tag, digest, tag === undefined && digest === undefined);
}

function splitName(name: string, fail: (why: string) => never): { registry: string; repository: string } {
  if (name === '') fail('no repository name');
  if (name.length > NAME_TOTAL_LENGTH_MAX) fail(`repository name longer than ${NAME_TOTAL_LENGTH_MAX} characters`);
  const slash = name.indexOf('/');
  const first = slash < 0 ? name : name.slice(0, slash);
  const isDomain = slash >= 0 && (/[.:]/.test(first) || first === 'localhost' || first.toLowerCase() !== first);
  let registry = isDomain ? first : DOCKER_HUB_REGISTRY;
  let repository = isDomain ? name.slice(slash + 1) : name;
  if (isDomain && !DOMAIN_RE.test(registry)) fail(`bad registry host ${JSON.stringify(registry)}`);
  if (registry === 'docker.io' || registry === 'registry-1.docker.io') registry = DOCKER_HUB_REGISTRY;
  if (repository.toLowerCase() !== repository) fail('repository name must be lowercase');
  const components = repository.split('/');
  for (const c of components) {
    if (!PATH_COMPONENT_RE.test(c)) fail(c === '' ? 'empty path component' : `bad path component ${JSON.stringify(c)}`);
  }
  if (registry === DOCKER_HUB_REGISTRY && components.length === 1) repository = `library/${repository}`;
  return { registry, repository };
}

function checkDigest(digest: string, fail: (why: string) => never): void {
  if (isDigest(digest)) return;
  if (ANY_DIGEST_RE.test(digest)) fail(`unsupported digest ${JSON.stringify(digest)} (only sha256 and sha512 in lower-case hex)`);
  fail(`bad digest ${JSON.stringify(digest)}`);
}

/** `oci:DIR[:TAG][@DIGEST]`; DIR may contain `/` and `:`; a `:` after the last `/` starts the tag. */
export function parseLayoutReference(input: string): LayoutReference {
  const fail = (why: string): never => {
    throw new OcisignError('BAD_INPUT', `invalid reference ${JSON.stringify(input)}: ${why}`);
  };
  if (!input.startsWith('oci:')) fail('a layout reference starts with "oci:"');
  let rest = input.slice(4);
  let digest: string | undefined;
  const at = rest.lastIndexOf('@');
  if (at > rest.lastIndexOf('/')) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    checkDigest(digest, fail);
  }
  let tag: string | undefined;
  [rest, tag] = splitTag(rest, fail);
  if (rest === '') fail('no layout directory');
  return withParts({ kind: 'layout', path: rest }, tag, digest, false);
}

function withParts<T extends Reference>(ref: T, tag: string | undefined, digest: string | undefined, defaultTag: boolean): T {
  const out = { ...ref };
  if (tag !== undefined) out.tag = tag;
  else if (defaultTag) out.tag = DEFAULT_TAG;
  if (digest !== undefined) out.digest = digest;
  return out;
}

/** The canonical string: `registry/repo[:tag][@digest]` or `oci:DIR[:tag][@digest]`. */
export function formatReference(ref: Reference): string {
  return repositoryName(ref) + (ref.tag !== undefined ? `:${ref.tag}` : '') + (ref.digest !== undefined ? `@${ref.digest}` : '');
}

/** `registry/repository` (cosign's `docker-reference`) or `oci:DIR` for a layout. */
export function repositoryName(ref: Reference): string {
  return ref.kind === 'registry' ? `${ref.registry}/${ref.repository}` : `oci:${ref.path}`;
}

/**
 * The identity a signature names (cosign's `docker-reference`), and what `verify --check-docker-reference`
 * requires: `registry/repository` for a registry; for a layout `oci:<name>`, the layout directory's own name.
 * A repository is named, not located: `oci:img`, `oci:./img`, `oci:/abs/path/img` and a copy or move of the
 * directory to `/elsewhere/img` are one identity; renaming the directory makes another, as copying to another
 * registry repository does (see SECURITY.md).
 */
export function signedIdentity(ref: Reference): string {
  if (ref.kind === 'registry') return repositoryName(ref);
  return `oci:${basename(resolvePath(ref.path))}`;
}

/** The same repository without tag or digest. */
export function repositoryOnly<T extends Reference>(ref: T): T {
  const out = { ...ref };
  delete out.tag;
  delete out.digest;
  return out;
}

/** The same repository pinned to `digest` (the tag is dropped). */
export function withDigest<T extends Reference>(ref: T, digest: string): T {
  if (!isDigest(digest)) throw new OcisignError('BAD_INPUT', `invalid digest ${JSON.stringify(digest)}`);
  const out = repositoryOnly(ref);
  out.digest = digest;
  return out;
}

/** The same repository with `tag` (any digest is dropped). */
export function withTag<T extends Reference>(ref: T, tag: string): T {
  if (!TAG_RE.test(tag)) throw new OcisignError('BAD_INPUT', `invalid tag ${JSON.stringify(tag)}`);
  const out = repositoryOnly(ref);
  out.tag = tag;
  return out;
}

/** The tag or digest to look the image up by: the digest wins when both are given. */
export function lookupKey(ref: Reference): string {
  const key = ref.digest ?? ref.tag;
  if (key === undefined) throw new OcisignError('BAD_INPUT', `reference ${formatReference(ref)} has neither tag nor digest`);
  return key;
}

export function isValidTag(tag: string): boolean {
  return TAG_RE.test(tag);
}

/** `name:tag` → [name, tag]; the tag is after the last `:` that follows the last `/` (a port is not a tag). */
function splitTag(rest: string, fail: (why: string) => never): [string, string | undefined] {
  const colon = rest.lastIndexOf(':');
  if (colon <= rest.lastIndexOf('/')) return [rest, undefined];
  const tag = rest.slice(colon + 1);
  if (!TAG_RE.test(tag)) fail(`bad tag ${JSON.stringify(tag)}`);
  return [rest.slice(0, colon), tag];
}
