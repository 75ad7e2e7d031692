/** Opens the repository a reference names: an OCI layout directory or a registry repository. */
import { OcisignError } from '../core/errors.ts';
import type { RegistryClientOptions } from './client-options.ts';
import { createLayoutRepository, type LayoutRepositoryOptions } from './layout/layout-repository.ts';
import { formatReference, type Reference } from './reference.ts';
import type { Repository } from './repository.ts';

export type OpenOptions = RegistryClientOptions & Pick<LayoutRepositoryOptions, 'lock'>;

export function openRepository(ref: Reference, options: OpenOptions = {}): Repository {
  if (ref.kind === 'layout') return createLayoutRepository(ref, options);
  throw new OcisignError('INTERNAL', `opening ${formatReference(ref)}: the registry backend is not available yet`);
}
