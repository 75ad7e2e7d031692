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
    loaded ??= import('./trusted-root.ts').then(({ fetchTrustedRootTuf }) =>
      source.trustedRootFile
        ? readTrustedRootFile(source.trustedRootFile)
        : fetchTrustedRootTuf({ cachePath: source.tufCachePath, ...(source.tufMirrorUrl ? { mirrorUrl: source.tufMirrorUrl } : {}) }),
    );
    return loaded;
  };
}

/**
 * `--trusted-root FILE`: read bounded (INPUT_LIMITS.maxTrustedRootBytes, so `/dev/zero` stops at the limit),
 * checked by the bounded JSON parser, then parsed. BAD_INPUT (exit 3) naming the file.
 */
export async function readTrustedRootFile(path: string): Promise<TrustedRoot> {
  const [{ readFileBounded }, { INPUT_LIMITS }, { parseBoundedJsonOrThrow }, { parseTrustedRoot }] = await Promise.all([
    import('../core/fs.ts'),
    import('../core/input-limits.ts'),
    import('../core/bounded-json.ts'),
    import('./trusted-root.ts'),
  ]);
  const bytes = await readFileBounded(path, INPUT_LIMITS.maxTrustedRootBytes, 'trusted root');
  parseBoundedJsonOrThrow(bytes, `reading trusted root ${path}`);
  return parseTrustedRoot(bytes, path);
}
