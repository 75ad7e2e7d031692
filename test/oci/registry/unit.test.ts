import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { Agent, EnvHttpProxyAgent } from 'undici';
import { createDispatcher } from '../../../src/oci/registry/dispatcher.ts';
import { rechunk } from '../../../src/oci/registry/blob-write.ts';
import { credentialsFromAuths, loadDockerConfig, normalizeConfigKey, resolveCredentials } from '../../../src/oci/registry/docker-config.ts';
import { isOcisignError } from '../../../src/core/errors.ts';
import { apiHostFor, isLoopbackHost, schemesFor } from '../../../src/oci/registry/hosts.ts';
import { summarizeErrorBody } from '../../../src/oci/registry/http-error.ts';
import { createRegistryRepository } from '../../../src/oci/registry/registry-repository.ts';
import { parseRetryAfter, retryDelay } from '../../../src/oci/registry/retry.ts';
import { mergeScopes } from '../../../src/oci/registry/scopes.ts';
import { nextLink } from '../../../src/oci/registry/tags.ts';
import { parseChallenges } from '../../../src/oci/registry/www-authenticate.ts';
import { libtrustKeyId } from '../../helpers/token-server.ts';
import { createSigningCert } from '../../helpers/tls.ts';
import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

describe('WWW-Authenticate', () => {
  it('parses a bearer challenge with commas inside quotes', () => {
    assert.deepEqual(parseChallenges('Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull,push"'), [
      { scheme: 'bearer', params: { realm: 'https://auth.example/token', service: 'registry.example', scope: 'repository:a/b:pull,push' } },
    ]);
  });
  it('parses several challenges, escapes and unquoted values', () => {
    const got = parseChallenges('Basic realm="say \\"hi\\", ok", Bearer realm=https://x/t, error=insufficient_scope');
    assert.equal(got.length, 2);
    assert.deepEqual(got[0], { scheme: 'basic', params: { realm: 'say "hi", ok' } });
    assert.deepEqual(got[1], { scheme: 'bearer', params: { realm: 'https://x/t', error: 'insufficient_scope' } });
    assert.deepEqual(parseChallenges(undefined), []);
  });
});

describe('retry policy', () => {
  it('reads Retry-After as seconds or an HTTP date', () => {
    assert.equal(parseRetryAfter('3'), 3000);
    assert.equal(parseRetryAfter(new Date(10_000).toUTCString(), 4_000), 6_000);
    assert.equal(parseRetryAfter('soon'), undefined);
    assert.equal(parseRetryAfter(undefined), undefined);
  });
  it('caps Retry-After and backoff at maxDelayMs', () => {
    const policy = { attempts: 5, baseDelayMs: 100, maxDelayMs: 1000 };
    assert.equal(retryDelay(policy, 1, 120_000), 1000);
    for (let i = 1; i < 10; i++) {
      const d = retryDelay(policy, i);
      assert.ok(d <= 1000 && d >= Math.min(1000, 100 * 2 ** (i - 1)) / 2, `retry ${i}: ${d}`);
    }
  });
});

describe('hosts and transport rules', () => {
  it('plain HTTP only for loopback hosts unless allowHttp', () => {
    assert.deepEqual(schemesFor('registry.example.com:5000', false), ['https']);
    assert.deepEqual(schemesFor('10.0.0.5:5000', false), ['https']);
    assert.deepEqual(schemesFor('registry.example.com', true), ['https', 'http']);
    for (const h of ['127.0.0.1:5000', '127.1.2.3', 'localhost:5000', '[::1]:5000']) assert.deepEqual(schemesFor(h, false), ['http', 'https'], h);
    assert.equal(isLoopbackHost('127.0.0.1.example.com'), false);
  });
  it('uses an EnvHttpProxyAgent only when env names a proxy', async () => {
    const plain = createDispatcher({ env: {} });
    const proxied = createDispatcher({ env: { HTTPS_PROXY: 'http://127.0.0.1:3128', NO_PROXY: 'localhost' } });
    try {
      assert.ok(plain instanceof Agent && !(plain instanceof EnvHttpProxyAgent));
      assert.ok(proxied instanceof EnvHttpProxyAgent);
    } finally {
      await plain.close();
      await proxied.close();
    }
  });
  it('talks to registry-1.docker.io for index.docker.io', () => {
    assert.equal(apiHostFor('index.docker.io'), 'registry-1.docker.io');
    assert.equal(apiHostFor('ghcr.io'), 'ghcr.io');
  });
  it('summarizes distribution error bodies', () => {
    assert.equal(summarizeErrorBody('{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown","detail":{}}]}'), 'MANIFEST_UNKNOWN: manifest unknown');
    assert.equal(summarizeErrorBody('404 page not found\n'), '404 page not found');
  });
});

