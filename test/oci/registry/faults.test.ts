import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { isOcisignError } from '../../../src/core/errors.ts';
import { sha256Digest } from '../../../src/oci/digest.ts';
import { MediaType } from '../../../src/oci/media-types.ts';
import { createRegistryRepository } from '../../../src/oci/registry/registry-repository.ts';
import { startFaultProxy, type FaultProxy } from '../../helpers/fault-proxy.ts';
import { registryAvailable, startRegistry, type TestRegistry } from '../../helpers/registry-server.ts';
import { clientFor, recordingLogger, ref, type Client } from './setup.ts';
import { buildImage, pushImage, rawManifest } from './test-images.ts';

const skip = registryAvailable();

describe('registry faults (fault proxy in front of a plain-HTTP registry)', { skip }, () => {
  let registry: TestRegistry;
  let proxy: FaultProxy;
  let client: Client;
  const logger = recordingLogger();
  const image = buildImage('faults');
  before(async () => {
    registry = await startRegistry({ mode: 'http' });
    proxy = await startFaultProxy({ upstream: registry.url });
    client = clientFor(registry, { logger });
    await pushImage(repo(), image, 'v1');
  });
  after(async () => {
    await client?.close();
    await proxy?.stop();
    await registry?.stop();
  });
  function repo(name = 'faults/app') {
    return createRegistryRepository(ref(proxy, name), client.options);
  }

  it('a corrupted blob is an error and no byte of it is returned', async () => {
    proxy.corruptBlobs = true;
    try {
      const layer = image.blobs[1]!;
      await assert.rejects(repo().readBlob(layer.descriptor.digest, 1024), (err: Error) =>
        isOcisignError(err, 'IO') && /content digest is sha256:/.test(err.message) && err.message.includes(layer.descriptor.digest));
      const received: Uint8Array[] = [];
      await assert.rejects(async () => {
        for await (const chunk of await repo().openBlob(layer.descriptor.digest, layer.descriptor.size)) received.push(chunk);
      }, /blob discarded/);
      assert.equal(received.length, 0, 'the held-back last chunk never reached the consumer');
    } finally {
      proxy.corruptBlobs = false;
    }
  });

  it('retries 429 and 503 honouring Retry-After, then succeeds', async () => {
    proxy.failNext({ status: 429, count: 2, retryAfter: '1', match: /^GET .*\/manifests\// });
    const got = await repo().getManifest('v1');
    assert.equal(got!.digest, image.manifest.digest);
    assert.ok(logger.debugs.some((m) => /429, retry 1 in 20 ms \(Retry-After\)/.test(m)), logger.debugs.join('\n'));
    proxy.failNext({ status: 503, count: 2, match: /^HEAD .*\/manifests\// });
    assert.equal((await repo().resolve('v1'))!.digest, image.manifest.digest);
  });

  it('restarts a blob upload from POST after a 503 in the session', async () => {
    const fresh = buildImage('restart');
    proxy.failNext({ status: 503, count: 1, match: /^PUT .*\/blobs\/uploads\// });
    const before = proxy.requests.length;
    await pushImage(repo('faults/restart'), fresh, 'v1');
    const posts = proxy.requests.slice(before).filter((r) => r.method === 'POST').length;
    assert.equal(posts, fresh.blobs.length + 1, 'one extra POST for the restarted upload');
    assert.equal((await repo('faults/restart').getManifest('v1'))!.digest, fresh.manifest.digest);
  });

  it('retries a reset connection on an idempotent step', async () => {
    proxy.resetNext({ count: 1, match: /^GET .*\/tags\/list/ });
    assert.deepEqual(await repo().listTags(), ['v1']);
  });

  it('gives up after the configured attempts with the status in the message', async () => {
    proxy.failNext({ status: 503, count: 100, match: /^GET .*\/manifests\// });
    try {
      await assert.rejects(repo().getManifest('v1'), (err: Error) =>
        isOcisignError(err, 'IO') && err.message.startsWith(`getting manifest ${proxy.host}/faults/app:v1: 503`));
    } finally {
      proxy.failNext({ status: 503, count: 0 });
    }
  });

  it('refuses a 5 MiB manifest on GET, with and without Content-Length', async () => {
    const big = new Uint8Array(5 * 1024 * 1024).fill(0x20);
    for (const contentLength of [true, false]) {
      proxy.serveManifest({ match: /\/manifests\/huge$/, bytes: big, contentLength });
      await assert.rejects(repo().getManifest('huge'), (err: Error) =>
        isOcisignError(err, 'IO') && /limit of 4194304 bytes/.test(err.message), `contentLength=${contentLength}`);
    }
    proxy.serveManifest(undefined);
  });

  it('refuses manifest bytes that do not match Docker-Content-Digest', async () => {
    proxy.serveManifest({ match: /\/manifests\/liar$/, bytes: image.manifest.bytes, contentLength: true, headers: { 'docker-content-digest': sha256Digest('other') } });
    try {
      await assert.rejects(repo().getManifest('liar'), /does not match Docker-Content-Digest/);
    } finally {
      proxy.serveManifest(undefined);
    }
  });

  it('refuses to PUT a 5 MiB manifest before sending anything', async () => {
    const huge = rawManifest({
      schemaVersion: 2,
      mediaType: MediaType.OciManifest,
      config: image.blobs[0]!.descriptor,
      layers: [image.blobs[1]!.descriptor],
      annotations: { pad: 'x'.repeat(5 * 1024 * 1024) },
    });
    const before = proxy.requests.length;
    await assert.rejects(repo().putManifest('huge', huge), (err: Error) => isOcisignError(err, 'BAD_INPUT') && /larger than the limit/.test(err.message));
    assert.equal(proxy.requests.length, before);
  });
});

describe('blob redirects to another host (token registry behind the proxy)', { skip }, () => {
  let registry: TestRegistry;
  let proxy: FaultProxy;
  let client: Client;
  before(async () => {
    registry = await startRegistry({ mode: 'token' });
    proxy = await startFaultProxy({ upstream: registry.url });
    client = clientFor(registry, { credentialsHost: proxy.host });
  });
  after(async () => {
    await client?.close();
    await proxy?.stop();
    await registry?.stop();
  });

  it('follows the redirect without sending the registry Authorization to the other host', async () => {
    const r = createRegistryRepository(ref(proxy, 'redirect/app'), client.options);
    const image = buildImage('redirect');
    await pushImage(r, image, 'v1');
    proxy.redirectBlobs = true;
    for (const b of image.blobs) {
      assert.deepEqual(Buffer.from(await r.readBlob(b.descriptor.digest, 4096)), Buffer.from(b.bytes));
    }
    assert.equal(proxy.redirectTarget.hits, image.blobs.length);
    assert.deepEqual(proxy.redirectTarget.authorizations, image.blobs.map(() => undefined));
  });
});

describe('connection failures', () => {
  it('a refused connection is an IO error naming the host and the operation', async () => {
    const client = clientFor({ host: '127.0.0.1:1', url: 'http://127.0.0.1:1', mode: 'http', dir: '', stop: async () => {} });
    try {
      const r = createRegistryRepository(ref({ host: '127.0.0.1:1' }, 'x/y'), client.options);
      await assert.rejects(r.getManifest('v1'), (err: Error) =>
        isOcisignError(err, 'IO') && err.message === 'getting manifest 127.0.0.1:1/x/y:v1: connection refused by 127.0.0.1:1');
    } finally {
      await client.close();
    }
  });
});
