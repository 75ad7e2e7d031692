import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildSimpleSigningPayload } from '../../src/cosign/simple-signing.ts';
import { buildAttachmentManifest, buildSignatureConfig } from '../../src/cosign/signature-image.ts';
import { goJsonString } from '../../src/cosign/go-json.ts';
import { sha256Digest } from '../../src/oci/digest.ts';

const D1 = `sha256:${'a'.repeat(64)}`;
const D2 = `sha256:${'b'.repeat(64)}`;
const text = (b: Uint8Array) => new TextDecoder().decode(b);

test('simple-signing payload without annotations has optional null, cosign field order', () => {
  const p = text(buildSimpleSigningPayload({ dockerReference: 'ghcr.io/acme/app', digest: D1 }));
  assert.equal(
    p,
    `{"critical":{"identity":{"docker-reference":"ghcr.io/acme/app"},"image":{"docker-manifest-digest":"${D1}"},"type":"cosign container image signature"},"optional":null}`,
  );
});

test('simple-signing payload sorts annotations and escapes like Go', () => {
  const p = text(buildSimpleSigningPayload({ dockerReference: 'r/a', digest: D1, annotations: { team: 'x', env: '<a&b>' } }));
  assert.ok(p.endsWith(`"optional":{"env":"\\u003ca\\u0026b\\u003e","team":"x"}}`), p);
});

test('the fixture payload written by cosign is reproduced byte for byte', () => {
  // dir-img-cosign-valid payload (decoded from its base64 in the fixture README table)
  const expected =
    '{"critical":{"identity":{"docker-reference":"192.168.64.2:5000/cosign-signed-single-sample"},"image":{"docker-manifest-digest":"sha256:634a8f35b5f16dcf4aaa0822adc0b1964bb786fca12f6831de8ddc45e5986a00"},"type":"cosign container image signature"},"optional":null}';
  const p = buildSimpleSigningPayload({
    dockerReference: '192.168.64.2:5000/cosign-signed-single-sample',
    digest: 'sha256:634a8f35b5f16dcf4aaa0822adc0b1964bb786fca12f6831de8ddc45e5986a00',
  });
  assert.equal(text(p), expected);
  assert.equal(p.byteLength, 261);
  assert.equal(sha256Digest(p), 'sha256:cf482371b51a7633b3f02e29b87fc3f4a18b3f127af61cb114af5f2c04fcdd75');
});

test('go string escaping covers control characters and line separators', () => {
  assert.equal(goJsonString('a\n\t\u0001\u2028"\\'), '"a\\n\\t\\u0001\\u2028\\"\\\\"');
});

test('signature config is 233 bytes for one layer and +109 per layer', () => {
  const one = buildSignatureConfig([D1]);
  assert.equal(one.byteLength, 233);
  assert.equal(
    text(one),
    `{"architecture":"","created":"0001-01-01T00:00:00Z","history":[{"created":"0001-01-01T00:00:00Z"}],"os":"","rootfs":{"type":"layers","diff_ids":["${D1}"]},"config":{}}`,
  );
  assert.equal(buildSignatureConfig([D1, D2]).byteLength, 233 + 109);
  assert.equal(buildSignatureConfig([D1, D2, D1]).byteLength, 233 + 218);
});

test('attachment manifest uses ggcr field order and sorted annotation keys', () => {
  const config = buildSignatureConfig([D1]);
  const m = text(
    buildAttachmentManifest(
      [{ descriptor: { mediaType: 'application/vnd.dev.cosign.simplesigning.v1+json', size: 10, digest: D1, annotations: { z: '1', 'dev.cosignproject.cosign/signature': 'MEU=' } } }],
      config,
    ),
  );
  assert.equal(
    m,
    `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","size":233,"digest":"${sha256Digest(config)}"},"layers":[{"mediaType":"application/vnd.dev.cosign.simplesigning.v1+json","size":10,"digest":"${D1}","annotations":{"dev.cosignproject.cosign/signature":"MEU=","z":"1"}}]}`,
  );
});

test('existing layers are emitted from their raw text verbatim', () => {
  const raw = '{ "digest" : "x", "mediaType":"m","size":1, "annotations":{"b":"\\/","a":"1"} }';
  const m = text(buildAttachmentManifest([{ descriptor: { mediaType: 'm', size: 1, digest: D1 }, raw }], buildSignatureConfig([D1])));
  assert.ok(m.includes(`"layers":[${raw}]`));
});
