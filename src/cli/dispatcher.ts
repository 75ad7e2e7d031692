import type { Dispatcher } from 'undici';
import type { RegistryClientOptions } from '../oci/client-options.ts';

/** Creates the process's one undici dispatcher (keep-alive, bounded connections, proxies from env). */
export async function createCliDispatcher(
  options: RegistryClientOptions,
): Promise<{ dispatcher: Dispatcher; close: () => Promise<void> }> {
  const { createDispatcher } = await import('../oci/registry/dispatcher.ts');
  const dispatcher = createDispatcher({ insecure: options.insecure, caCerts: options.caCerts, env: options.env });
  return { dispatcher, close: () => dispatcher.close() };
}
