// Test-only check of ocisign's bundles with sigstore-js (@sigstore/bundle + @sigstore/verify), until the
// project's own verification pipeline reads bundles: parse the v0.3 bundle strictly, verify the DSSE signature
// (a key found by its hint, or a certificate to the trusted root, with the tlog/timestamps it carries), then
// check the in-toto subject names the image digest.
import assert from 'node:assert/strict';
import type { KeyObject } from 'node:crypto';
import { assertBundleLatest, bundleFromJSON } from '@sigstore/bundle';
import { PublicKeyDetails, TrustedRoot } from '@sigstore/protobuf-specs';
import { toSignedEntity, toTrustMaterial, Verifier } from '@sigstore/verify';
import { publicKeyHint } from '../../src/bundle/dsse-bundle.ts';
import type { Repository } from '../../src/oci/repository.ts';

export interface CheckedBundle {
  statement: { _type: string; predicateType: string; subject: Array<{ digest: Record<string, string>; annotations?: Record<string, string> }>; predicate: unknown };
  json: Record<string, unknown>;
}

const EMPTY_ROOT = { mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1', tlogs: [], certificateAuthorities: [], ctlogs: [], timestampAuthorities: [] };

export function checkBundle(bytes: Uint8Array, digest: string, trust: { publicKey: KeyObject; trustedRoot?: object } | { trustedRoot: object }): CheckedBundle {
  const json = JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
  const bundle = bundleFromJSON(json);
  assertBundleLatest(bundle);
  const root = TrustedRoot.fromJSON(trust.trustedRoot ?? EMPTY_ROOT);
  const keys = 'publicKey' in trust
    ? { [publicKeyHint(trust.publicKey)]: { rawBytes: trust.publicKey.export({ format: 'der', type: 'spki' }), keyDetails: PublicKeyDetails.PKIX_ECDSA_P256_SHA_256, validFor: { start: new Date(0) } } }
    : undefined;
  const tlogs = (bundle.verificationMaterial.tlogEntries ?? []).length;
  const timestamps = bundle.verificationMaterial.timestampVerificationData?.rfc3161Timestamps.length ?? 0;
  const verifier = new Verifier(toTrustMaterial(root, keys), { tlogThreshold: tlogs > 0 ? 1 : 0, ctlogThreshold: 'publicKey' in trust ? 0 : 1, timestampThreshold: tlogs + timestamps > 0 ? 1 : 0 });
  verifier.verify(toSignedEntity(bundle));
  const envelope = json.dsseEnvelope as { payload: string; payloadType: string };
  assert.equal(envelope.payloadType, 'application/vnd.in-toto+json');
  const statement = JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8')) as CheckedBundle['statement'];
  const [alg, hex] = digest.split(':') as [string, string];
  assert.ok(statement.subject.some((s) => s.digest[alg] === hex), `the statement's subject names ${digest}`);
  return { statement, json };
}

/** Every bundle referrer of `digest` in `repo` (manifest, its bundle layer bytes). */
export async function readBundles(repo: Repository, digest: string): Promise<Array<{ manifestDigest: string; manifest: Record<string, any>; bundle: Uint8Array }>> {
  const listing = await repo.listReferrers(digest);
  const out = [];
  for (const d of listing.descriptors) {
    const raw = await repo.getManifest(d.digest);
    const manifest = JSON.parse(new TextDecoder().decode(raw!.bytes)) as Record<string, any>;
    const layer = manifest.layers?.[0];
    if (manifest.layers?.length !== 1 || !String(layer?.mediaType).startsWith('application/vnd.dev.sigstore.bundle')) continue;
    out.push({ manifestDigest: d.digest, manifest, bundle: await repo.readBlob(layer.digest, 1 << 24) });
  }
  return out;
}
