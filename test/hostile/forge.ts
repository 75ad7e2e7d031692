/**
 * Hostile inputs that ocisign itself would never write: signature layers over arbitrary payloads (signed with a
 * real key, so every check before the payload's content passes), images over raw layer blobs, layouts with
 * rewritten index.json.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { appendAttachment } from '../../src/cosign/append.ts';
import { sha256Digest } from '../../src/oci/digest.ts';
import { createLayoutRepository } from '../../src/oci/layout/layout-repository.ts';
import { KeySigner } from '../../src/sign/key-signer.ts';

const enc = new TextEncoder();

/** A `.sig` layer over `payload`, signed with the cosign key file `keyPath` (empty password), with extra annotations. */
export async function signPayload(layout: string, digest: string, keyPath: string, payload: Uint8Array, annotations: Record<string, string> = {}): Promise<void> {
  const signer = await KeySigner.fromEncryptedPem(await readFile(keyPath, 'utf8'), '', keyPath);
  const signature = Buffer.from(await signer.sign(payload)).toString('base64');
  const repo = createLayoutRepository({ kind: 'layout', path: layout });
  await appendAttachment(repo, digest, { payload, mediaType: 'application/vnd.dev.cosign.simplesigning.v1+json', annotations: { 'dev.cosignproject.cosign/signature': signature, ...annotations } }, { kind: 'signature' });
}

/** cosign's payload for `digest` with `optional` as given (raw JSON text). */
export function payloadWithOptional(digest: string, optionalJson: string, dockerReference = 'oci:img'): Uint8Array {
  return enc.encode(`{"critical":{"identity":{"docker-reference":"${dockerReference}"},"image":{"docker-manifest-digest":"${digest}"},"type":"cosign container image signature"},"optional":${optionalJson}}`);
}

/** An image (tag `v1`) in a new layout whose one layer is `blob` as given (corrupt gzip, a hostile tar, …). */
export async function imageWithRawLayer(layout: string, blob: Uint8Array, mediaType = 'application/vnd.oci.image.layer.v1.tar+gzip'): Promise<string> {
  const repo = createLayoutRepository({ kind: 'layout', path: layout });
  const layer = { mediaType, digest: sha256Digest(blob), size: blob.byteLength };
  await repo.putBlob(layer, blob);
  const config = enc.encode(`{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":["${sha256Digest(blob)}"]}}`);
  const configDesc = { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256Digest(config), size: config.byteLength };
  await repo.putBlob(configDesc, config);
  const manifest = enc.encode(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: configDesc, layers: [layer] }));
  const digest = sha256Digest(manifest);
  await repo.putManifest('v1', { bytes: manifest, digest, mediaType: 'application/vnd.oci.image.manifest.v1+json' });
  return digest;
}

/** Replace a layout's index.json with `text`. */
export async function writeIndexJson(layout: string, text: string): Promise<void> {
  await writeFile(join(layout, 'index.json'), text);
}
