import { createHash, createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import {
  PublicKeyDetails,
  TrustedRoot as ProtoTrustedRoot,
  type CertificateAuthority as ProtoCertificateAuthority,
  type TransparencyLogInstance,
  type PublicKey as ProtoPublicKey,
} from '@sigstore/protobuf-specs';
import { describeError, OcisignError } from '../core/errors.ts';
import { certificateDers, splitPem } from './pem.ts';

export const TRUSTED_ROOT_MEDIA_TYPE = 'application/vnd.dev.sigstore.trustedroot+json;version=0.1';

/** A closed time interval; `end` absent means open-ended. */
export interface ValidityWindow {
  start: Date;
  end?: Date;
}

/** A transparency log (Rekor) or certificate-transparency log (CT) key. */
export interface TransparencyLog {
  baseUrl: string;
  /** Log ID bytes (sha256 of the key's SPKI DER for Rekor v1 and CT logs). */
  logId: Buffer;
  publicKey: KeyObject;
  validFor: ValidityWindow;
}

/** A certificate authority (Fulcio, BYO-PKI, or TSA): every certificate in it is trusted. */
export interface CertificateAuthority {
  uri: string;
  /** Intermediates first, root last (as in trusted_root.json). */
  certificates: X509Certificate[];
  validFor: ValidityWindow;
}

/** Trust material: the parsed form of a `trusted_root.json`, or one built from loose PEM files. */
export interface TrustedRoot {
  mediaType: string;
  tlogs: TransparencyLog[];
  ctlogs: TransparencyLog[];
  certificateAuthorities: CertificateAuthority[];
  timestampAuthorities: CertificateAuthority[];
  /** The protobuf form (for `@sigstore/verify`), when parsed from a trusted_root.json. */
  proto?: ProtoTrustedRoot;
}

export function isValidAt(window: ValidityWindow, at: Date): boolean {
  return window.start.getTime() <= at.getTime() && (window.end === undefined || at.getTime() <= window.end.getTime());
}

/** Parse the bytes of a `trusted_root.json`. Throws BAD_INPUT naming `source` when malformed. */
export function parseTrustedRoot(bytes: Uint8Array, source = 'trusted root'): TrustedRoot {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (err) {
    throw new OcisignError('BAD_INPUT', `reading trusted root ${source}: ${describeError(err)}`, { cause: err });
  }
  const mediaType = (json as { mediaType?: unknown } | null)?.mediaType;
  if (mediaType !== TRUSTED_ROOT_MEDIA_TYPE) {
    throw new OcisignError('BAD_INPUT', `reading trusted root ${source}: unsupported media type ${JSON.stringify(mediaType)}`);
  }
  try {
    const proto = ProtoTrustedRoot.fromJSON(json);
    return {
      mediaType,
      tlogs: proto.tlogs.map((t, i) => toLog(t, `tlogs[${i}]`)),
      ctlogs: proto.ctlogs.map((t, i) => toLog(t, `ctlogs[${i}]`)),
      certificateAuthorities: proto.certificateAuthorities.map((c, i) => toAuthority(c, `certificateAuthorities[${i}]`)),
      timestampAuthorities: proto.timestampAuthorities.map((c, i) => toAuthority(c, `timestampAuthorities[${i}]`)),
      proto,
    };
  } catch (err) {
    throw new OcisignError('BAD_INPUT', `reading trusted root ${source}: ${describeError(err)}`, { cause: err });
  }
}

/** Read and parse a `trusted_root.json` file (`--trusted-root`). */
export async function loadTrustedRootFile(path: string): Promise<TrustedRoot> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw new OcisignError('BAD_INPUT', `reading trusted root ${path}: ${describeError(err)}`, { cause: err });
  }
  return parseTrustedRoot(bytes, path);
}

function toLog(t: TransparencyLogInstance, where: string): TransparencyLog {
  const raw = t.publicKey?.rawBytes;
  if (!raw || raw.length === 0) throw new Error(`${where}: missing publicKey.rawBytes`);
  const logId = t.logId?.keyId;
  if (!logId || logId.length === 0) throw new Error(`${where}: missing logId.keyId`);
  return { baseUrl: t.baseUrl, logId: Buffer.from(logId), publicKey: toPublicKey(t.publicKey!), validFor: toWindow(t.publicKey?.validFor, where) };
}

function toPublicKey(key: ProtoPublicKey): KeyObject {
  const pkcs1 = key.keyDetails === PublicKeyDetails.PKCS1_RSA_PKCS1V5 || key.keyDetails === PublicKeyDetails.PKCS1_RSA_PSS;
  return createPublicKey({ key: Buffer.from(key.rawBytes!), format: 'der', type: pkcs1 ? 'pkcs1' : 'spki' });
}

