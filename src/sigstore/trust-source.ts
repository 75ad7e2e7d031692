import { join } from 'node:path';
import type { TrustedRoot } from './trusted-root.ts';

export interface TrustSource {
  /** `--trusted-root FILE`: offline trust material. */
  trustedRootFile?: string;
  /** Where TUF metadata is cached (default `$TUF_ROOT` or `~/.sigstore/ocisign-tuf`). */
  tufCachePath: string;
  tufMirrorUrl?: string;
}

/** The default TUF cache folder: `TUF_ROOT`, else a folder of ours next to cosign's (formats differ). */
export function defaultTufCachePath(env: Readonly<Record<string, string | undefined>>, home: string): string {
  return env.TUF_ROOT || join(home, '.sigstore', 'ocisign-tuf');
}

/**
 * A memoized provider: the file when given, else the public-good root through TUF (fails clearly offline).
 * The trust code (protobuf-specs, TUF) loads on first use: key-based runs without a log entry never need it.
 */
export function trustedRootProvider(source: TrustSource): () => Promise<TrustedRoot> {
  let loaded: Promise<TrustedRoot> | undefined;
  return () => {
    loaded ??= import('./trusted-root.ts').then(({ fetchTrustedRootTuf, loadTrustedRootFile }) =>
      source.trustedRootFile
        ? loadTrustedRootFile(source.trustedRootFile)
        : fetchTrustedRootTuf({ cachePath: source.tufCachePath, ...(source.tufMirrorUrl ? { mirrorUrl: source.tufMirrorUrl } : {}) }),
    );
    return loaded;
  };
}
