/**
 * Offline Sigstore services for tests: @sigstore/mock's Fulcio (with a CT log), Rekor v1 and TSA handlers
 * served over HTTP on 127.0.0.1 (random port) by a small node:http adapter, with a trusted_root.json for
 * them (CA root, Rekor key, CT log key, TSA chain) written to a temp folder, and OIDC tokens signed with
 * jose (the mock Fulcio decodes the token without verifying it: SAN = `sub`, issuer extension = `iss`,
 * GitHub claims → the workflow extensions).
 *
 *   startSigstoreMock() → { fulcioUrl, rekorUrl, tsaUrl, trustedRootPath, token(claims?), stop() }
 *   closedPortUrl()     → an http URL on 127.0.0.1 where nothing listens (for "unreachable" cases)
 *   cosignTrustEnv()    → SIGSTORE_ROOT_FILE / SIGSTORE_REKOR_PUBLIC_KEY / SIGSTORE_CT_LOG_PUBLIC_KEY_FILE for cosign 2.5
 */
import { generateKeyPairSync, createHash, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ASN1Obj } from '@sigstore/core';
import { SignJWT } from 'jose';
import {
  fulcioHandler, initializeCA, initializeCTLog, initializeTLog, initializeTSA, rekorHandler, tsaHandler, type HandlerFn,
} from '@sigstore/mock';

export const MOCK_ISSUER = 'https://token.actions.githubusercontent.com';
export const MOCK_SUBJECT = 'https://github.com/acme/app/.github/workflows/release.yml@refs/heads/main';

/** GitHub Actions-like claims; the mock Fulcio turns them into certificate extensions. */
export const MOCK_CLAIMS = {
  iss: MOCK_ISSUER,
  sub: MOCK_SUBJECT,
  aud: 'sigstore',
  event_name: 'push',
  sha: '0123456789abcdef0123456789abcdef01234567',
  workflow: 'release',
  repository: 'acme/app',
  ref: 'refs/heads/main',
};

export interface SigstoreMock {
  fulcioUrl: string;
  rekorUrl: string;
  /** The full TSA endpoint (as --timestamp-server-url takes it). */
  tsaUrl: string;
  trustedRootPath: string;
  trustedRoot: Record<string, unknown>;
  /** An OIDC token (JWT, ES256 by a throw-away key) with MOCK_CLAIMS overridden by `claims`. */
  token(claims?: Record<string, unknown>): Promise<string>;
  /** Requests served, per path (to assert that nothing was asked). */
  hits: Record<string, number>;
  stop(): Promise<void>;
}

function p256(): { publicKey: KeyObject; privateKey: KeyObject } {
  return generateKeyPairSync('ec', { namedCurve: 'P-256' });
}

export interface MockOptions {
  /** A fixed clock for Fulcio and its CT log (e.g. an hour ago: certificates already expired). */
  fulcioClock?: Date;
  /**
   * How Rekor logs a dsse 0.0.1 proposal. `canonical` (default): as the real Rekor does
   * (`spec.{envelopeHash, payloadHash, signatures[{signature, verifier}]}`, see canonicalDsseProposal).
   * `proposal`: as bare @sigstore/mock does, the proposal as sent (`spec.proposedContent.{envelope, verifiers}`),
   * a shape no real Rekor logs (verifiers refuse it).
   */
  rekorDsse?: 'proposal' | 'canonical';
}

/**
 * "Now" truncated to the second, for the mock TSA's genTime: asn1js writes milliseconds as a fraction without
 * zero padding (e.g. `…05.5Z`), which @sigstore/core's GeneralizedTime parser rejects ("invalid time") about
 * one run in ten. The mock reads the clock's fields when it answers, so every read gives the current second.
 */
