/**
 * Package URL (purl) builders, per package-url/purl-spec (docs/standard/characters-and-encoding.md and
 * types/*-definition.json). Canonical form: every character outside `A-Za-z0-9.-_~` and `:` is
 * percent-encoded (so `+` → `%2B`, `/` inside a qualifier value → `%2F`, `@` in an npm scope → `%40`);
 * the colon is never encoded (e.g. deb epochs `1:2.4.47-2`, OCI digests `sha256:…`); qualifier keys are
 * lower-case and sorted; qualifiers with empty values are dropped.
 */

export interface PurlParts {
  type: string;
  /** Namespace; `/` separates segments, each encoded on its own. */
  namespace?: string;
  name: string;
  version?: string;
  qualifiers?: Record<string, string | undefined>;
  /** Subpath; `/` separates segments. */
  subpath?: string;
}

/** Percent-encode one purl component (anything but `A-Za-z0-9.-_~:`). */
const SAFE = /^[A-Za-z0-9.\-_~:]*$/;
const utf8 = new TextEncoder();

export function encodePurlComponent(value: string): string {
  if (SAFE.test(value)) return value;
  let out = '';
  for (const byte of utf8.encode(value)) {
    const ch = String.fromCharCode(byte);
    out += /[A-Za-z0-9.\-_~:]/.test(ch) ? ch : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

function encodeSegments(value: string): string {
  return value
    .split('/')
    .filter((s) => s !== '' && s !== '.' && s !== '..')
    .map(encodePurlComponent)
    .join('/');
}

/** Format a purl from its parts. The caller applies type-specific normalisation first. */
export function formatPurl(parts: PurlParts): string {
  let purl = `pkg:${parts.type.toLowerCase()}/`;
  if (parts.namespace) purl += `${encodeSegments(parts.namespace)}/`;
  purl += encodePurlComponent(parts.name);
  if (parts.version) purl += `@${encodePurlComponent(parts.version)}`;
  const qualifiers = Object.entries(parts.qualifiers ?? {})
    .filter((e): e is [string, string] => typeof e[1] === 'string' && e[1] !== '')
    .map(([k, v]) => [k.toLowerCase(), v] as const)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  if (qualifiers.length > 0) {
    purl += `?${qualifiers.map(([k, v]) => `${k}=${encodePurlComponent(v)}`).join('&')}`;
  }
  if (parts.subpath) {
    const sub = encodeSegments(parts.subpath);
    if (sub) purl += `#${sub}`;
  }
  return purl;
}

export interface OsPackagePurlInput {
  /** Distro vendor, the os-release ID (e.g. "debian", "ubuntu", "alpine"). Lower-cased. */
  vendor: string;
  name: string;
  version: string;
  arch?: string;
  /** e.g. "debian-12", "alpine-3.20.1". */
  distro?: string;
}

/** `pkg:deb/debian/attr@1:2.4.47-2%2Bb1?arch=amd64&distro=debian-12` — epoch stays in the version. */
export function debPurl(p: OsPackagePurlInput): string {
  return osPackagePurl('deb', p);
}

/** `pkg:apk/alpine/curl@8.9.0-r0?arch=x86_64&distro=alpine-3.20.1`. */
export function apkPurl(p: OsPackagePurlInput): string {
  return osPackagePurl('apk', p);
}

function osPackagePurl(type: 'deb' | 'apk', p: OsPackagePurlInput): string {
  return formatPurl({
    type,
    namespace: p.vendor.toLowerCase(),
    name: p.name.toLowerCase(),
    version: p.version,
    qualifiers: { arch: p.arch, distro: p.distro },
  });
}

export interface RpmPurlInput extends OsPackagePurlInput {
  /** The rpm RELEASE; the purl version is `version-release`. */
  release?: string;
  /** The rpm EPOCH, a qualifier for rpm (unlike deb); omitted when absent or 0 (rpm treats them alike). */
  epoch?: number | string;
}

/** `pkg:rpm/fedora/curl@7.50.3-1.fc25?arch=i386&distro=fedora-25&epoch=1` — name keeps its case. */
export function rpmPurl(p: RpmPurlInput): string {
  const version = p.release ? `${p.version}-${p.release}` : p.version;
  const epoch = p.epoch === undefined || p.epoch === null ? undefined : String(p.epoch);
  return formatPurl({
    type: 'rpm',
    namespace: p.vendor.toLowerCase(),
    name: p.name,
    version,
    qualifiers: { arch: p.arch, distro: p.distro, epoch: epoch === '0' ? undefined : epoch },
  });
}

/** Split an npm package name into scope (with '@') and bare name. */
export function splitNpmName(fullName: string): { namespace?: string; name: string } {
  if (fullName.startsWith('@')) {
    const slash = fullName.indexOf('/');
    if (slash > 1) return { namespace: fullName.slice(0, slash), name: fullName.slice(slash + 1) };
  }
  return { name: fullName };
}

/** `pkg:npm/%40angular/core@17.0.0` — the scope is the namespace; case is kept (npm is case-sensitive). */
export function npmPurl(fullName: string, version: string): string {
  const { namespace, name } = splitNpmName(fullName);
  return formatPurl({ type: 'npm', namespace, name, version });
}

/** PEP 503 normalised project name: lower-case, runs of `-`, `_`, `.` become one `-`. */
export function normalizePypiName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

/** `pkg:pypi/django-rest-framework@3.15.0` with the PEP 503 normalised name. */
export function pypiPurl(name: string, version: string): string {
  return formatPurl({ type: 'pypi', name: normalizePypiName(name), version });
}

/** `pkg:golang/github.com/gorilla/context@v1.1.1` — the module path's last segment is the name. */
export function golangPurl(modulePath: string, version?: string): string {
  const segments = modulePath.split('/').filter((s) => s !== '');
  const name = segments.pop() ?? modulePath;
  return formatPurl({ type: 'golang', namespace: segments.join('/') || undefined, name, version });
}

/** `pkg:maven/org.apache.xmlgraphics/batik-anim@1.9.1` (+ optional `type`, `classifier`). */
export function mavenPurl(
  groupId: string,
  artifactId: string,
  version: string,
  qualifiers: { type?: string; classifier?: string } = {},
): string {
  return formatPurl({ type: 'maven', namespace: groupId, name: artifactId, version, qualifiers });
}

/** `pkg:cargo/rand@0.7.2`. */
export function cargoPurl(name: string, version: string): string {
  return formatPurl({ type: 'cargo', name, version });
}

/** `pkg:composer/laravel/laravel@5.5.0` from the composer name `vendor/package`, lower-cased. */
export function composerPurl(fullName: string, version: string): string {
  const [vendor, ...rest] = fullName.toLowerCase().split('/');
  if (rest.length === 0) return formatPurl({ type: 'composer', name: vendor!, version });
  return formatPurl({ type: 'composer', namespace: vendor, name: rest.join('/'), version });
}

/** `pkg:gem/jruby-launcher@1.1.2?platform=java` (platform omitted for `ruby`). */
export function gemPurl(name: string, version: string, platform?: string): string {
  return formatPurl({
    type: 'gem',
    name,
    version,
    qualifiers: { platform: platform === 'ruby' ? undefined : platform },
  });
}

export interface OciPurlInput {
  /** The last path segment of the repository, lower-cased (e.g. "debian" for docker.io/library/debian). */
  name?: string;
  /** Repository without tag/digest, e.g. "docker.io/library/debian" or "127.0.0.1:5000/app". */
  repository: string;
  /** Manifest digest, `sha256:…`. */
  digest: string;
  tag?: string;
  arch?: string;
}

/** `pkg:oci/debian@sha256:244f…?arch=amd64&repository_url=docker.io%2Flibrary%2Fdebian&tag=latest`. */
export function ociPurl(p: OciPurlInput): string {
  const name = (p.name ?? p.repository.split('/').pop() ?? p.repository).toLowerCase();
  return formatPurl({
    type: 'oci',
    name,
    version: p.digest.toLowerCase(),
    qualifiers: { repository_url: p.repository, tag: p.tag, arch: p.arch },
  });
}
