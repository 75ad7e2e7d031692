// The shared interop vectors (../shared/fixtures/interop beside the repo, read in place, never copied) and
// the ONE mapping of their cases to the suite that runs them. Every case of cases.json belongs to exactly
// one suite (test/interop-fixtures/coverage.test.ts checks it); a suite registers tests only for its own.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const INTEROP_DIR = resolve(repoRoot, '../shared/fixtures/interop');
export const INTEROP_PRESENT = existsSync(resolve(INTEROP_DIR, 'cases.json'));
export const ABSENT_REASON = `interop fixtures absent at ${INTEROP_DIR} (a clone without ../shared): fixture cases not run`;

export interface CaseTrust {
  publicKeys?: string[];
  rekorPublicKeys?: string[];
  fulcioRoots?: string[];
  caRoots?: string[];
  caIntermediates?: string[];
  trustedRoot?: string;
  certificateIdentity?: { email?: string; uri?: string; hostname?: string; san?: string; oidcIssuer?: string };
  certificateIdentityRegexp?: string;
  oidcIssuerRegexp?: string;
  expectedReference?: string;
  password?: string;
  predicateType?: string;
  [k: string]: unknown;
}

export interface InteropCase {
  name: string;
  files: string[];
  trust: CaseTrust;
  expected: 'valid' | 'invalid';
  reason: string;
  mutation?: string;
  manifestDigest?: string;
  artifactDigest?: string;
  imageDigest?: string;
  perSignature?: Record<string, 'valid' | 'invalid'>;
}

/** A suite that runs interop cases: its test file and which cases it claims (by files/trust). */
export interface InteropSuite {
  file: string;
  claims: (c: InteropCase) => boolean;
}

const isBundleFile = (f: string) => /\.sigstore(\.json)?$|\/bundle_v0\d\.json$/.test(f);
const isDsseFile = (f: string) => f.endsWith('.dsse.json');
const hasBundle = (c: InteropCase) => c.files.some(isBundleFile);
const hasDsse = (c: InteropCase) => c.files.some(isDsseFile);
const isKeyFile = (c: InteropCase) => c.trust.password !== undefined;
const hasCertTrust = (t: CaseTrust) => t.trustedRoot !== undefined || t.fulcioRoots !== undefined || t.caRoots !== undefined;
const plain = (c: InteropCase) => !hasBundle(c) && !hasDsse(c) && !isKeyFile(c);

export const SUITES = {
  /** Sigstore bundles (v0.1–v0.3: sigstore-js, sigstore-rs, cosign, conformance) through the verification pipeline (src/verify). */
  bundle: { file: 'test/verify/interop-bundle.test.ts', claims: hasBundle },
  /** cosign attest-blob DSSE envelopes through the .att layer verifier. */
  dsse: { file: 'test/attest/attest.test.ts', claims: (c) => hasDsse(c) && !hasBundle(c) },
  /** Encrypted cosign/sigstore private key files (import and decryption). */
  keyFile: { file: 'test/sign/interop-verify.test.ts', claims: (c) => isKeyFile(c) && !hasBundle(c) && !hasDsse(c) },
  /** Key-based image signatures (with or without a Rekor SET) through src/ops verify and src/verify. */
  keyImage: {
    file: 'test/interop-fixtures/key-cases.test.ts',
    claims: (c) => plain(c) && (c.trust.publicKeys?.length ?? 0) > 0 && !hasCertTrust(c.trust),
  },
  /** Keyless / BYO-PKI / SET-only cases in cosign's legacy .sig layout through the verification pipeline (src/verify). */
  legacy: {
    file: 'test/verify/interop-legacy.test.ts',
    claims: (c) => plain(c) && (c.trust.publicKeys ?? []).length === 0 && (hasCertTrust(c.trust) || (c.trust.rekorPublicKeys?.length ?? 0) > 0),
  },
} satisfies Record<string, InteropSuite>;

export type SuiteName = keyof typeof SUITES;

let cached: InteropCase[] | undefined;

/** Every case of cases.json, in file order ([] when the fixture folder is absent). */
export function loadInteropCases(): InteropCase[] {
  if (!INTEROP_PRESENT) return [];
  cached ??= (JSON.parse(readFileSync(resolve(INTEROP_DIR, 'cases.json'), 'utf8')) as { cases: InteropCase[] }).cases;
  return cached;
}

/** The suites that claim a case (exactly one for every case: the coverage test asserts it). */
export function suitesOf(c: InteropCase): SuiteName[] {
  return (Object.keys(SUITES) as SuiteName[]).filter((s) => SUITES[s].claims(c));
}

/** The cases a suite owns: claimed by it and by no other suite (a doubly claimed case fails coverage). */
export function casesOf(suite: SuiteName): InteropCase[] {
  return loadInteropCases().filter((c) => {
    const owners = suitesOf(c);
    return owners.length === 1 && owners[0] === suite;
  });
}

export function interopPath(rel: string): string {
  return resolve(INTEROP_DIR, rel);
}

export function interopBytes(rel: string): Buffer {
  return readFileSync(interopPath(rel));
}

export function interopText(rel: string): string {
  return interopBytes(rel).toString('utf8');
}

/** The one diagnostic line a suite prints: how many cases it ran, of how many in cases.json. */
export function ranLine(suite: SuiteName, ran: number): string {
  return `${SUITES[suite].file}: ran ${ran} of ${loadInteropCases().length} interop cases (the others belong to other suites)`;
}