class WholeSecondClock extends Date {
  private now(): Date {
    return new Date(Math.floor(Date.now() / 1000) * 1000);
  }
  override getTime(): number { return this.now().getTime(); }
  override valueOf(): number { return this.now().getTime(); }
  override getUTCFullYear(): number { return this.now().getUTCFullYear(); }
  override getUTCMonth(): number { return this.now().getUTCMonth(); }
  override getUTCDate(): number { return this.now().getUTCDate(); }
  override getUTCHours(): number { return this.now().getUTCHours(); }
  override getUTCMinutes(): number { return this.now().getUTCMinutes(); }
  override getUTCSeconds(): number { return this.now().getUTCSeconds(); }
  override getUTCMilliseconds(): number { return 0; }
  override toISOString(): string { return this.now().toISOString(); }
}

export async function startSigstoreMock(options: MockOptions = {}): Promise<SigstoreMock> {
  const routes = new Map<string, HandlerFn>();
  const hits: Record<string, number> = {};
  const server = await listen(routes, hits);
  const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const ctKeys = p256();
  const caKeys = p256();
  const tlogKeys = p256();
  const tsaKeys = p256();
  const ctLog = await initializeCTLog(ctKeys, options.fulcioClock);
  const ca = await initializeCA(caKeys, ctLog, options.fulcioClock);
  const tlog = await initializeTLog(base, tlogKeys);
  const tsa = await initializeTSA(tsaKeys, new WholeSecondClock());
  for (const h of [fulcioHandler(ca), rekorHandler(tlog), tsaHandler(tsa)]) routes.set(h.path, h.fn);
  if (options.rekorDsse !== 'proposal') {
    const rekor = rekorHandler(tlog);
    routes.set(rekor.path, (body) => rekor.fn(canonicalDsseProposal(body)));
  }
  const trustedRoot = buildMockTrustedRoot(base, {
    caRoot: Buffer.from(ca.rootCertificate.buffer, ca.rootCertificate.byteOffset, ca.rootCertificate.byteLength),
    rekorKey: tlog.publicKey,
    ctKey: ctLog.publicKey,
    tsaChain: [tsa.intCertificate, tsa.rootCertificate].map((c) => Buffer.from(c.buffer, c.byteOffset, c.byteLength)),
  });
  const dir = await mkdtemp(join(tmpdir(), 'ocisign-sigstore-mock-'));
  const trustedRootPath = join(dir, 'trusted_root.json');
  await writeFile(trustedRootPath, `${JSON.stringify(trustedRoot, null, 2)}\n`);
  const oidcKey = p256();
  return {
    fulcioUrl: base,
    rekorUrl: base,
    tsaUrl: `${base}/api/v1/timestamp`,
    trustedRootPath,
    trustedRoot,
    hits,
    token: (claims = {}) => signToken(oidcKey.privateKey, { ...MOCK_CLAIMS, ...claims }),
    async stop() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * What the real Rekor (pkg/types/dsse/v0.0.1) logs for a dsse proposal: envelopeHash = sha256 of the
 * envelope string as sent, payloadHash = sha256 of the decoded payload, and per envelope signature (sorted
 * by its base64) the signature string as in the envelope and the verifier (base64 PEM) that verified it
 * (here: the single verifier proposed, whose PEM is already canonical). Other kinds pass through.
 */
export function canonicalDsseProposal(body: string): string {
  const proposal = JSON.parse(body) as { kind?: string; apiVersion?: string; spec?: { proposedContent?: { envelope: string; verifiers: string[] } } };
  const content = proposal.spec?.proposedContent;
  if (proposal.kind !== 'dsse' || !content) return body;
  const env = JSON.parse(content.envelope) as { payload: string; signatures: { sig: string }[] };
  const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
  return JSON.stringify({
    apiVersion: proposal.apiVersion,
    kind: 'dsse',
    spec: {
      envelopeHash: { algorithm: 'sha256', value: sha(Buffer.from(content.envelope, 'utf8')) },
      payloadHash: { algorithm: 'sha256', value: sha(Buffer.from(env.payload, 'base64')) },
      signatures: env.signatures.map((s) => s.sig).sort().map((signature) => ({ signature, verifier: content.verifiers[0] })),
    },
  });
}

async function signToken(key: KeyObject, claims: Record<string, unknown>): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ iat: now, exp: now + 600, ...claims }).setProtectedHeader({ alg: 'ES256', kid: 'mock' }).sign(key);
}

