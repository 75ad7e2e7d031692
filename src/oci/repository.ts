import { OcisignError } from '../core/errors.ts';
import type { Descriptor, RawManifest } from './manifest.ts';
import type { Reference } from './reference.ts';
import type { ListReferrersOptions, PushReferrerOptions, PushReferrerResult, ReferrersListing } from './referrers/types.ts';

export type { ListReferrersOptions, PushReferrerOptions, PushReferrerResult, ReferrersListing, ReferrersVia } from './referrers/types.ts';

/** Bytes to upload: in memory, or a factory for a fresh stream (called again on retry). */
export type BlobSource = Uint8Array | (() => AsyncIterable<Uint8Array>);

export interface PutBlobOptions {
  /**
   * The caller made these bytes just now (a new signature, a new bundle): upload without first asking whether the
   * registry has them, one round trip fewer. An upload of a blob that is there already is harmless.
   */
  fresh?: boolean;
}

export interface PutManifestOptions {
  ifTagIs?: string | null;
}

/** putManifest with `ifTagIs` found the tag naming another manifest: nothing was written. */
export class TagMovedError extends OcisignError {
  constructor(what: string, found: string | null) {
    super('IO', `${what}: the tag was moved by another writer (now ${found ?? 'absent'})`);
  }
}

/**
 * One OCI repository, in a registry or in an OCI image layout. Both backends behave the same:
 * tags (including `sha256-<hex>.sig/.att/.sbom`) name manifests; blobs are content-addressed.
 * `ref` arguments are a tag or a digest.
 */
export interface Repository {
  /** The reference this repository was opened for, without tag or digest. */
  readonly reference: Reference;
  /** `registry/repository` or `oci:DIR`; used in messages. */
  readonly displayName: string;

  /** HEAD (registry) or index lookup (layout). `undefined` when the tag/digest does not exist. */
  resolve(ref: string): Promise<Descriptor | undefined>;
  /** The manifest bytes, checked against the digest (the requested one, or Docker-Content-Digest). `undefined` on 404. */
  getManifest(ref: string): Promise<RawManifest | undefined>;
  /**
   * Store manifest bytes under a tag or under its digest. Blobs it names must already be present. With
   * `ifTagIs`, a backend that can compare and swap (an OCI layout, under its index lock) writes only if the tag
   * still names that digest (`null`: the tag is absent), else throws TagMovedError; a registry cannot, and
   * writes regardless (callers read back, see cosign/append.ts).
   */
  putManifest(ref: string, manifest: RawManifest, options?: PutManifestOptions): Promise<Descriptor>;
  /** DELETE by digest. */
  deleteManifest(digest: string): Promise<void>;
  /** Tags in this repository (all pages). An absent repository has none. */
  listTags(): Promise<string[]>;

  hasBlob(digest: string): Promise<boolean>;
  /**
   * Stream a blob; the digest (and size, when `size` is given) are checked while reading and the stream
   * errors on a mismatch before its end, so a consumer that commits only on a clean end never keeps bad bytes.
   */
  openBlob(digest: string, size?: number): Promise<AsyncIterable<Uint8Array>>;
  /** Read a whole blob into memory, refusing more than `maxBytes`; verified before it is returned. */
  readBlob(digest: string, maxBytes: number): Promise<Uint8Array>;
  /** Upload a blob unless present. `from` names a repository on the same registry to mount from. */
  putBlob(descriptor: Pick<Descriptor, 'digest' | 'size'>, source: BlobSource, from?: Repository, options?: PutBlobOptions): Promise<void>;

  /**
   * The OCI 1.1 referrers of `digest` (see ReferrersListing): a registry's referrers API, else its
   * `sha256-<hex>` fallback index; in a layout, the manifests in index.json whose subject is `digest`.
   * "None" is an empty list; a failure to list (500, auth, reset, a malformed answer) throws, never [].
   */
  listReferrers(digest: string, options?: ListReferrersOptions): Promise<ReferrersListing>;
  /**
   * Store a referrer manifest (it names `subject`; its config and layers already pushed) by digest and make
   * it findable by listReferrers: the registry's API keeps it, else it is appended to the fallback index
   * without dropping anyone else's entry; in a layout it is listed in index.json.
   */
  pushReferrer(manifest: RawManifest, subject: Descriptor, options?: PushReferrerOptions): Promise<PushReferrerResult>;
  /**
   * A referrer of `subjectDigest` is about to be pushed (its blobs are uploading): start the reads pushReferrer
   * will need and that do not depend on it (a registry: whether it has the referrers API). Optional; never throws.
   */
  prepareReferrer?(subjectDigest: string): void;
}
