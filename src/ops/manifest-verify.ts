/**
 * `manifest verify`: the deploy gate. Find every image the manifests run, resolve each distinct reference to a
 * digest once and verify that digest — concurrently, bounded — with the same rules as `verify` (verifyImage
 * resolves and verifies in one go), or against a policy file (resolved first, then each distinct (repository,
 * digest, rule) verified once), and report every image. With `pin`, and only when every image
 * passed, return the manifests with each image rewritten to the digest that was verified.
 *
 * Failures of single images are values in the report (the others are still verified and reported); input that
 * cannot be read or parsed throws (BAD_INPUT, exit 3) before any request.
 */
import { mapLimit } from '../cosign/map-limit.ts';
import { OcisignError, withContext } from '../core/errors.ts';
import {
  DEFAULT_MANIFEST_LIMITS, expandInputs, type ManifestInput, type ManifestLimits,
} from '../manifests/inputs.ts';
import type { ImageSite } from '../manifests/find-images.ts';
import { joinStream, pinnedReference, pinText } from '../manifests/pin.ts';
import { scanManifest, type FileScan } from '../manifests/scan.ts';
import { openRepository, type OpenOptions } from '../oci/open.ts';
import { formatReference, parseRegistryReference, repositoryName, type RegistryReference } from '../oci/reference.ts';
import type { Repository } from '../oci/repository.ts';
import type { GlobSubject } from '../policy/image-glob.ts';
import type { Verifier } from '../sign/signer.ts';
import type { PolicyVerifyOptions } from './policy.ts';
import { resolveTarget } from './resolve-target.ts';
import { verifyImage, type VerifyOptions } from './verify.ts';

export type { ManifestInput, ManifestLimits } from '../manifests/inputs.ts';

/** Verify with keys or identities, exactly as `verify`. */
export interface ManifestKeyVerification {
  verify: VerifyOptions;
}

/** Verify against a policy file (`loadPolicyWithKeys`), per-image rules included. */
export interface ManifestPolicyVerification {
  policy: PolicyVerifyOptions & { policyVerifiers: readonly Verifier[] };
}

export interface VerifyManifestsOptions {
  /** Files, directories (searched recursively for `*.yaml`, `*.yml`, `*.json`), `-` for `stdin`, or text. */
  inputs: readonly ManifestInput[];
  /** What `-` reads. */
  stdin?: AsyncIterable<Uint8Array>;
  trust: ManifestKeyVerification | ManifestPolicyVerification;
  /** How to reach registries (default: `openRepository(ref, client)`). */
  open?: (ref: RegistryReference) => Repository | Promise<Repository>;
  client?: OpenOptions;
  /** Read signatures and attestations from this repository instead of each image's (COSIGN_REPOSITORY). */
  signatureRepository?: string;
  /** References resolved and verified at once (default 16). */
  maxWorkers?: number;
  /** Return the manifests with every image pinned to the digest verified (only when every image passed). */
  pin?: boolean;
  limits?: Partial<ManifestLimits> & { maxAliasCount?: number };
}

/** One image as written in the manifests. */
export interface ManifestImageResult {
  /** As written. */
  image: string;
  /** The digest verified (or resolved, when verification failed after resolving). */
  digest?: string;
  verified: boolean;
  /** No `images:` rule matched and the policy says `noMatchPolicy: allow`: resolved and pinned, not verified. */
  allowed?: true;
  /** The policy's `images:` rule that applied. */
  rule?: string;
  error?: string;
  /** The failure's exit code (README table). */
  exitCode?: number;
  /** Extra lines of the failure, e.g. why each signature was rejected. */
  details?: string[];
  /** Files that use the image, in input order. */
  files: string[];
}

export interface ManifestReport {
  images: ManifestImageResult[];
  documents: {
    files: number;
    /** Kubernetes objects and Compose files read (List items one by one). */
    resources: number;
    withImages: number;
    /** Resources skipped by kind: their images, if any, were not searched. */
    skipped: Record<string, number>;
    /** Compose services built on the spot (`build:` without `image:`). */
    builtLocally: number;
  };
  /** Every image verified (or allowed unverified by the policy). */
  ok: boolean;
  /** 0, or the highest exit code among the failed images (see README, "manifest verify"). */
  exitCode: number;
  /** With `pin` and `ok`: each input rewritten, in input order, and `stream`, all of them as one YAML stream. */
  pinned?: { files: { file: string; text: string }[]; stream: string };
}

interface Written {
  result: ManifestImageResult;
  sites: ImageSite[];
  ref?: RegistryReference;
}

interface Outcome {
  digest?: string;
  verified: boolean;
  allowed?: true;
  rule?: string;
  error?: OcisignError;
}

