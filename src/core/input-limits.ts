/**
 * Limits on input that ocisign reads whole or line by line (files named on the command line, files inside
 * scanned directories and image layers, JSON from anywhere). Exceeding one is a refusal naming the input and
 * the limit (exit 3), or, inside an SBOM scan of an image, a warning that skips that one file. SECURITY.md
 * lists them. Network and registry limits are in limits.ts.
 */
const KiB = 1024;
const MiB = 1024 * KiB;

export const INPUT_LIMITS = Object.freeze({
  /** Deepest nesting of arrays/objects in any JSON or YAML document read (Go's encoding/json allows 10000). */
  maxJsonDepth: 1000,
  /** Largest JSON document parsed when the caller sets no tighter bound. */
  maxJsonBytes: 128 * MiB,
  /** Key files: `--key` (private or public), `import-key-pair -k`, certificates. */
  maxKeyFileBytes: 1 * MiB,
  /** `--policy` files. */
  maxPolicyFileBytes: 1 * MiB,
  /** `--trusted-root` (the public-good trusted_root.json is ~20 KiB). */
  maxTrustedRootBytes: 4 * MiB,
  /** `--registry-cacert` and NODE_EXTRA_CA_CERTS bundles. */
  maxCaFileBytes: 4 * MiB,
  /** Identity token files (`--identity-token` file, cosign's token file). */
  maxTokenFileBytes: 1 * MiB,
  /** An OCI layout's index.json. */
  maxLayoutIndexBytes: 16 * MiB,
  /** Each lockfile or manifest read by `sbom dir:` (package-lock.json, poetry.lock, go.sum and others). */
  maxLockfileBytes: 64 * MiB,
  /** Package databases held from an image layer (dpkg status, apk installed). */
  maxPackageDatabaseBytes: 64 * MiB,
  /**
   * Packages in one SBOM (a directory, or one image platform). Writing and validating a BOM costs ~10 KiB of
   * memory per package: at the limit, about 1 GiB. The largest real images and monorepos have ~10,000-30,000.
   */
  maxSbomPackages: 100_000,
  /** Longest line in a line-oriented file (requirements.txt, go.mod, go.sum, Gemfile.lock, yarn.lock v1, apk/dpkg databases). */
  maxLineBytes: 1 * MiB,
});

export type InputLimits = typeof INPUT_LIMITS;

/** "5000000 bytes, more than the limit of 1048576 (1 MiB)". */
export function overLimit(bytes: number, max: number): string {
  return `${bytes} bytes, more than ${theLimit(max)}`;
}

/** "the limit of 1048576 (1 MiB)". */
export function theLimit(max: number): string {
  const round = formatBytes(max);
  return `the limit of ${max}${round.endsWith('iB') ? ` (${round})` : ''}`;
}

/** `1048576` → "1 MiB", for messages. */
export function formatBytes(n: number): string {
  if (n >= MiB && n % MiB === 0) return `${n / MiB} MiB`;
  if (n >= KiB && n % KiB === 0) return `${n / KiB} KiB`;
  return `${n} bytes`;
}
