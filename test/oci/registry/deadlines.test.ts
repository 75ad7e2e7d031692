// Stalls, resets, truncated bodies and lying Content-Lengths between the client and the real registry (the fault
// proxy in front of it), with short deadlines: each is retried when it is transient and ends as IO naming the host
// and what was being read or written when it persists; nothing hangs and nothing is an internal error.
import assert from 'node:assert/strict';
import { createServer as createTcpServer, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Agent } from 'undici';
import { DeadlineExceeded } from '../../../src/core/deadline.ts';
import { isOcisignError } from '../../../src/core/errors.ts';
import { createDispatcher, createRegistryRepository } from '../../../src/oci/registry/registry-repository.ts';
import { fetchToken } from '../../../src/oci/registry/token.ts';
import { request } from '../../../src/oci/registry/undici.ts';
import { startFaultProxy, type Fault, type FaultProxy } from '../../helpers/fault-proxy.ts';
import { registryAvailable, startRegistry, type TestRegistry } from '../../helpers/registry-server.ts';
import { clientFor, collect, ref, TINY_RETRY, type Client } from './setup.ts';
import { buildImage, pushImage } from './test-images.ts';

const skip = registryAvailable();
const timeouts = { headersMs: 300, bodyIdleMs: 300 };
/** undici's header and body timers tick about once a second, so each stall costs ~1 s: two tries are enough here. */
const STALL_RETRY = { ...TINY_RETRY, attempts: 2 };
const isStall = (fault: Fault) => fault.kind.startsWith('stall');

