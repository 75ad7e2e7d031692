/**
 * The least a Node program can do for `sign --key K --tlog-upload=false REPO@DIGEST` storing cosign 3's bundle
 * referrer on a plain-HTTP registry without the referrers API, with the guarantees ocisign keeps: the key's scrypt
 * started first (before any HTTP code loads) and overlapped with the image HEAD, the referrers probe, the empty
 * config's HEAD and opening the bundle's upload session; then the secretbox, one ECDSA signature over the DSSE
 * PAE, the bundle blob PUT, the referrer manifest PUT (the probe beside it), then the fallback index read, merged
 * and written, read back, and after a settle pause (twice the read-to-write window plus jitter, as
 * src/oci/referrers/update-fallback.ts) read once more. The same undici
 * parts as ocisign. No CLI parsing, no auth, no limits, no error reporting: a lower bound for ocisign, bundled
 * and run the way the CLI is (bench/floor/build.ts).
 * Usage: COSIGN_PASSWORD=… node sign-floor.mjs KEY HOST/REPO@sha256:… [--no-settle]
 * (--no-settle: without the pause and second read-back, as cosign 3 writes; to show what the pause costs.)
 */
import { createHash, createPrivateKey, scrypt, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';

const [keyFile, ref, flag] = process.argv.slice(2) as [string, string, string | undefined];
const pem = readFileSync(keyFile, 'utf8');
const envelope = JSON.parse(Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64').toString('utf8'));
const derived = new Promise<Buffer>((resolve, reject) =>
  scrypt(Buffer.from(process.env.COSIGN_PASSWORD ?? ''), Buffer.from(envelope.kdf.salt, 'base64'), 32, { N: envelope.kdf.params.N, r: 8, p: 1, maxmem: 256 * 1024 * 1024 }, (e, k) => (e ? reject(e) : resolve(k))),
);

const { Agent, request } = await import('../../src/oci/registry/undici.ts');
const dispatcher = new Agent({ connections: 8 });
process.getBuiltinModule('node:v8').setFlagsFromString('--wasm-tiering-budget=1000000000');
const at = ref.indexOf('@');
const slash = ref.indexOf('/');
const host = ref.slice(0, slash);
const repository = ref.slice(slash + 1, at);
const digest = ref.slice(at + 1);
const base = `http://${host}/v2/${repository}`;
const MANIFESTS = 'application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json';
const INDEX = 'application/vnd.oci.image.index.v1+json';
const BUNDLE = 'application/vnd.dev.sigstore.bundle.v0.3+json';
const EMPTY = Buffer.from('{}');
const sha256 = (b: Uint8Array) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

async function send(method: 'GET' | 'HEAD' | 'PUT' | 'POST', url: string, headers: Record<string, string> = {}, body?: Uint8Array) {
  const res = await request(url, { dispatcher, method, headers, ...(body ? { body } : {}) });
  const bytes = Buffer.from(await res.body.arrayBuffer());
  return { status: res.statusCode, headers: res.headers, bytes };
}

// Everything that does not need the signature, while scrypt runs.
const image = send('HEAD', `${base}/manifests/${digest}`, { accept: MANIFESTS });
const probe = send('GET', `${base}/referrers/${digest}`, { accept: INDEX });
const configHead = send('HEAD', `${base}/blobs/${sha256(EMPTY)}`);
const session = send('POST', `${base}/blobs/uploads/`);
const [key, head] = await Promise.all([derived, image]);
const { xsalsa20poly1305 } = await import('@noble/ciphers/salsa.js');
const der = xsalsa20poly1305(key, Buffer.from(envelope.cipher.nonce, 'base64')).decrypt(Buffer.from(envelope.ciphertext, 'base64'));
const privateKey = createPrivateKey({ key: Buffer.from(der), format: 'der', type: 'pkcs8' });

const statement = Buffer.from(JSON.stringify({
  _type: 'https://in-toto.io/Statement/v1',
  subject: [{ name: '', digest: { sha256: digest.slice('sha256:'.length) }, annotations: {} }],
  predicateType: 'https://sigstore.dev/cosign/sign/v1',
  predicate: {},
}));
const payloadType = 'application/vnd.in-toto+json';
const pae = Buffer.concat([Buffer.from(`DSSEv1 ${payloadType.length} ${payloadType} ${statement.length} `), statement]);
const signature = sign('sha256', pae, privateKey);
const bundle = Buffer.from(JSON.stringify({
  mediaType: BUNDLE,
  verificationMaterial: { publicKey: { hint: '' }, tlogEntries: [] },
  dsseEnvelope: { payload: statement.toString('base64'), payloadType, signatures: [{ sig: signature.toString('base64'), keyid: '' }] },
}));

const opened = await session;
const upload = new URL(String(opened.headers.location), base);
upload.searchParams.set('digest', sha256(bundle));
const subject = { mediaType: String(head.headers['content-type']), digest, size: Number(head.headers['content-length']) };
const [put] = await Promise.all([
  send('PUT', upload.href, { 'content-type': 'application/octet-stream' }, bundle),
  (await configHead).status === 200 ? undefined : send('POST', `${base}/blobs/uploads/?digest=${sha256(EMPTY)}`, { 'content-type': 'application/octet-stream' }, EMPTY),
]);
if (put.status !== 201) throw new Error(`bundle blob: ${put.status}`);
const manifest = Buffer.from(JSON.stringify({
  schemaVersion: 2,
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  artifactType: BUNDLE,
  config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: sha256(EMPTY), size: 2 },
  layers: [{ mediaType: BUNDLE, digest: sha256(bundle), size: bundle.length }],
  subject,
  annotations: { 'dev.sigstore.bundle.content': 'dsse-envelope', 'dev.sigstore.bundle.predicateType': 'https://sigstore.dev/cosign/sign/v1', 'org.opencontainers.image.created': new Date().toISOString().replace(/\.\d{3}Z$/, 'Z') },
}));
const tag = `${base}/manifests/${digest.replace(':', '-')}`;
const [stored] = await Promise.all([
  send('PUT', `${base}/manifests/${sha256(manifest)}`, { 'content-type': 'application/vnd.oci.image.manifest.v1+json' }, manifest),
  probe,
]);
if (stored.status !== 201) throw new Error(`manifest: ${stored.status}`);
const readAt = performance.now();
const current = await send('GET', tag, { accept: MANIFESTS });
const entry = { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: sha256(manifest), size: manifest.length, artifactType: BUNDLE, annotations: { 'dev.sigstore.bundle.content': 'dsse-envelope', 'dev.sigstore.bundle.predicateType': 'https://sigstore.dev/cosign/sign/v1' } };
const listed = current.status === 200 ? (JSON.parse(current.bytes.toString('utf8')).manifests as object[]) : [];
const index = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: INDEX, manifests: [...listed, entry] }));
const written = await send('PUT', tag, { 'content-type': INDEX }, index);
if (written.status !== 201) throw new Error(`index: ${written.status}`);
const windowMs = performance.now() - readAt;
const hasEntry = async () => (await send('GET', tag, { accept: MANIFESTS })).bytes.toString('utf8').includes(entry.digest);
if (!(await hasEntry())) throw new Error('read-back: entry missing');
if (flag !== '--no-settle') {
  const settle = Math.min(2000, Math.max(15, 2 * windowMs));
  await new Promise((r) => setTimeout(r, settle + Math.random() * settle));
  if (!(await hasEntry())) throw new Error('settled read-back: entry missing');
}
await dispatcher.close();
