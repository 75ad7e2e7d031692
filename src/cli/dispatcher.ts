import type { Dispatcher } from 'undici';
import type { RegistryClientOptions } from '../oci/client-options.ts';

/** Creates the process's one undici dispatcher (keep-alive, bounded connections, proxies from env). */
export async function createCliDispatcher(
  options: RegistryClientOptions,
): Promise<{ dispatcher: Dispatcher; close: () => Promise<void> }> {
  const { createDispatcher } = await import('../oci/registry/dispatcher.ts');
  keepBaselineHttpParser();
  const { insecure, caCerts, env, timeouts, signal } = options;
  const dispatcher = createDispatcher({ insecure, caCerts, env, timeouts, signal });
  return { dispatcher, close: () => dispatcher.close() };
}

/**
 * undici parses HTTP with llhttp compiled to WebAssembly. After a few responses V8 re-compiles llhttp's one huge
 * parser function with its optimizing compiler on a background thread (~100 ms of CPU), and the process cannot
 * exit before that job ends. A CLI run never profits from it: a large tier-up budget keeps the baseline code (a
 * multi-gigabyte download still tiers up). The flag is set here, once undici and the Node built-ins it needs are
 * loaded: a changed V8 flag makes code compiled later miss Node's built-in code cache (~40 ms if set at start-up).
 * CLI only; the library never changes V8 flags. Measured in bench/sign-verify.ts.
 */
function keepBaselineHttpParser(): void {
  process.getBuiltinModule('node:v8').setFlagsFromString('--wasm-tiering-budget=1000000000');
}
