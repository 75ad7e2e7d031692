// The bundle media types ocisign keeps without loading @sigstore/bundle agree with @sigstore/bundle's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BUNDLE_V01_MEDIA_TYPE as SIGSTORE_V01, BUNDLE_V02_MEDIA_TYPE, BUNDLE_V03_LEGACY_MEDIA_TYPE, BUNDLE_V03_MEDIA_TYPE } from '@sigstore/bundle';
import { BUNDLE_V01_MEDIA_TYPE, bundleVersion, isBundleMediaType } from '../../src/verify/evidence/bundle-media-types.ts';

test('bundle media types: the v0.1 constant and the versions of every @sigstore/bundle media type', () => {
  assert.equal(BUNDLE_V01_MEDIA_TYPE, SIGSTORE_V01);
  assert.equal(bundleVersion(SIGSTORE_V01), '0.1');
  assert.equal(bundleVersion(BUNDLE_V02_MEDIA_TYPE), '0.2');
  assert.equal(bundleVersion(BUNDLE_V03_LEGACY_MEDIA_TYPE), '0.3');
  assert.equal(bundleVersion(BUNDLE_V03_MEDIA_TYPE), '0.3');
  for (const t of [SIGSTORE_V01, BUNDLE_V02_MEDIA_TYPE, BUNDLE_V03_LEGACY_MEDIA_TYPE, BUNDLE_V03_MEDIA_TYPE]) assert.ok(isBundleMediaType(t), t);
  assert.equal(bundleVersion('application/vnd.dev.sigstore.bundle+json;version=0.3; charset=utf-8'), undefined);
  assert.equal(isBundleMediaType('application/vnd.oci.empty.v1+json'), false);
});