const FULCIO_PATH = '/api/v2/signingCert';

/**
 * Fulcio takes the OIDC token in the body (`credentials.oidcIdentityToken`, as sigstore-js sends it) or as
 * `Authorization: Bearer` (as sigstore-go, i.e. cosign 3, sends it); the mock reads only the body, so a bearer
 * token is moved there.
 */
function withBearerCredentials(body: string, authorization: string | undefined): string {
  const token = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
  if (token === undefined) return body;
  try {
    const request = JSON.parse(body) as { credentials?: { oidcIdentityToken?: string } };
    if (request.credentials?.oidcIdentityToken !== undefined) return body;
    return JSON.stringify({ ...request, credentials: { oidcIdentityToken: token } });
  } catch {
    return body;
  }
}

const REKOR_ENTRIES_PATH = '/api/v1/log/entries';

/**
 * The real Rekor names a new entry in `ETag` (its UUID) and `Location`; sigstore-go (cosign 3) reads the entry
 * as `payload[ETag]`, so the headers are added from the mock's `{uuid: entry}` answer.
 */
function rekorEntryHeaders(path: string, r: Awaited<ReturnType<HandlerFn>>): Record<string, string> {
  if (path !== REKOR_ENTRIES_PATH || r.statusCode !== 201 || typeof r.response !== 'string') return {};
  try {
    const [uuid] = Object.keys(JSON.parse(r.response) as Record<string, unknown>);
    return uuid === undefined ? {} : { etag: uuid, location: `${REKOR_ENTRIES_PATH}/${uuid}` };
  } catch {
    return {};
  }
}

const TSA_PATH = '/api/v1/timestamp';
const HASH_OIDS: Record<string, string> = {
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
};

/**
 * The TSA takes an RFC 3161 TimeStampReq (DER, `application/timestamp-query`, as sigstore-go sends it) or the
 * JSON form sigstore-js sends; the mock reads only JSON, so a DER request is translated (hash, algorithm, nonce,
 * certReq). A request that does not parse goes through as is and the mock answers 400.
 */
function timestampQueryAsJson(der: Buffer): string {
  try {
    // TimeStampReq ::= SEQUENCE { version, messageImprint SEQUENCE { AlgorithmIdentifier, OCTET STRING },
    //   reqPolicy OID OPTIONAL, nonce INTEGER OPTIONAL, certReq BOOLEAN DEFAULT FALSE, extensions [0] OPTIONAL }
    const [, imprint, ...rest] = ASN1Obj.parseBuffer(der as Buffer<ArrayBuffer>).subs;
    const [algorithm, hashed] = imprint!.subs;
    const nonce = rest.find((o) => o.tag.isInteger())?.toInteger();
    return JSON.stringify({
      artifactHash: hashed!.value.toString('base64'),
      hashAlgorithm: HASH_OIDS[algorithm!.subs[0]!.toOID()] ?? 'unknown',
      certificates: rest.find((o) => o.tag.isBoolean())?.toBoolean() ?? false,
      ...(nonce !== undefined && nonce <= BigInt(Number.MAX_SAFE_INTEGER) ? { nonce: Number(nonce) } : {}),
    });
  } catch {
    return der.toString('utf8');
  }
}

