// Small deterministic sample images for the interop tests: an OCI layout written by hand (one gzip'd tar layer
// per platform, config, manifest, optionally an index), pushed with skopeo so the registry holds exactly
// these bytes (--preserve-digests). Seeded so every test signs a different digest.
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { runSkopeo } from '../helpers/peers.ts';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';

interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: { architecture: string; os: string };
  annotations?: Record<string, string>;
}

function sha256(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, '0') + '\0';
}

/** One regular file as a ustar archive (header, data padded to 512, two zero blocks). */
export function tarOneFile(name: string, data: Buffer): Buffer {
  const header = Buffer.alloc(512);
  header.write(name, 0, 100, 'utf8');
  header.write(octal(0o644, 8), 100, 'ascii');
  header.write(octal(0, 8), 108, 'ascii');
  header.write(octal(0, 8), 116, 'ascii');
  header.write(octal(data.length, 12), 124, 'ascii');
  header.write(octal(0, 12), 136, 'ascii');
  header.write('        ', 148, 'ascii');
  header.write('0', 156, 'ascii');
  header.write('ustar\0' + '00', 257, 'ascii');
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(octal(sum, 7) + ' ', 148, 'ascii');
  const padded = Buffer.alloc(Math.ceil(data.length / 512) * 512);
  data.copy(padded);
  return Buffer.concat([header, padded, Buffer.alloc(1024)]);
}

async function putBlob(layout: string, bytes: Buffer): Promise<string> {
  const digest = sha256(bytes);
  await writeFile(join(layout, 'blobs', 'sha256', digest.slice(7)), bytes);
  return digest;
}

async function writePlatformManifest(layout: string, seed: string, platform: string): Promise<Descriptor> {
  const [os, architecture] = platform.split('/') as [string, string];
  const tar = tarOneFile('hello.txt', Buffer.from(`ocisign interop sample ${seed} ${platform}\n`));
  const layer = gzipSync(tar, { level: 9 });
  const config = Buffer.from(
    JSON.stringify({ architecture, os, config: {}, rootfs: { type: 'layers', diff_ids: [sha256(tar)] } }),
  );
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: await putBlob(layout, config), size: config.length },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: await putBlob(layout, layer), size: layer.length }],
    }),
  );
  return { mediaType: OCI_MANIFEST, digest: await putBlob(layout, manifest), size: manifest.length, platform: { architecture, os } };
}

export interface SampleLayout {
  layout: string;
  tag: string;
  digest: string;
  /** Child manifest digests of a multi-arch sample (empty for a single image). */
  children: string[];
}

/** Write a sample image (one platform) or index (several) into an OCI layout at `layout`, tagged `tag`. */
export async function writeSampleLayout(layout: string, seed: string, platforms: string[] = ['linux/amd64'], tag = 'v1'): Promise<SampleLayout> {
  await mkdir(join(layout, 'blobs', 'sha256'), { recursive: true });
  await writeFile(join(layout, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  const children: Descriptor[] = [];
  for (const platform of platforms) children.push(await writePlatformManifest(layout, seed, platform));
  let top: Descriptor;
  if (children.length === 1) {
    const { platform: _unused, ...single } = children[0]!;
    top = single;
  } else {
    const index = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: children }));
    top = { mediaType: OCI_INDEX, digest: await putBlob(layout, index), size: index.length };
  }
  const entry = { ...top, annotations: { 'org.opencontainers.image.ref.name': tag } };
  await writeFile(join(layout, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [entry] }));
  return { layout, tag, digest: top.digest, children: children.length > 1 ? children.map((c) => c.digest) : [] };
}

export interface PushTarget {
  /** host:port of the registry. */
  host: string;
  /** Extra skopeo copy flags for the destination, e.g. --dest-tls-verify=false or --dest-cert-dir. */
  destFlags: string[];
}

/** Push a sample layout to docker://HOST/REPO:TAG keeping every digest; returns the pushed digest. */
export async function pushSample(sample: SampleLayout, target: PushTarget, repository: string, scratch: string): Promise<string> {
  const digestFile = join(scratch, `digest-${Date.now()}-${Math.random().toString(16).slice(2)}`);
  const result = await runSkopeo([
    'copy', '--all', '--preserve-digests', '--digestfile', digestFile, ...target.destFlags,
    `oci:${sample.layout}:${sample.tag}`, `docker://${target.host}/${repository}:${sample.tag}`,
  ]);
  if (result.code !== 0) throw new Error(`skopeo copy of the sample to ${target.host}/${repository} failed: ${result.stderr.trim()}`);
  const digest = (await readFile(digestFile, 'utf8')).trim();
  if (digest !== sample.digest) throw new Error(`pushed digest ${digest} differs from the layout's ${sample.digest}`);
  return digest;
}