describe('deadlines and broken bodies (fault proxy in front of the real registry)', { skip }, () => {
  let registry: TestRegistry;
  let proxy: FaultProxy;
  let client: Client;
  const image = buildImage('deadlines');
  before(async () => {
    registry = await startRegistry({ mode: 'http' });
    proxy = await startFaultProxy({ upstream: registry.url });
    client = clientFor(registry, { timeouts });
    await pushImage(repo(), image, 'v1');
  });
  after(async () => {
    await client?.close();
    await proxy?.stop();
    await registry?.stop();
  });
  function repo(options = client.options) {
    return createRegistryRepository(ref(proxy, 'deadlines/app'), options);
  }
  function stallRepo() {
    return repo({ ...client.options, retry: STALL_RETRY });
  }
  async function withFault<T>(match: RegExp, fault: Fault, count: number | undefined, fn: () => Promise<T>): Promise<T> {
    const injected = proxy.inject({ match, fault, ...(count === undefined ? {} : { count }) });
    try {
      return await fn();
    } finally {
      proxy.clearFaults();
      assert.ok(injected.hits > 0, `the ${fault.kind} fault was hit`);
    }
  }
  /** Aborts `controller` with a DeadlineExceeded ~150 ms after the proxy first sees a request matching `match` from now on. */
  function abortOnceSeen(controller: AbortController, match: RegExp, why: string): void {
    const from = proxy.requests.length;
    const poll = setInterval(() => {
      if (!proxy.requests.slice(from).some((r) => match.test(`${r.method} ${r.path}`))) return;
      clearInterval(poll);
      setTimeout(() => controller.abort(new DeadlineExceeded(why)), 150);
    }, 10).unref();
  }
  const manifestGet = /^GET \/v2\/deadlines\/app\/manifests\/v1$/;
  const layer = () => image.blobs[1]!.descriptor;
  const blobGet = () => new RegExp(`^GET /v2/deadlines/app/blobs/${layer().digest}$`);

  const bodyFaults: Array<[Fault, RegExp]> = [
    [{ kind: 'reset-body' }, /connection to 127\.0\.0\.1:\d+ was reset$/],
    [{ kind: 'truncate' }, /127\.0\.0\.1:\d+ closed the connection before the end of the answer$/],
    [{ kind: 'long-content-length' }, /127\.0\.0\.1:\d+ closed the connection before the end of the answer$/],
    [{ kind: 'stall-body' }, /the answer from 127\.0\.0\.1:\d+ stalled \(no data for 300 ms\)$/],
  ];
  for (const [fault, message] of bodyFaults) {
    it(`manifest GET, ${fault.kind}: retried once, then IO naming the host`, async () => {
      const r = isStall(fault) ? stallRepo() : repo();
      const got = await withFault(manifestGet, fault, 1, () => r.getManifest('v1'));
      assert.equal(got!.digest, image.manifest.digest);
      await withFault(manifestGet, fault, undefined, () =>
        assert.rejects(r.getManifest('v1'), (err: Error) =>
          isOcisignError(err, 'IO') && err.message.startsWith(`getting manifest ${proxy.host}/deadlines/app:v1: `) && message.test(err.message)));
    });

    it(`blob GET, ${fault.kind}: readBlob retries, openBlob fails as IO`, async () => {
      const r = isStall(fault) ? stallRepo() : repo();
      const bytes = await withFault(blobGet(), fault, 1, () => r.readBlob(layer().digest, 1 << 20));
      assert.equal(bytes.byteLength, layer().size);
      await withFault(blobGet(), fault, undefined, () =>
        assert.rejects(r.readBlob(layer().digest, 1 << 20), (err: Error) => isOcisignError(err, 'IO') && message.test(err.message)));
      await withFault(blobGet(), fault, 1, () =>
        assert.rejects(async () => collect(await r.openBlob(layer().digest, layer().size)), (err: Error) =>
          isOcisignError(err, 'IO') && err.message.startsWith(`getting blob ${proxy.host}/deadlines/app@${layer().digest}: `)));
    });
  }

  it('a stall before the headers of a HEAD, a GET, a PUT and a tag list: retried, then IO with the deadline', async () => {
    const r = stallRepo();
    const cases: Array<[RegExp, string, () => Promise<unknown>]> = [
      [/^HEAD .*\/manifests\/v1$/, `resolving ${proxy.host}/deadlines/app:v1`, () => r.resolve('v1')],
      [manifestGet, `getting manifest ${proxy.host}/deadlines/app:v1`, () => r.getManifest('v1')],
      [/^PUT .*\/manifests\/v2$/, `pushing manifest ${proxy.host}/deadlines/app:v2`, () => r.putManifest('v2', image.manifest)],
      [/^GET .*\/tags\/list/, `listing tags of ${proxy.host}/deadlines/app`, () => r.listTags()],
    ];
    for (const [match, what, fn] of cases) {
      if (match === manifestGet) await withFault(match, { kind: 'stall-headers' }, 1, fn);
      await withFault(match, { kind: 'stall-headers' }, undefined, () =>
        assert.rejects(fn(), (err: Error) => isOcisignError(err, 'IO') && err.message === `${what}: no response headers from ${proxy.host} within 300 ms`));
    }
  });

  it('a stalled blob upload is restarted, then IO', async () => {
    const fresh = buildImage('stalled-upload');
    const upload = /^PUT \/v2\/deadlines\/app\/blobs\/uploads\//;
    await withFault(upload, { kind: 'stall-headers' }, 1, () => pushImage(stallRepo(), fresh, 'fresh'));
    assert.equal((await repo().getManifest('fresh'))!.digest, fresh.manifest.digest);
    const other = buildImage('stalled-upload-2');
    await withFault(upload, { kind: 'stall-headers' }, undefined, () =>
      assert.rejects(pushImage(stallRepo(), other, 'other'), (err: Error) => isOcisignError(err, 'IO') && /^pushing blob .*: no response headers from/.test(err.message)));
  });

  it('the whole-operation deadline ends a stalled request and a retry pause, naming what was being read', async () => {
    const deadline = new AbortController();
    const options = { ...client.options, timeouts: { headersMs: 60_000, bodyIdleMs: 60_000 }, signal: deadline.signal };
    const why = "the command's deadline of 0.2s (--timeout) passed";
    // the deadline passes once the request is stalled at the proxy, however long getting there took on a busy machine
    abortOnceSeen(deadline, manifestGet, why);
    await withFault(manifestGet, { kind: 'stall-headers' }, undefined, () =>
      assert.rejects(repo(options).getManifest('v1'), (err: Error) =>
        isOcisignError(err, 'IO') && err.message === `getting manifest ${proxy.host}/deadlines/app:v1: ${why}`));
    // after the deadline, nothing more is sent
    const sent = proxy.requests.length;
    await assert.rejects(repo(options).resolve('v1'), (err: Error) => isOcisignError(err, 'IO') && err.message.endsWith(why));
    assert.equal(proxy.requests.length, sent);
    // a retry pause (Retry-After: 60 s, capped by maxDelayMs) ends at the deadline too
    const later = new AbortController();
    const slow = { ...client.options, retry: { ...TINY_RETRY, maxDelayMs: 60_000 }, signal: later.signal };
    abortOnceSeen(later, manifestGet, why);
    await withFault(manifestGet, { kind: 'status', status: 503, retryAfter: '60' }, undefined, () =>
      assert.rejects(repo(slow).getManifest('v1'), (err: Error) => isOcisignError(err, 'IO') && err.message.endsWith(why)));
  });
});