describe('scopes, links, chunks', () => {
  it('merges scopes per resource', () => {
    assert.deepEqual(mergeScopes(['repository:a:pull', 'repository:a:push', 'repository:b:pull', 'repository:a:pull']), ['repository:a:pull,push', 'repository:b:pull']);
  });
  it('finds rel="next" in a Link header', () => {
    assert.equal(nextLink('</v2/a/tags/list?n=2&last=b>; rel="next"'), '/v2/a/tags/list?n=2&last=b');
    assert.equal(nextLink('<https://x/prev>; rel="prev", <https://x/next>; rel=next'), 'https://x/next');
    assert.equal(nextLink('<https://x/prev>; rel="prev"'), undefined);
  });
  it('re-slices a stream into fixed chunks', async () => {
    const out: number[] = [];
    for await (const c of rechunk([new Uint8Array(3), new Uint8Array(7), new Uint8Array(1)], 4)) out.push(c.byteLength);
    assert.deepEqual(out, [4, 4, 3]);
  });
});

describe('docker config', () => {
  it('matches auths keys by host, https:// URL and the Docker Hub legacy key', () => {
    const config = {
      auths: {
        'https://index.docker.io/v1/': { auth: Buffer.from('hub:secret:with:colons').toString('base64') },
        'https://r.example:5000': { username: 'u', password: 'p' },
        'ghcr.io': { identitytoken: 'idt' },
      },
    };
    assert.deepEqual(credentialsFromAuths(config, 'index.docker.io'), { username: 'hub', password: 'secret:with:colons' });
    assert.deepEqual(credentialsFromAuths(config, 'r.example:5000'), { username: 'u', password: 'p' });
    assert.deepEqual(credentialsFromAuths(config, 'ghcr.io'), { identityToken: 'idt' });
    assert.equal(credentialsFromAuths(config, 'r.example'), undefined, 'the port is part of the host');
    assert.equal(normalizeConfigKey('https://Index.Docker.io/v1/'), 'index.docker.io');
  });
  it('a config over 1 MiB (or /dev/zero) is refused (BAD_INPUT) without being read whole', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ocisign-config-'));
    try {
      await writeFile(join(dir, 'config.json'), `{"auths":{}}${' '.repeat(1024 * 1024)}`);
      await assert.rejects(loadDockerConfig(dir), (err: Error) => isOcisignError(err, 'BAD_INPUT') && /more than the limit of 1048576 bytes/.test(err.message));
      await rm(join(dir, 'config.json'));
      await symlink('/dev/zero', join(dir, 'config.json'));
      await assert.rejects(loadDockerConfig(dir), (err: Error) => isOcisignError(err, 'BAD_INPUT'));
      await rm(join(dir, 'config.json'));
      await writeFile(join(dir, 'config.json'), '{"auths":{"r.example":{"username":"u","password":"p"}}}');
      assert.deepEqual(credentialsFromAuths(await loadDockerConfig(dir), 'r.example'), { username: 'u', password: 'p' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
  it('explicit credentials apply only to credentialsHost', async () => {
    const credentials = { username: 'a', password: 'b' };
    assert.equal(await resolveCredentials('other:5000', { credentials, credentialsHost: 'mine:5000' }), undefined);
    assert.equal(await resolveCredentials('mine:5000', { credentials, credentialsHost: 'mine:5000' }), credentials);
    assert.equal(await resolveCredentials('any:1', { credentials }), credentials);
  });
});

describe('token server key id', () => {
  it('is the libtrust format: 12 groups of 4 base32 characters', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ocisign-kid-'));
    try {
      const cert = await createSigningCert(dir, 'kid');
      assert.match(libtrustKeyId(cert.certPem), /^([A-Z2-7]{4}:){11}[A-Z2-7]{4}$/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('tag pagination (a fake: distribution does not page)', () => {
  it('follows Link rel="next" across pages, relative and absolute', async () => {
    let origin = '';
    const server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      const send = (body: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(200, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify(body));
      };
      if (url.pathname === '/v2/') return send({});
      if (url.searchParams.get('last') === 'b') return send({ name: 'p/q', tags: ['c', 'd'] }, { link: `<${origin}/v2/p/q/tags/list?n=2&last=d>; rel="next"` });
      if (url.searchParams.get('last') === 'd') return send({ name: 'p/q', tags: ['e'] });
      return send({ name: 'p/q', tags: ['a', 'b'] }, { link: '</v2/p/q/tags/list?n=2&last=b>; rel="next"' });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    origin = `http://${host}`;
    const dispatcher = new Agent();
    try {
      const repo = createRegistryRepository({ kind: 'registry', registry: host, repository: 'p/q' }, { dispatcher });
      assert.deepEqual(await repo.listTags(), ['a', 'b', 'c', 'd', 'e']);
    } finally {
      await dispatcher.close();
      server.closeAllConnections();
      server.close();
    }
  });
});
