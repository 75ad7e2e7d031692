// src/oci/registry/undici.ts loads undici's own lib/ modules (not its index: start-up time, see the README's
// Performance section). Those are not undici's public API, so the version is pinned exactly, and this test fails when
// the pin and the installed undici differ, or when the internal modules stop being what the public API exports.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Agent, EnvHttpProxyAgent, request, withSignal } from '../../../src/oci/registry/undici.ts';

const root = new URL('../../../', import.meta.url);
const require = createRequire(import.meta.url);
const json = (path: string) => JSON.parse(readFileSync(new URL(path, root), 'utf8'));

test('undici is pinned to one exact version, the one installed, in package.json and package-lock.json', () => {
  const pinned = json('package.json').dependencies.undici as string;
  assert.match(pinned, /^\d+\.\d+\.\d+$/, `package.json must pin undici exactly (no ^ or ~): ${pinned}`);
  const lock = json('package-lock.json');
  assert.equal(lock.packages[''].dependencies.undici, pinned, 'package-lock.json root');
  assert.equal(lock.packages['node_modules/undici'].version, pinned, 'package-lock.json node_modules/undici');
  assert.equal(require('undici/package.json').version, pinned, 'installed undici');
});

test("the internal modules are the classes undici's public API exports", async () => {
  const undici = await import('undici');
  assert.equal(Agent, undici.Agent, 'undici/lib/dispatcher/agent.js');
  assert.equal(EnvHttpProxyAgent, undici.EnvHttpProxyAgent, 'undici/lib/dispatcher/env-http-proxy-agent.js');
  const DispatcherClass = require('undici/lib/dispatcher/dispatcher.js');
  assert.equal(DispatcherClass, undici.Dispatcher, 'undici/lib/dispatcher/dispatcher.js');
  const api = require('undici/lib/api/index.js');
  for (const name of ['request', 'stream', 'pipeline', 'connect', 'upgrade']) assert.equal(typeof api[name], 'function', `api.${name}`);
  assert.equal(DispatcherClass.prototype.request, api.request, 'the request API is attached to every dispatcher');
  // scripts/bundle-plugins.ts stubs this file out of the CLI bundle (HTTP/1.1 only)
  assert.ok(existsSync(join(dirname(require.resolve('undici/package.json')), 'lib/dispatcher/client-h2.js')), 'lib/dispatcher/client-h2.js');
});

test('requests work through the Agent, the proxy agent and a dispatcher with a signal', async (t) => {
  const server = createServer((req, res) => res.end(`${req.method} ${req.url}`));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const agent = new Agent({ connections: 1 });
  const proxied = new EnvHttpProxyAgent({ httpProxy: 'http://127.0.0.1:1', noProxy: '127.0.0.1' });
  t.after(async () => {
    await agent.close();
    await proxied.close();
    server.close();
  });
  for (const dispatcher of [agent, proxied, withSignal(agent, new AbortController().signal)]) {
    const res = await request(`${url}/v2/?x=1`, { dispatcher, method: 'GET' });
    assert.equal(res.statusCode, 200);
    assert.equal(await res.body.text(), 'GET /v2/?x=1');
  }
});
