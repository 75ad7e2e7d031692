// The referrers API path on a real registry that has it: go-containerregistry's pkg/registry (regsrv).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Agent } from 'undici';
import { buildImage, sampleLayers } from '../../src/oci/image-builder.ts';
import type { Descriptor } from '../../src/oci/manifest.ts';
import { pushArtifact } from '../../src/oci/referrers/artifact-manifest.ts';
import { referrersTag } from '../../src/oci/referrers/referrers-tag.ts';
import { createRegistryRepository } from '../../src/oci/registry/registry-repository.ts';
import { BUNDLE, bundleArtifact } from './artifacts.ts';
import { referrersRegistryAvailable, startReferrersRegistry, type ReferrersRegistry } from '../helpers/referrers-registry.ts';

describe('referrers API (regsrv)', { skip: referrersRegistryAvailable() }, () => {
  let registry: ReferrersRegistry;
  const dispatcher = new Agent({ connections: 8 });
  before(async () => {
    registry = await startReferrersRegistry();
  });
  after(async () => {
    await dispatcher.close();
    await registry?.stop();
  });
  const repo = (name: string) => createRegistryRepository({ kind: 'registry', registry: registry.host, repository: name }, { dispatcher, retry: { attempts: 3, baseDelayMs: 5, maxDelayMs: 20 } });

  it('push and list through the API: no fallback tag; 16 concurrent writers all listed', async () => {
    const r = repo('api/app');
    const built = await buildImage(r, { layers: sampleLayers('amd64') }, 'v1');
    const subject: Descriptor = { mediaType: built.descriptor.mediaType, digest: built.digest, size: built.descriptor.size };
    const pushed = await Promise.all(Array.from({ length: 16 }, (_, i) => pushArtifact(repo('api/app'), bundleArtifact(subject, i))));
    assert.ok(pushed.every((p) => p.via === 'referrers-api'));
    const listing = await r.listReferrers(subject.digest);
    assert.equal(listing.via, 'referrers-api');
    assert.deepEqual(new Set(listing.descriptors.map((d) => d.digest)), new Set(pushed.map((p) => p.digest)));
    assert.ok(listing.descriptors.every((d) => d.artifactType === BUNDLE), 'the spec listing reports the manifest artifactType');
    assert.equal(await r.resolve(referrersTag(subject.digest)), undefined, 'no fallback tag');
  });
});