export async function verifyManifests(options: VerifyManifestsOptions): Promise<ManifestReport> {
  const limits = { ...DEFAULT_MANIFEST_LIMITS, ...options.limits };
  const sources = await expandInputs(options.inputs, { ...(options.stdin ? { stdin: options.stdin } : {}), limits });
  const scans: FileScan[] = [];
  const texts: string[] = []; // kept only to pin
  for (const source of sources) {
    const text = await source.read();
    scans.push(scanManifest(source.name, text, { maxAliasCount: limits.maxAliasCount }));
    if (options.pin) texts.push(text);
  }
  const written = collectImages(scans);
  await verifyAll([...written.values()], options);
  const images = [...written.values()].map((w) => ordered(w.result));
  const failures = images.filter((i) => !i.verified && !i.allowed);
  const report: ManifestReport = {
    images,
    documents: tallyDocuments(scans),
    ok: failures.length === 0,
    exitCode: failures.reduce((worst, f) => Math.max(worst, f.exitCode ?? 1), 0),
  };
  if (options.pin && report.ok) report.pinned = pinAll(scans, texts, written, limits.maxAliasCount);
  return report;
}

/** Group the sites by the image string as written, in order of first appearance. */
function collectImages(scans: readonly FileScan[]): Map<string, Written> {
  const written = new Map<string, Written>();
  for (const scan of scans) {
    for (const site of scan.sites) {
      let w = written.get(site.image);
      if (!w) {
        w = { result: { image: site.image, verified: false, files: [] }, sites: [] };
        written.set(site.image, w);
      }
      w.sites.push(site);
      if (!w.result.files.includes(site.file)) w.result.files.push(site.file);
    }
  }
  return written;
}

/**
 * Resolve and verify each distinct normalised reference once (`nginx` and `docker.io/library/nginx:latest` are
 * one); with a policy, tags that name the same digest under the same rule also share one verification.
 */
async function verifyAll(written: readonly Written[], options: VerifyManifestsOptions): Promise<void> {
  const byReference = new Map<string, Written[]>();
  for (const w of written) {
    try {
      w.ref = parseRegistryReference(w.result.image);
    } catch (err) {
      const at = `${w.sites[0]!.file}:${w.sites[0]!.line}`;
      const error = err instanceof OcisignError ? new OcisignError(err.code, `${err.message} (${at})`, { cause: err }) : withContext(at, err);
      apply([w], { verified: false, error });
      continue;
    }
    // with a digest the runtime ignores the tag: `app:1.0@sha256:x` and `app@sha256:x` are one image
    const key = w.ref.digest ? `${repositoryName(w.ref)}@${w.ref.digest}` : formatReference(w.ref);
    const group = byReference.get(key);
    if (group) group.push(w);
    else byReference.set(key, [w]);
  }
  const repositories = new Map<string, Promise<Repository>>();
  const open = (ref: RegistryReference): Promise<Repository> => {
    const name = repositoryName(ref);
    let repo = repositories.get(name);
    if (!repo) {
      const opener = options.open ?? ((r: RegistryReference) => openRepository(r, options.client));
      repo = Promise.resolve().then(() => opener({ kind: 'registry', registry: ref.registry, repository: ref.repository }));
      repositories.set(name, repo);
    }
    return repo;
  };
  const signatures = options.signatureRepository === undefined ? undefined : open(parseRegistryReference(options.signatureRepository));
  signatures?.catch(() => {}); // awaited (and reported) by each image; with no images nobody awaits it
  const verifications = new Map<string, Promise<Outcome>>();
  const once = (key: string, run: () => Promise<Outcome>): Promise<Outcome> => {
    let p = verifications.get(key);
    if (!p) verifications.set(key, (p = run()));
    return p;
  };
  await mapLimit([...byReference.values()], Math.max(1, options.maxWorkers ?? 16), async (group) => {
    apply(group, await verifyReference(group[0]!.ref!, open, signatures, once, options.trust));
  });
}

