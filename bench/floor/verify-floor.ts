/**
 * The least a Node program can do for `verify --key K --insecure-ignore-tlog REPO@DIGEST…` on a plain-HTTP
 * registry: the same undici parts as ocisign, the same requests (HEAD the image, GET its `.sig`), the payload
 * cosign writes recognised by its digest, one ECDSA check per signature. No CLI parsing, no auth, no limits,
 * no error reporting: a lower bound for ocisign, bundled and run the way the CLI is (bench/floor/build.ts).
 * Usage: node verify-floor.mjs KEY.pub HOST/REPO@sha256:… …
 */
import { createHash, createPublicKey, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Agent, request } from '../../src/oci/registry/undici.ts';

const [keyFile, ...refs] = process.argv.slice(2);
const key = createPublicKey(readFileSync(keyFile!));
const dispatcher = new Agent({ connections: 8 });
// as ocisign's CLI (src/cli/dispatcher.ts): no background tier-up of undici's WebAssembly parser
process.getBuiltinModule('node:v8').setFlagsFromString('--wasm-tiering-budget=1000000000');
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

async function get(url: string, method: 'GET' | 'HEAD'): Promise<Buffer> {
  const res = await request(url, { dispatcher, method, headers: { accept: OCI_MANIFEST } });
  const body = Buffer.from(await res.body.arrayBuffer());
  if (res.statusCode !== 200) throw new Error(`${method} ${url}: ${res.statusCode}`);
  return body;
}

async function verifyOne(ref: string): Promise<string> {
  const at = ref.indexOf('@');
  const repository = ref.slice(0, at);
  const digest = ref.slice(at + 1);
  const slash = repository.indexOf('/');
  const base = `http://${repository.slice(0, slash)}/v2/${repository.slice(slash + 1)}`;
  const [, sig] = await Promise.all([get(`${base}/manifests/${digest}`, 'HEAD'), get(`${base}/manifests/${digest.replace(':', '-')}.sig`, 'GET')]);
  const payload = Buffer.from(
    `{"critical":{"identity":{"docker-reference":"${repository}"},"image":{"docker-manifest-digest":"${digest}"},"type":"cosign container image signature"},"optional":null}`,
  );
  const expected = `sha256:${createHash('sha256').update(payload).digest('hex')}`;
  const layers = (JSON.parse(sig.toString('utf8')) as { layers: { digest: string; annotations: Record<string, string> }[] }).layers;
  const verified = layers.filter(
    (l) => l.digest === expected && verify('sha256', payload, key, Buffer.from(l.annotations['dev.cosignproject.cosign/signature']!, 'base64')),
  );
  if (verified.length === 0) throw new Error(`${ref}: no matching signatures`);
  return `[${verified.map(() => payload.toString('utf8')).join(',')}]`;
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
await dispatcher.close();
