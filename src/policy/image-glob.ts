// Image globs for per-image policy rules, with sigstore policy-controller's semantics (ClusterImagePolicy
// `images: [{glob}]`): `*` matches any run of characters except `/`, `**` any run including `/`; the glob must
// match the whole name; everything else is literal. Names are normalised as docker does (`nginx` →
// `index.docker.io/library/nginx:latest`), and the bare globs `*` and `*/*` mean `index.docker.io/library/*` and
// `index.docker.io/*/*`, as there.
//
// Two additions, both explained in the README: a glob starting with `docker.io/` or `registry-1.docker.io/` is
// read as `index.docker.io/` (policy-controller would silently never match it), and a glob also matches the
// repository name alone (`ghcr.io/acme/app` covers every tag and digest of that repository, where
// policy-controller needs `ghcr.io/acme/app:**` or `ghcr.io/acme/app*`).
import { DOCKER_HUB_REGISTRY } from '../oci/reference.ts';

/** The parts of a normalised registry reference a glob is matched against. */
export interface GlobSubject {
  /** `registry/repository`, normalised (`index.docker.io/library/nginx`). */
  repository: string;
  tag?: string;
  digest?: string;
}

export interface ImageGlob {
  /** As written in the policy. */
  source: string;
  test(subject: GlobSubject): boolean;
}

/** policy-controller's character set, plus `@` so a glob can name a digest. */
const VALID_GLOB = /^[a-zA-Z0-9\-_:/*.@]+$/;

/** Compile a glob; the reason it is invalid as a string. */
export function compileImageGlob(glob: string): ImageGlob | string {
  if (!VALID_GLOB.test(glob)) return `invalid glob ${JSON.stringify(glob)}: only letters, digits and - _ : / . @ * are allowed`;
  const regexp = new RegExp(`^${globToRegExpSource(normaliseGlob(glob))}$`);
  return {
    source: glob,
    test: (s) => regexp.test(s.repository) || regexp.test(fullName(s)),
  };
}

/**
 * go-containerregistry's `Name()`: `repo@digest` when there is a digest (a tag beside it is dropped, as the
 * runtime pulls by digest), else `repo:tag`.
 */
function fullName(s: GlobSubject): string {
  if (s.digest !== undefined) return `${s.repository}@${s.digest}`;
  return s.tag !== undefined ? `${s.repository}:${s.tag}` : s.repository;
}

function normaliseGlob(glob: string): string {
  if (glob === '*') return `${DOCKER_HUB_REGISTRY}/library/*`;
  if (glob === '*/*') return `${DOCKER_HUB_REGISTRY}/*/*`;
  for (const alias of ['docker.io/', 'registry-1.docker.io/']) {
    if (glob.startsWith(alias)) return `${DOCKER_HUB_REGISTRY}/${glob.slice(alias.length)}`;
  }
  return glob;
}

function globToRegExpSource(glob: string): string {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*' && glob[i + 1] === '*') {
      out += '.*';
      i++;
    } else if (c === '*') {
      out += '[^/]*';
    } else {
      out += c.replace(/[.]/g, '\\.');
    }
  }
  return out;
}
