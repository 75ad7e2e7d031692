import { assertDigest } from '../oci/digest.ts';

export type AttachmentKind = 'signature' | 'attestation' | 'sbom';

const SUFFIX: Record<AttachmentKind, string> = { signature: 'sig', attestation: 'att', sbom: 'sbom' };

/** cosign's tag for an attachment of `digest`: `sha256-<hex>.sig` / `.att` / `.sbom`. */
export function attachmentTag(digest: string, kind: AttachmentKind): string {
  assertDigest(digest);
  return `${digest.replace(':', '-')}.${SUFFIX[kind]}`;
}

/** The subject digest named by an attachment tag, or undefined if `tag` is not one. */
export function subjectOfAttachmentTag(tag: string): { digest: string; kind: AttachmentKind } | undefined {
  const m = /^(sha256)-([a-f0-9]{64})\.(sig|att|sbom)$/.exec(tag);
  if (!m) return undefined;
  const kind = (Object.keys(SUFFIX) as AttachmentKind[]).find((k) => SUFFIX[k] === m[3])!;
  return { digest: `${m[1]}:${m[2]}`, kind };
}