async function verifyReference(
  ref: RegistryReference,
  open: (ref: RegistryReference) => Promise<Repository>,
  signatures: Promise<Repository> | undefined,
  once: (key: string, run: () => Promise<Outcome>) => Promise<Outcome>,
  trust: VerifyManifestsOptions['trust'],
): Promise<Outcome> {
  const name = formatReference(ref);
  const repository = repositoryName(ref);
  let digest: string | undefined = ref.digest;
  let rule: string | undefined;
  try {
    const image = await open(ref);
    const sigRepo = signatures ? await signatures : undefined;
    if ('verify' in trust) {
      // verifyImage resolves a tag once and verifies the digest it resolved (two requests per image); the
      // recorder keeps that digest for the report when verification then fails
      const lookup = ref.digest ?? ref.tag ?? 'latest';
      const recorded = recordResolve(image, lookup);
      try {
        const verified = await verifyImage({ image: recorded.repository, ref: lookup, name, dockerReference: repository, ...(sigRepo ? { signatures: sigRepo } : {}) }, trust.verify);
        return { digest: verified.digest, verified: true };
      } finally {
        digest ??= recorded.digest();
      }
    }
    // a policy may check signatures and then attestations: resolve first, so both are checked on one digest
    digest ??= (await resolveTarget({ image, ref: ref.tag ?? 'latest', name })).digest;
    const pinnedName = `${repository}@${digest}`;
    const policy = trust.policy;
    const subject: GlobSubject = { repository, ...(ref.tag !== undefined ? { tag: ref.tag } : {}), ...(ref.digest !== undefined ? { digest: ref.digest } : {}) };
    // loaded only with a policy: its CEL evaluator and identity checks cost start-up that key-based runs do not need
    const { choosePolicy, verifyChosenPolicy } = await import('./policy.ts');
    const chosen = await choosePolicy(policy.policy, policy.policyVerifiers, subject);
    if (chosen.kind === 'denied') return { digest, verified: false, error: new OcisignError('POLICY_VIOLATION', chosen.reason) };
    if (chosen.kind === 'allowed') return { digest, verified: false, allowed: true };
    rule = chosen.rule?.name;
    return await once(`${pinnedName}#${rule ?? ''}`, async () => {
      await verifyChosenPolicy(
        { image, ref: digest!, name: pinnedName, dockerReference: repository, ...(sigRepo ? { attachments: sigRepo } : {}) },
        { ...policy, policy: chosen.policy, policyVerifiers: chosen.policyVerifiers },
        chosen.rule,
      );
      return { digest, verified: true, ...(rule ? { rule } : {}) };
    });
  } catch (err) {
    const error = err instanceof OcisignError ? err : withContext(`verifying ${name}`, err);
    const prefixes = [`resolving ${name}: `, `verifying ${name}: `, ...(digest ? [`verifying ${repository}@${digest}: `] : [])];
    return { ...(digest ? { digest } : {}), verified: false, ...(rule ? { rule } : {}), error: withoutPrefix(error, prefixes) };
  }
}

/** The repository, recording what `resolve(lookup)` answered: the digest verification went on to check. */
function recordResolve(repository: Repository, lookup: string): { repository: Repository; digest(): string | undefined } {
  let found: string | undefined;
  const resolve = async (ref: string) => {
    const d = await repository.resolve(ref);
    if (ref === lookup && d) found = d.digest;
    return d;
  };
  const recording = new Proxy(repository, {
    get(target, property) {
      if (property === 'resolve') return resolve;
      const value = Reflect.get(target, property, target) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { repository: recording, digest: () => found };
}

/** The report names the image and digest on the same line: drop the same names from the front of the message. */
function withoutPrefix(err: OcisignError, prefixes: readonly string[]): OcisignError {
  const prefix = prefixes.find((p) => err.message.startsWith(p));
  if (!prefix) return err;
  return new OcisignError(err.code, err.message.slice(prefix.length), { cause: err.cause ?? err, details: err.details });
}

function apply(group: readonly Written[], outcome: Outcome): void {
  for (const w of group) {
    const r = w.result;
    if (outcome.digest) r.digest = outcome.digest;
    r.verified = outcome.verified;
    if (outcome.allowed) r.allowed = true;
    if (outcome.rule) r.rule = outcome.rule;
    if (outcome.error) {
      r.error = outcome.error.message;
      r.exitCode = outcome.error.exitCode;
      if (outcome.error.details.length > 0) r.details = outcome.error.details;
    }
  }
}

/** The fields in the order of the README's report shape. */
function ordered(r: ManifestImageResult): ManifestImageResult {
  return {
    image: r.image,
    ...(r.digest ? { digest: r.digest } : {}),
    verified: r.verified,
    ...(r.allowed ? { allowed: r.allowed } : {}),
    ...(r.rule ? { rule: r.rule } : {}),
    ...(r.error !== undefined ? { error: r.error, exitCode: r.exitCode ?? 1 } : {}),
    ...(r.details ? { details: r.details } : {}),
    files: r.files,
  };
}

function tallyDocuments(scans: readonly FileScan[]): ManifestReport['documents'] {
  const skipped: Record<string, number> = {};
  let resources = 0;
  let withImages = 0;
  let builtLocally = 0;
  for (const s of scans) {
    resources += s.tally.resources;
    withImages += s.tally.withImages;
    builtLocally += s.tally.builtLocally;
    for (const [kind, n] of s.tally.skipped) skipped[kind] = (skipped[kind] ?? 0) + n;
  }
  return { files: scans.length, resources, withImages, skipped, builtLocally };
}

function pinAll(scans: readonly FileScan[], texts: readonly string[], written: ReadonlyMap<string, Written>, maxAliasCount: number | undefined): NonNullable<ManifestReport['pinned']> {
  const pinned = (site: ImageSite): string => {
    const digest = written.get(site.image)?.result.digest;
    if (!digest) throw new OcisignError('INTERNAL', `pinning ${site.file}:${site.line}: no digest for ${site.image}`);
    return pinnedReference(site.image, digest);
  };
  const files = scans.map((scan, i) => ({ file: scan.file, text: pinText(scan.file, texts[i]!, scan.sites, pinned, { maxAliasCount }) }));
  return { files, stream: joinStream(files.map((f) => f.text)) };
}
