import type { Limits } from '../../core/limits.ts';
import { isDigest } from '../digest.ts';
import type { RegistrySession } from './session.ts';

/** What every registry operation on one repository needs. */
export interface RepoContext {
  session: RegistrySession;
  /** Repository path, e.g. `demo/app`. */
  name: string;
  /** `registry/repository`, for messages. */
  display: string;
  limits: Limits;
}

/** `host/repo:tag` or `host/repo@sha256:…`, for messages. */
export function refText(ctx: RepoContext, ref: string): string {
  return isDigest(ref) ? `${ctx.display}@${ref}` : `${ctx.display}:${ref}`;
}

export function repoPath(ctx: RepoContext, suffix: string): string {
  return `/v2/${ctx.name}/${suffix}`;
}
