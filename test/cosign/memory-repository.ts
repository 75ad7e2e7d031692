// A test-only in-memory Repository: async with random yields so concurrent writers really interleave,
// plus a hook to corrupt a blob (a fault a real registry won't produce on demand).
import { createHash, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import type { Descriptor, RawManifest } from '../../src/oci/manifest.ts';
import { manifestMediaTypeOf } from '../../src/oci/manifest.ts';
import type { BlobSource, PushReferrerResult, ReferrersListing, Repository } from '../../src/oci/repository.ts';
import { readReferrerManifest } from '../../src/oci/referrers/referrer-descriptor.ts';
import type { Signer, Verifier } from '../../src/sign/signer.ts';

const digestOf = (b: Uint8Array) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const tick = (maxMs: number) => new Promise<void>((r) => setTimeout(r, Math.random() * maxMs));

export class MemoryRepository implements Repository {
  readonly reference = { kind: 'registry', registry: 'mem.test', repository: 'app' } as const;
  readonly displayName = 'mem.test/app';
  readonly blobs = new Map<string, Uint8Array>();
  readonly manifests = new Map<string, RawManifest>();
  readonly tags = new Map<string, string>();
  /** Bytes served instead of the stored ones (a lying registry). */
  readonly tampered = new Map<string, Uint8Array>();
  putManifestCount = 0;
  jitterMs: number;

  constructor(jitterMs = 0) {
    this.jitterMs = jitterMs;
  }

  private async yieldNow(): Promise<void> {
    if (this.jitterMs > 0) await tick(this.jitterMs);
  }

  async resolve(ref: string): Promise<Descriptor | undefined> {
    const m = await this.getManifest(ref);
    return m && { mediaType: m.mediaType, digest: m.digest, size: m.bytes.byteLength };
  }

  async getManifest(ref: string): Promise<RawManifest | undefined> {
    await this.yieldNow();
    const digest = ref.includes(':') ? ref : this.tags.get(ref);
    return digest ? this.manifests.get(digest) : undefined;
  }

  async putManifest(ref: string, manifest: RawManifest): Promise<Descriptor> {
    await this.yieldNow();
    const digest = digestOf(manifest.bytes);
    this.manifests.set(digest, { ...manifest, digest });
    if (!ref.includes(':')) this.tags.set(ref, digest);
    this.putManifestCount++;
    return { mediaType: manifest.mediaType, digest, size: manifest.bytes.byteLength };
  }

  async deleteManifest(digest: string): Promise<void> {
    this.manifests.delete(digest);
  }

  async listTags(): Promise<string[]> {
    return [...this.tags.keys()];
  }

  async hasBlob(digest: string): Promise<boolean> {
    return this.blobs.has(digest);
  }

  async openBlob(digest: string): Promise<AsyncIterable<Uint8Array>> {
    const b = await this.readBlob(digest, Infinity);
    return (async function* () {
      yield b;
    })();
  }

  async readBlob(digest: string, maxBytes: number): Promise<Uint8Array> {
    await this.yieldNow();
    const b = this.tampered.get(digest) ?? this.blobs.get(digest);
    if (!b) throw new Error(`blob ${digest} not found`);
    if (b.byteLength > maxBytes) throw new Error('too large');
    return b;
  }

  async putBlob(d: Pick<Descriptor, 'digest' | 'size'>, source: BlobSource): Promise<void> {
    await this.yieldNow();
    if (!(source instanceof Uint8Array)) throw new Error('memory repository takes bytes only');
    if (digestOf(source) !== d.digest) throw new Error('digest mismatch on upload');
    this.blobs.set(d.digest, source);
  }

  /** Behaves as a registry with the referrers API: every stored manifest whose subject is `digest`. */
  async listReferrers(digest: string): Promise<ReferrersListing> {
    await this.yieldNow();
    const descriptors = [...this.manifests.values()]
      .map((m) => readReferrerManifest(m, m.digest))
      .filter((r) => r.subject?.digest === digest)
      .map((r) => r.descriptor);
    return { via: 'referrers-api', descriptors };
  }

  async pushReferrer(manifest: RawManifest): Promise<PushReferrerResult> {
    await this.putManifest(manifest.digest, manifest);
    return { via: 'referrers-api' };
  }

  /** Store an image manifest (JSON text) under a tag; returns its digest. */
  putJson(tag: string, text: string): string {
    const bytes = new TextEncoder().encode(text);
    const digest = digestOf(bytes);
    this.manifests.set(digest, { bytes, digest, mediaType: manifestMediaTypeOf(bytes) });
    this.tags.set(tag, digest);
    return digest;
  }
}

/** A P-256 signer/verifier pair for tests (the real KeySigner lives in src/sign). */
export function testKeyPair(): { signer: Signer; verifier: Verifier; publicKey: KeyObject } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    publicKey,
    signer: { publicKey, sign: async (data) => new Uint8Array(sign('sha256', data, privateKey)) },
    verifier: { publicKey, verify: (data, sig) => verify('sha256', data, publicKey, sig) },
  };
}

export const SUBJECT = `sha256:${'c'.repeat(64)}`;