describe('deadlines without a registry', () => {
  /** A TCP server that accepts connections and never says a word. */
  async function silentServer(): Promise<{ port: number; stop(): Promise<void> }> {
    const sockets = new Set<Socket>();
    const server = createTcpServer((s) => void sockets.add(s));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return {
      port: (server.address() as { port: number }).port,
      stop: () => new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
    };
  }

  it('connect: a TLS handshake that never completes ends at the connect deadline', async () => {
    const server = await silentServer();
    const dispatcher = createDispatcher({ timeouts: { connectMs: 300 } });
    try {
      await assert.rejects(request(`https://127.0.0.1:${server.port}/v2/`, { dispatcher }), (err: Error & { code?: string }) => err.code === 'UND_ERR_CONNECT_TIMEOUT');
      const repo = createRegistryRepository(ref({ host: `127.0.0.1:${server.port}` }, 'x/y'), { dispatcher, timeouts: { headersMs: 300 }, retry: STALL_RETRY });
      await assert.rejects(repo.getManifest('v1'), (err: Error) =>
        isOcisignError(err, 'IO') && err.message === `getting manifest 127.0.0.1:${server.port}/x/y:v1: no response headers from 127.0.0.1:${server.port} within 300 ms`);
    } finally {
      await dispatcher.close();
      await server.stop();
    }
  });

  it('token requests: a silent token server ends at the headers deadline, after the retries', async () => {
    const server = await silentServer();
    const dispatcher = new Agent();
    try {
      await assert.rejects(
        fetchToken({
          realm: `http://127.0.0.1:${server.port}/token`,
          scopes: ['repository:x:pull'],
          registry: 'registry.test',
          dispatcher,
          maxErrorBodyBytes: 1024,
          timeouts: { connectMs: 300, headersMs: 200, bodyIdleMs: 200 },
          retry: STALL_RETRY,
        }),
        (err: Error) => isOcisignError(err, 'IO') && err.message === `requesting a token from http://127.0.0.1:${server.port}/token for registry.test: no response headers from 127.0.0.1:${server.port} within 200 ms`,
      );
    } finally {
      await dispatcher.close();
      await server.stop();
    }
  });

  it('a dispatcher made with a signal ends every request when it aborts (the CLI deadline reaches every client)', async () => {
    const server = await silentServer();
    const deadline = new AbortController();
    const dispatcher = createDispatcher({ signal: deadline.signal });
    try {
      setTimeout(() => deadline.abort(new DeadlineExceeded('time is up')), 100);
      await assert.rejects(request(`http://127.0.0.1:${server.port}/`, { dispatcher }), (err: Error) => err instanceof DeadlineExceeded);
      const own = new AbortController();
      await assert.rejects(request(`http://127.0.0.1:${server.port}/`, { dispatcher, signal: own.signal }), (err: Error) => err instanceof DeadlineExceeded);
    } finally {
      await dispatcher.close();
      await server.stop();
    }
  });
});
