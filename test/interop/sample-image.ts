// Sample images for the interop tests: the project's deterministic image builder (src/oci/image-builder.ts)
// writes an image or a multi-arch index into an OCI layout, and skopeo pushes it, so the registry holds exactly
// those bytes (--preserve-digests) written by a third-party client. Seeded (a manifest annotation) so every test
// signs a different digest.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildImage, buildIndex, sampleLayers, type ImageSpec } from '../../src/oci/image-builder.ts';
import { createLayoutRepository } from '../../src/oci/layout/layout-repository.ts';
import { parseLayoutReference } from '../../src/oci/reference.ts';
import { runSkopeo } from '../helpers/peers.ts';

export interface SampleLayout {
  layout: string;
  tag: string;
  digest: string;
  /** Child manifest digests of a multi-arch sample (empty for a single image). */
  children: string[];
}

function spec(seed: string, platform: string): ImageSpec {
  const [os, architecture] = platform.split('/') as [string, string];
  return { layers: sampleLayers(architecture), platform: { os, architecture }, annotations: { 'dev.ocisign.test.seed': seed } };
}

/** Write a sample image (one platform) or index (several) into an OCI layout at `layout`, tagged `tag`. */
export async function writeSampleLayout(layout: string, seed: string, platforms: string[] = ['linux/amd64'], tag = 'v1'): Promise<SampleLayout> {
  const repo = createLayoutRepository(parseLayoutReference(`oci:${layout}`));
  if (platforms.length === 1) {
    const image = await buildImage(repo, spec(seed, platforms[0]!), tag);
    return { layout, tag, digest: image.digest, children: [] };
  }
  const index = await buildIndex(repo, platforms.map((p) => spec(seed, p)), tag);
  return { layout, tag, digest: index.digest, children: index.images.map((i) => i.digest) };
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
