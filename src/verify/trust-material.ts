/**
 * Trust material in the form `@sigstore/verify` checks against: Fulcio/BYO-PKI certificate authorities, TSAs,
 * Rekor and CT log keys from ocisign's TrustedRoot, built once per root. A legacy `.sig` layer may carry
 * its own intermediates (`dev.sigstore.cosign/chain`); cosign builds a path through them as untrusted
 * intermediates. Here an intermediate joins a CA's chain only after it verifies as issued by that CA (or by
 * an intermediate that already joined), so no certificate becomes an anchor on its own say-so.
 */
import type { X509Certificate as NodeCertificate } from 'node:crypto';
import { X509Certificate } from '@sigstore/core';
import { toTrustMaterial, type TrustMaterial } from '@sigstore/verify';
import { buildProtoTrustedRoot } from '../sigstore/proto-root.ts';
import type { TrustedRoot } from '../sigstore/trusted-root.ts';

type CertAuthority = TrustMaterial['certificateAuthorities'][number];

const built = new WeakMap<TrustedRoot, TrustMaterial>();

const NO_KEY: TrustMaterial['publicKey'] = (hint) => {
  throw new Error(`signed with key ${JSON.stringify(hint)}, and no key was given`);
};

/** The root's trust material (cached); `publicKey` finds no key (key-based checks replace it). */
export function trustMaterialOf(root: TrustedRoot): TrustMaterial {
  let material = built.get(root);
  if (!material) {
    material = toTrustMaterial(root.proto ?? buildProtoTrustedRoot(root), NO_KEY);
    built.set(root, material);
  }
  return material;
}

/** An empty root for key-only checks that need no log, CA or TSA. */
export const NO_TRUST: TrustMaterial = { certificateAuthorities: [], timestampAuthorities: [], tlogs: [], ctlogs: [], publicKey: NO_KEY };

/** `material` with `intermediates` joined to each CA they verifiably chain to. */
export function withIntermediates(material: TrustMaterial, intermediates: readonly NodeCertificate[]): TrustMaterial {
  if (intermediates.length === 0) return material;
  return { ...material, certificateAuthorities: material.certificateAuthorities.map((ca) => joinIntermediates(ca, intermediates)) };
}

function joinIntermediates(ca: CertAuthority, candidates: readonly NodeCertificate[]): CertAuthority {
  const issuers = ca.certChain.map((c) => ({ der: c.root.toDER() }));
  const joined: NodeCertificate[] = [];
  let grew = true;
  while (grew) {
    grew = false;
    for (const cand of candidates) {
      if (joined.includes(cand) || !cand.ca || cand.checkIssued(cand)) continue;
      const issuedByKnown = [...issuers.map((i) => i.der), ...joined.map((j) => j.raw)].some((der) => issuedBy(cand, der));
      if (issuedByKnown) {
        joined.push(cand);
        grew = true;
      }
    }
  }
  if (joined.length === 0) return ca;
  return { ...ca, certChain: [...joined.map((c) => X509Certificate.parse(Buffer.from(c.raw))), ...ca.certChain] };
}

function issuedBy(cert: NodeCertificate, issuerDer: Uint8Array): boolean {
  try {
    const issuer = new (cert.constructor as typeof NodeCertificate)(Buffer.from(issuerDer));
    return cert.checkIssued(issuer) && cert.verify(issuer.publicKey);
  } catch {
    return false;
  }
}
