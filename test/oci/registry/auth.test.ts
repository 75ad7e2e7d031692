import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isOcisignError } from '../../../src/core/errors.ts';
import { createRegistryRepository, type RegistryRepository } from '../../../src/oci/registry/registry-repository.ts';
import { registryAvailable, startRegistry, type TestRegistry } from '../../helpers/registry-server.ts';
import { clientFor, ref, type Client } from './setup.ts';
import { buildImage, pushImage } from './test-images.ts';

const skip = registryAvailable();

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'ocisign-auth-'));
}

/** A `docker-credential-test` helper that answers for `host` only and logs each call. */
async function writeHelper(dir: string, host: string, username: string, password: string): Promise<void> {
  const script = `#!/bin/sh
[ "$1" = get ] || exit 2
read server
echo "$server" >> "${dir}/helper-calls"
if [ "$server" = "${host}" ]; then
  printf '{"ServerURL":"%s","Username":"${username}","Secret":"${password}"}' "$server"
else
  echo "credentials not found in native keychain"; exit 1
fi
`;
  await writeFile(join(dir, 'docker-credential-test'), script);
  await chmod(join(dir, 'docker-credential-test'), 0o755);
}

for (const mode of ['tls-basic', 'token'] as const) {
  describe(`registry credentials (${mode})`, { skip }, () => {
    let registry: TestRegistry;
    let dir: string;
    const clients: Client[] = [];
    before(async () => {
      registry = await startRegistry({ mode });
      dir = await tempDir();
    });
    after(async () => {
      for (const c of clients) await c.close();
      await registry?.stop();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    function open(repository: string, extra: Parameters<typeof clientFor>[1]): RegistryRepository {
      const base = clientFor(registry, extra);
      clients.push(base);
      // clientFor adds the registry's own credentials; drop them unless the test passed some
      if (!extra || !('credentials' in extra)) {
        delete base.options.credentials;
        delete base.options.credentialsHost;
      }
      return createRegistryRepository(ref(registry, repository), base.options) as RegistryRepository;
    }

    it('uses "auth" (base64 user:password) from a docker config file', async () => {
      const cfg = join(dir, 'cfg-auth');
      await writeFile(join(await mkdirp(cfg), 'config.json'), JSON.stringify({
        auths: { [registry.host]: { auth: Buffer.from(`${registry.username}:${registry.password}`).toString('base64') } },
      }));
      const r = open('cfg/auth', { dockerConfigDir: cfg });
      await pushImage(r, buildImage('cfg-auth'), 'v1');
      assert.ok(await r.getManifest('v1'));
    });

    it('uses username/password under an https:// key of a docker config file', async () => {
      const cfg = join(dir, 'cfg-userpass');
      await writeFile(join(await mkdirp(cfg), 'config.json'), JSON.stringify({
        auths: { [`https://${registry.host}`]: { username: registry.username, password: registry.password } },
      }));
      const r = open('cfg/userpass', { dockerConfigDir: cfg });
      await pushImage(r, buildImage('cfg-userpass'), 'v1');
      assert.deepEqual(await r.listTags(), ['v1']);
    });

    it('runs a credential helper (credHelpers) found on options.env PATH', async () => {
      const cfg = join(dir, 'cfg-helper');
      await mkdirp(cfg);
      await writeHelper(cfg, registry.host, registry.username!, registry.password!);
      await writeFile(join(cfg, 'config.json'), JSON.stringify({ credHelpers: { [registry.host]: 'test' } }));
      const r = open('cfg/helper', { dockerConfigDir: cfg, env: { PATH: `${cfg}:/usr/bin:/bin` } });
      await pushImage(r, buildImage('cfg-helper'), 'v1');
      assert.ok(await r.resolve('v1'));
      const { readFile } = await import('node:fs/promises');
      assert.deepEqual((await readFile(join(cfg, 'helper-calls'), 'utf8')).trim().split('\n'), [registry.host], 'helper asked once, for this host');
    });

    it('treats "credentials not found" from credsStore as anonymous (and fails to push as such)', async () => {
      const cfg = join(dir, 'cfg-store');
      await mkdirp(cfg);
      await writeHelper(cfg, 'some-other-host:1', 'x', 'y');
      await writeFile(join(cfg, 'config.json'), JSON.stringify({ credsStore: 'test' }));
      const r = open('cfg/store', { dockerConfigDir: cfg, env: { PATH: `${cfg}:/usr/bin:/bin` } });
      await assert.rejects(pushImage(r, buildImage('cfg-store'), 'v1'), (err) => isOcisignError(err, 'AUTH'));
    });

    it('wrong credentials → AUTH error naming the reference', async () => {
      const r = open('demo/badcreds', { credentials: { username: registry.username, password: 'not-the-password-xyz' }, credentialsHost: registry.host });
      await assert.rejects(r.getManifest('v1'), (err: Error) => {
        assert.ok(isOcisignError(err, 'AUTH'), String(err));
        assert.match(err.message, new RegExp(`authentication failed for ${registry.host.replace(/\./g, '\\.')}`));
        assert.doesNotMatch(err.message, /not-the-password-xyz/);
        return true;
      });
    });

    it('sends explicit credentials only to their credentialsHost', async () => {
      const r = open('demo/other-host', { credentials: { username: registry.username, password: registry.password }, credentialsHost: 'elsewhere.example:5000' });
      await assert.rejects(pushImage(r, buildImage('other-host'), 'v1'), (err) => isOcisignError(err, 'AUTH'));
    });
  });
}

describe('token auth specifics', { skip }, () => {
  let registry: TestRegistry;
  let client: Client;
  before(async () => {
    registry = await startRegistry({ mode: 'token' });
    client = clientFor(registry);
  });
  after(async () => {
    await client?.close();
    await registry?.stop();
  });

  it('caches tokens per scope: one token for many reads, one more for writes', async () => {
    const r = createRegistryRepository(ref(registry, 'cache/app'), client.options) as RegistryRepository;
    const image = buildImage('cache');
    await pushImage(r, image, 'v1');
    await r.getManifest('v1');
    await r.resolve('v1');
    await r.readBlob(image.blobs[0]!.descriptor.digest, 4096);
    await r.listTags();
    await r.getManifest(image.manifest.digest);
    await pushImage(r, image, 'v2');
    // one token for the pull scope (reads, blob HEADs), one for pull,push (uploads, manifest PUTs)
    assert.deepEqual(registry.tokenServer!.requests.map((q) => q.scopes.join(' ')), ['repository:cache/app:pull', 'repository:cache/app:pull,push']);
    assert.equal(r.session.auth.tokenRequests, 2);
    // a second repository object with the same options shares the cache
    const again = createRegistryRepository(ref(registry, 'cache/app'), client.options);
    await again.getManifest('v1');
    assert.equal(registry.tokenServer!.requests.filter((q) => q.scopes.includes('repository:cache/app:pull')).length, 1);
  });

  it('exchanges an identity token with POST grant_type=refresh_token', async () => {
    const c = clientFor(registry, { credentials: { identityToken: registry.refreshToken }, credentialsHost: registry.host });
    try {
      const r = createRegistryRepository(ref(registry, 'identity/app'), c.options);
      await pushImage(r, buildImage('identity'), 'v1');
      assert.ok(registry.tokenServer!.requests.some((q) => q.method === 'POST' && q.user === registry.username));
    } finally {
      await c.close();
    }
  });

  it('a pull-only user can read but pushing → AUTH', async () => {
    const c = clientFor(registry, { credentials: registry.readOnlyUser, credentialsHost: registry.host });
    try {
      const r = createRegistryRepository(ref(registry, 'cache/app'), c.options);
      assert.ok(await r.getManifest('v1'));
      await assert.rejects(pushImage(r, buildImage('read-only'), 'v9'), (err: Error) => isOcisignError(err, 'AUTH') && /authentication failed for/.test(err.message));
    } finally {
      await c.close();
    }
  });
});

async function mkdirp(dir: string): Promise<string> {
  const { mkdir } = await import('node:fs/promises');
  await mkdir(dir, { recursive: true });
  return dir;
}
