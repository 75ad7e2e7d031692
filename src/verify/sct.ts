/**
 * `--insecure-ignore-sct`: cosign then checks no embedded SCT at all. @sigstore/verify checks every embedded
 * SCT whatever its threshold, so the leaf is handed to it through a view whose working copy for the SCT check
 * (`clone()`, which it strips the SCT list from anyway) has no SCT list; the certificate, its chain and its
 * signature are the same bytes.
 */
import { EXTENSION_OID_SCT, type X509Certificate } from '@sigstore/core';
import type { SignedEntity } from '@sigstore/verify';

export function withoutSctCheck(key: SignedEntity['key']): SignedEntity['key'] {
  if (key.$case !== 'certificate') return key;
  const leaf = key.certificate;
  const view = Object.create(leaf) as X509Certificate;
  view.clone = () => {
    const copy = leaf.clone();
    const index = copy.extensions.findIndex((ext) => ext.subs[0]?.toOID() === EXTENSION_OID_SCT);
    if (index >= 0) copy.extensions.splice(index, 1);
    return copy;
  };
  return { $case: 'certificate', certificate: view };
}