function listen(routes: Map<string, HandlerFn>, hits: Record<string, number>): Promise<Server> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      hits[path] = (hits[path] ?? 0) + 1;
      const fn = req.method === 'POST' ? routes.get(path) : undefined;
      if (!fn) {
        res.writeHead(404).end('not found');
        return;
      }
      const raw = Buffer.concat(chunks);
      let body = raw.toString('utf8');
      if (path === FULCIO_PATH) body = withBearerCredentials(body, req.headers.authorization);
      if (path === TSA_PATH && req.headers['content-type'] === 'application/timestamp-query') body = timestampQueryAsJson(raw);
      fn(body).then(
        (r) => {
          // The real Fulcio answers 200 (sigstore-go, i.e. cosign 3, accepts nothing else); the mock says 201.
          const status = path === FULCIO_PATH && r.statusCode === 201 ? 200 : r.statusCode;
          res.writeHead(status, { 'content-type': r.contentType ?? 'text/plain', ...rekorEntryHeaders(path, r) });
          res.end(typeof r.response === 'string' ? r.response : Buffer.from(r.response.buffer, r.response.byteOffset, r.response.byteLength));
        },
        (err: unknown) => res.writeHead(500).end(String(err)),
      );
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

interface MockMaterial {
  caRoot: Buffer;
  rekorKey: Buffer;
  ctKey: Buffer;
  tsaChain: Buffer[];
}

/** A trusted_root.json (v0.1) for the mock services, valid from a day ago. */
export function buildMockTrustedRoot(base: string, m: MockMaterial): Record<string, unknown> {
  const start = new Date(Date.now() - 24 * 3600 * 1000).toISOString();
  const log = (url: string, key: Buffer) => ({
    baseUrl: url,
    hashAlgorithm: 'SHA2_256',
    publicKey: { rawBytes: key.toString('base64'), keyDetails: 'PKIX_ECDSA_P256_SHA_256', validFor: { start } },
    logId: { keyId: createHash('sha256').update(key).digest('base64') },
  });
  const authority = (uri: string, certs: Buffer[], commonName: string) => ({
    subject: { organization: 'sigstore.mock', commonName },
    uri,
    certChain: { certificates: certs.map((c) => ({ rawBytes: c.toString('base64') })) },
    validFor: { start },
  });
  return {
    mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
    tlogs: [log(base, m.rekorKey)],
    certificateAuthorities: [authority(base, [m.caRoot], 'sigstore')],
    ctlogs: [log(`${base}/ct`, m.ctKey)],
    timestampAuthorities: [authority(`${base}/api/v1/timestamp`, m.tsaChain, 'tsa')],
  };
}

/** An http URL on 127.0.0.1 where nothing listens (a port just released). */
export async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

function pem(label: string, b64: string): string {
  return `-----BEGIN ${label}-----\n${b64.match(/.{1,64}/g)!.join('\n')}\n-----END ${label}-----\n`;
}

/** The mock's trust material as the PEM files cosign's SIGSTORE_* overrides read. */
export async function cosignTrustEnv(mock: SigstoreMock, dir: string): Promise<Record<string, string>> {
  const root = mock.trustedRoot as {
    tlogs: { publicKey: { rawBytes: string } }[];
    ctlogs: { publicKey: { rawBytes: string } }[];
    certificateAuthorities: { certChain: { certificates: { rawBytes: string }[] } }[];
  };
  const files = {
    SIGSTORE_REKOR_PUBLIC_KEY: [join(dir, 'rekor.pub'), pem('PUBLIC KEY', root.tlogs[0]!.publicKey.rawBytes)],
    SIGSTORE_CT_LOG_PUBLIC_KEY_FILE: [join(dir, 'ctlog.pub'), pem('PUBLIC KEY', root.ctlogs[0]!.publicKey.rawBytes)],
    SIGSTORE_ROOT_FILE: [join(dir, 'fulcio-root.pem'), pem('CERTIFICATE', root.certificateAuthorities[0]!.certChain.certificates[0]!.rawBytes)],
  };
  const env: Record<string, string> = {};
  for (const [name, [path, text]] of Object.entries(files)) {
    await writeFile(path!, text!);
    env[name] = path!;
  }
  return env;
}

