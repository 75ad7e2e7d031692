/** Client options for the test registries: a private undici Agent (closed after), tiny retry delays. */
import { Agent } from 'undici';
import type { RegistryClientOptions } from '../../../src/oci/client-options.ts';
import { createDispatcher } from '../../../src/oci/registry/registry-repository.ts';
import type { TestRegistry } from '../../helpers/registry-server.ts';

export const TINY_RETRY = { attempts: 4, baseDelayMs: 5, maxDelayMs: 20 };

export interface Client {
  options: RegistryClientOptions;
  close(): Promise<void>;
}

/** Options for talking to `registry` with its own credentials (when it has any). */
export function clientFor(registry: TestRegistry, extra: Partial<RegistryClientOptions> = {}): Client {
  const dispatcher = registry.caPem ? createDispatcher({ caCerts: [registry.caPem] }) : new Agent({ connections: 4 });
  const credentials = registry.username ? { username: registry.username, password: registry.password } : undefined;
  const options: RegistryClientOptions = {
    dispatcher,
    retry: TINY_RETRY,
    ...(credentials ? { credentials, credentialsHost: registry.host } : {}),
    ...extra,
  };
  return { options, close: () => dispatcher.close() };
}

export function ref(registry: { host: string }, repository: string) {
  return { kind: 'registry' as const, registry: registry.host, repository };
}

export interface RecordingLogger {
  warnings: string[];
  debugs: string[];
  warn(message: string): void;
  debug(message: string): void;
}

export function recordingLogger(): RecordingLogger {
  const logger: RecordingLogger = {
    warnings: [],
    debugs: [],
    warn: (m) => logger.warnings.push(m),
    debug: (m) => logger.debugs.push(m),
  };
  return logger;
}

export async function collect(stream: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const c of stream) chunks.push(c);
  return Buffer.concat(chunks);
}