function toAuthority(c: ProtoCertificateAuthority, where: string): CertificateAuthority {
  const certs = c.certChain?.certificates ?? [];
  if (certs.length === 0) throw new Error(`${where}: empty certChain`);
  return {
    uri: c.uri,
    certificates: certs.map((cert) => new X509Certificate(Buffer.from(cert.rawBytes))),
    validFor: toWindow(c.validFor, where),
  };
}

/** A missing `validFor.start` is malformed (sigstore-conformance trust-root-tlog-missing-validity-start_fail). */
function toWindow(validFor: { start?: Date; end?: Date } | undefined, where: string): ValidityWindow {
  if (!validFor?.start) throw new Error(`${where}: validFor.start is missing`);
  return validFor.end ? { start: validFor.start, end: validFor.end } : { start: validFor.start };
}

/** Loose trust material, as cosign takes it from files and flags instead of a trusted_root.json. */
export interface TrustMaterialFiles {
  /** PEM text of CA roots (`--ca-roots`, `SIGSTORE_ROOT_FILE`, Fulcio roots). */
  caRoots?: string[];
  /** PEM text of CA intermediates (`--ca-intermediates`), trusted as configured. */
  caIntermediates?: string[];
  /** PEM text of Rekor public keys (`SIGSTORE_REKOR_PUBLIC_KEY`). */
  rekorKeys?: string[];
  /** PEM text of CT log public keys (`SIGSTORE_CT_LOG_PUBLIC_KEY_FILE`). */
  ctlogKeys?: string[];
}

const FOREVER: ValidityWindow = { start: new Date(0) };

/**
 * Build trust material from loose PEM files. Each root becomes one authority whose chain is the
 * configured intermediates plus that root; log IDs are sha256(SPKI DER), as Rekor and CT compute them.
 */
export function buildTrustedRoot(files: TrustMaterialFiles): TrustedRoot {
  const intermediates = (files.caIntermediates ?? []).flatMap((pem) => certificateDers(pem, 'ca intermediates'));
  const roots = (files.caRoots ?? []).flatMap((pem) => certificateDers(pem, 'ca roots'));
  return {
    mediaType: TRUSTED_ROOT_MEDIA_TYPE,
    tlogs: (files.rekorKeys ?? []).flatMap((pem) => logsFromPem(pem, 'rekor public key')),
    ctlogs: (files.ctlogKeys ?? []).flatMap((pem) => logsFromPem(pem, 'ct log public key')),
    certificateAuthorities: roots.map((root) => ({
      uri: 'file',
      certificates: [...intermediates, root].map((der) => new X509Certificate(der)),
      validFor: FOREVER,
    })),
    timestampAuthorities: [],
  };
}

function logsFromPem(pem: string, what: string): TransparencyLog[] {
  const blocks = splitPem(pem).filter((b) => b.label === 'PUBLIC KEY');
  if (blocks.length === 0) throw new OcisignError('BAD_INPUT', `${what}: no PEM public key found`);
  return blocks.map((b) => ({
    baseUrl: 'file',
    logId: createHash('sha256').update(b.der).digest(),
    publicKey: createPublicKey({ key: b.der, format: 'der', type: 'spki' }),
    validFor: FOREVER,
  }));
}

/** Options for fetching the trusted root through TUF (`@sigstore/tuf`). */
export interface TufOptions {
  /** Where the TUF metadata is cached (cosign: `TUF_ROOT`, default ~/.sigstore/root). */
  cachePath: string;
  mirrorUrl?: string;
  /** An initial root.json to trust instead of the embedded one. */
  rootPath?: string;
  /** Use the cache without refreshing it (offline after a first online run). */
  forceCache?: boolean;
  timeoutMs?: number;
}

/**
 * The public-good (or a mirror's) trusted root through TUF. Needs the network unless `forceCache`
 * and a populated cache; failures throw IO with the mirror named and the offline alternative.
 */
export async function fetchTrustedRootTuf(options: TufOptions): Promise<TrustedRoot> {
  const { getTrustedRoot, DEFAULT_MIRROR_URL } = await import('@sigstore/tuf');
  const mirrorURL = options.mirrorUrl ?? DEFAULT_MIRROR_URL;
  let proto: ProtoTrustedRoot;
  try {
    proto = await getTrustedRoot({
      cachePath: options.cachePath,
      mirrorURL,
      ...(options.rootPath ? { rootPath: options.rootPath } : {}),
      forceCache: options.forceCache ?? false,
      timeout: options.timeoutMs ?? 5000,
      retry: { retries: 0 },
    });
  } catch (err) {
    throw new OcisignError(
      'IO',
      `fetching the trusted root from TUF mirror ${mirrorURL} (cache ${options.cachePath}): ${describeError(err)}; for offline verification pass --trusted-root FILE`,
      { cause: err },
    );
  }
  const json = ProtoTrustedRoot.toJSON(proto);
  return parseTrustedRoot(Buffer.from(JSON.stringify(json)), `tuf ${mirrorURL}`);
}
