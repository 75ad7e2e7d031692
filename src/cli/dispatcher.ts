import type { Dispatcher } from 'undici';
import type { RegistryClientOptions } from '../oci/client-options.ts';

/** Creates the process's one undici dispatcher. Until the registry backend lands, none (the backend decides). */
export async function createCliDispatcher(
  _options: RegistryClientOptions,
): Promise<{ dispatcher: Dispatcher; close: () => Promise<void> } | undefined> {
  return undefined;
}
