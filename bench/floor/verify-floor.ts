/**
 * The least a Node program can do for `verify --key K --insecure-ignore-tlog REPO@DIGEST…` on a plain-HTTP
 * registry, reading both places signatures live as ocisign must: the same undici parts as ocisign, the same
 * requests (HEAD the image, GET its `.sig`, GET its referrers — or the `sha256-<hex>` tag where the registry has
 * no referrers API, the API not asked again once it answered that it has no such route — then each referrer
 * manifest and its bundle blob), the `.sig` payload cosign writes recognised by its digest, one ECDSA check per
 * signature (over the payload, or a bundle's DSSE PAE) and the statement subject check. No CLI parsing, no auth,
 * no limits, no error reporting, no Sigstore library: a lower bound for ocisign, bundled and run the way the CLI
 * is (bench/floor/build.ts).
 * Built twice: with undici (as ocisign), and with node:http (keep-alive Agent, 8 sockets) in its place — the same
 * requests through Node's own HTTP client, whose parser is native, not WebAssembly: the floor for a Node program
 * that would change HTTP clients (bench/floor/build.ts, FLOOR_TRANSPORT).
 * Usage: node verify-floor.mjs KEY.pub HOST/REPO@sha256:… …
 */
import { createHash, createPublicKey, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';

const [keyFile, ...refs] = process.argv.slice(2);
const key = createPublicKey(readFileSync(keyFile!));
// replaced at build time (bench/floor/build.ts): only the chosen transport is bundled
const transport = process.env.FLOOR_TRANSPORT === 'node-http' ? await import('./transport-node-http.ts') : await import('./transport-undici.ts');
const MANIFESTS = 'application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json';
const SIGN_PREDICATE = 'https://sigstore.dev/cosign/sign/v1';

// as ocisign: once the registry answered that it has no referrers route (a text/plain 404), later images skip the API
let noReferrersRoute = false;

async function get(url: string, method: 'GET' | 'HEAD' = 'GET'): Promise<Buffer | undefined> {
  const res = await transport.send(url, method, { accept: MANIFESTS });
  const body = res.body;
  if (res.statusCode === 404) {
    if (url.includes('/referrers/') && String(res.contentType).startsWith('text/plain')) noReferrersRoute = true;
    return undefined;
  }
  if (res.statusCode !== 200) throw new Error(`${method} ${url}: ${res.statusCode}`);
  return body;
}

function pae(type: string, payload: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`DSSEv1 ${Buffer.byteLength(type)} ${type} ${payload.length} `), payload]);
}

async function legacySignatures(repository: string, base: string, digest: string): Promise<string[]> {
  const sig = await get(`${base}/manifests/${digest.replace(':', '-')}.sig`);
  if (!sig) return [];
  const payload = Buffer.from(
    `{"critical":{"identity":{"docker-reference":"${repository}"},"image":{"docker-manifest-digest":"${digest}"},"type":"cosign container image signature"},"optional":null}`,
  );
  const expected = `sha256:${createHash('sha256').update(payload).digest('hex')}`;
  const layers = (JSON.parse(sig.toString('utf8')) as { layers: { digest: string; annotations: Record<string, string> }[] }).layers;
  return layers
    .filter((l) => l.digest === expected && verify('sha256', payload, key, Buffer.from(l.annotations['dev.cosignproject.cosign/signature']!, 'base64')))
    .map(() => payload.toString('utf8'));
}

async function bundleSignatures(base: string, digest: string): Promise<string[]> {
  const listing = (noReferrersRoute ? undefined : await get(`${base}/referrers/${digest}`)) ?? (await get(`${base}/manifests/${digest.replace(':', '-')}`));
  if (!listing) return [];
  const referrers = (JSON.parse(listing.toString('utf8')) as { manifests: { digest: string }[] }).manifests;
  const found = await Promise.all(referrers.map(async (r) => {
    const manifest = JSON.parse((await get(`${base}/manifests/${r.digest}`))!.toString('utf8')) as { layers: { mediaType: string; digest: string }[] };
    const layer = manifest.layers.length === 1 && manifest.layers[0]!.mediaType.startsWith('application/vnd.dev.sigstore.bundle') ? manifest.layers[0]! : undefined;
    if (!layer) return [];
    const bundle = JSON.parse((await get(`${base}/blobs/${layer.digest}`))!.toString('utf8')) as { dsseEnvelope: { payload: string; payloadType: string; signatures: { sig: string }[] } };
    const env = bundle.dsseEnvelope;
    const payload = Buffer.from(env.payload, 'base64');
    const statement = JSON.parse(payload.toString('utf8')) as { predicateType: string; subject: { digest: { sha256: string } }[] };
    const ok = statement.predicateType === SIGN_PREDICATE && statement.subject.some((s) => `sha256:${s.digest.sha256}` === digest)
      && verify('sha256', pae(env.payloadType, payload), key, Buffer.from(env.signatures[0]!.sig, 'base64'));
    return ok ? [payload.toString('utf8')] : [];
  }));
  return found.flat();
}

async function verifyOne(ref: string): Promise<string> {
  const at = ref.indexOf('@');
  const repository = ref.slice(0, at);
  const digest = ref.slice(at + 1);
  const slash = repository.indexOf('/');
  const base = `http://${repository.slice(0, slash)}/v2/${repository.slice(slash + 1)}`;
  const [, legacy, bundles] = await Promise.all([get(`${base}/manifests/${digest}`, 'HEAD'), legacySignatures(repository, base, digest), bundleSignatures(base, digest)]);
  const verified = [...legacy, ...bundles];
  if (verified.length === 0) throw new Error(`${ref}: no matching signatures`);
  return `[${verified.join(',')}]`;
}

let next = 0;
const out: string[] = new Array(refs.length);
await Promise.all(
  Array.from({ length: Math.min(8, refs.length) }, async () => {
    while (next < refs.length) {
      const i = next++;
      out[i] = await verifyOne(refs[i]!);
    }
  }),
);
process.stdout.write(`${out.join('\n')}\n`);
await transport.close();
