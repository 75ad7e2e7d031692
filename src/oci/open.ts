/** Opens the repository a reference names: an OCI layout directory or a registry repository. */
import type { RegistryClientOptions } from './client-options.ts';
import { createLayoutRepository, type LayoutRepositoryOptions } from './layout/layout-repository.ts';
import type { Reference } from './reference.ts';
import { createRegistryRepository } from './registry/registry-repository.ts';
import type { Repository } from './repository.ts';

export type OpenOptions = RegistryClientOptions & Pick<LayoutRepositoryOptions, 'lock'>;

export function openRepository(ref: Reference, options: OpenOptions = {}): Repository {
  if (ref.kind === 'layout') return createLayoutRepository(ref, options);
  return createRegistryRepository(ref, options);
}
