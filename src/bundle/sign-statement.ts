import { assertDigest } from '../oci/digest.ts';
import { STATEMENT_V1 } from '../attest/statement.ts';
import { COSIGN_SIGN_PREDICATE_TYPE } from './media-types.ts';

/**
 * The in-toto Statement v1 `cosign sign` 3 signs for an image: subject = the digest, `-a` annotations in
 * `subject[0].annotations` (always present, `{}` when none), predicate `{}`. cosign 3 gives the subject no name;
 * ocisign names it with the signed identity (the image's repository, or --sign-container-identity), the
 * docker-reference a legacy payload carries, so `verify --check-docker-reference` works on bundles too. cosign and
 * every other reader compare only the digest.
 */
export function buildSignStatement(digest: string, annotations: Readonly<Record<string, string>> = {}, name?: string): Uint8Array {
  assertDigest(digest, 'image digest');
  const [alg, hex] = digest.split(':') as [string, string];
  const sorted = Object.fromEntries(Object.entries(annotations).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return new TextEncoder().encode(JSON.stringify({
    _type: STATEMENT_V1,
    subject: [{ ...(name ? { name } : {}), digest: { [alg]: hex }, annotations: sorted }],
    predicateType: COSIGN_SIGN_PREDICATE_TYPE,
    predicate: {},
  }));
}
