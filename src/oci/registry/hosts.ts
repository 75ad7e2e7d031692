/**
 * Host rules of the registry backend: which hosts are loopback, which URL schemes a host may use,
 * and which API host serves a reference's registry (Docker Hub).
 */

const DOCKER_HUB_HOSTS = new Set(['index.docker.io', 'docker.io', 'registry-1.docker.io']);

/** The host the registry API is reached at: `index.docker.io` talks to `registry-1.docker.io`. */
export function apiHostFor(registry: string): string {
  return DOCKER_HUB_HOSTS.has(registry) ? 'registry-1.docker.io' : registry;
}

export function isDockerHub(registry: string): boolean {
  return DOCKER_HUB_HOSTS.has(registry);
}

/** `host[:port]` or `[v6]:port` → the bare host name / address (no brackets, no port). */
export function hostnameOf(host: string): string {
  if (host.startsWith('[')) {
    const end = host.indexOf(']');
    return end < 0 ? host : host.slice(1, end);
  }
  const colon = host.lastIndexOf(':');
  return colon >= 0 && host.indexOf(':') === colon ? host.slice(0, colon) : host;
}

/** Docker's rule: `localhost`, 127.0.0.0/8 and ::1 are loopback (checked on the name, no DNS lookup). */
export function isLoopbackHost(host: string): boolean {
  const name = hostnameOf(host).toLowerCase();
  if (name === 'localhost' || name.endsWith('.localhost')) return true;
  if (name === '::1' || name === '0:0:0:0:0:0:0:1') return true;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name);
}

/**
 * The schemes to try for a registry, in order. HTTPS always comes first; plain HTTP is a fallback only
 * for loopback hosts (as docker and crane do) or when the user allowed it (--allow-http-registry).
 */
/**
 * The schemes to try, in order. Loopback registries are tried over plain http first: the traffic never leaves the
 * machine, and a TLS attempt that fails costs a TLS context (~50 ms of CPU) on every CLI run. A TLS registry on
 * loopback answers that http request with 400, and https is tried next. Other hosts with --allow-http-registry
 * keep https first, so a registry that speaks both is never downgraded.
 */
export function schemesFor(host: string, allowHttp: boolean): Array<'https' | 'http'> {
  if (isLoopbackHost(host)) return ['http', 'https'];
  return allowHttp ? ['https', 'http'] : ['https'];
}

/** Origins are compared as scheme + host + port; credentials never cross them. */
export function sameOrigin(a: URL, b: URL): boolean {
  return a.origin === b.origin;
}
