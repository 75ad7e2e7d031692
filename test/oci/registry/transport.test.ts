import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { isOcisignError } from '../../../src/core/errors.ts';
import { createDispatcher, createRegistryRepository } from '../../../src/oci/registry/registry-repository.ts';
import { registryAvailable, startRegistry, type TestRegistry } from '../../helpers/registry-server.ts';
import { recordingLogger, ref, TINY_RETRY } from './setup.ts';

const skip = registryAvailable();

describe('TLS verification (tls-basic registry)', { skip }, () => {
  let registry: TestRegistry;
  before(async () => {
    registry = await startRegistry({ mode: 'tls-basic' });
  });
  after(async () => {
    await registry?.stop();
  });
  const credentials = () => ({ username: registry.username, password: registry.password });

  it('an untrusted certificate is an IO error with a hint, never a fallback to http', async () => {
    const dispatcher = createDispatcher({});
    try {
      const r = createRegistryRepository(ref(registry, 'tls/app'), { dispatcher, credentials: credentials(), retry: TINY_RETRY });
      await assert.rejects(r.listTags(), (err: Error) =>
        isOcisignError(err, 'IO') && /not trusted/.test(err.message) && /--registry-cacert/.test(err.message) && err.message.includes(registry.host));
    } finally {
      await dispatcher.close();
    }
  });

  it('the test CA appended to the default roots is trusted', async () => {
    const dispatcher = createDispatcher({ caCerts: [registry.caPem!] });
    try {
      const r = createRegistryRepository(ref(registry, 'tls/app'), { dispatcher, credentials: credentials(), retry: TINY_RETRY });
      assert.deepEqual(await r.listTags(), []);
    } finally {
      await dispatcher.close();
    }
  });

  it('insecure skips verification and warns once, loudly', async () => {
    const logger = recordingLogger();
    const options = { insecure: true, credentials: credentials(), logger, retry: TINY_RETRY };
    const dispatcher = createDispatcher({ insecure: true });
    try {
      const r = createRegistryRepository(ref(registry, 'tls/app'), { ...options, dispatcher });
      assert.deepEqual(await r.listTags(), []);
      assert.equal(logger.warnings.length, 1);
      assert.match(logger.warnings[0]!, /TLS certificate verification is OFF/);
    } finally {
      await dispatcher.close();
    }
  });
});
