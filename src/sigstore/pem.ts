import { OcisignError } from '../core/errors.ts';

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;

/** One PEM block: its label (e.g. "CERTIFICATE", "PUBLIC KEY") and its DER bytes. */
export interface PemBlock {
  label: string;
  der: Buffer;
}

/** Every PEM block in `text`, in order. Text outside blocks is ignored. */
export function splitPem(text: string): PemBlock[] {
  const blocks: PemBlock[] = [];
  for (const m of text.matchAll(PEM_BLOCK)) {
    blocks.push({ label: m[1]!, der: Buffer.from(m[2]!.replace(/\s+/g, ''), 'base64') });
  }
  return blocks;
}

/** The DER bytes of every CERTIFICATE block in `text`; throws BAD_INPUT when there is none. */
export function certificateDers(text: string, what: string): Buffer[] {
  const ders = splitPem(text)
    .filter((b) => b.label === 'CERTIFICATE')
    .map((b) => b.der);
  if (ders.length === 0) throw new OcisignError('BAD_INPUT', `${what}: no PEM certificate found`);
  return ders;
}

/** Standard or unpadded base64 with optional line breaks (cosign's RSA signatures have them) → bytes. */
export function decodeBase64(text: string): Buffer | undefined {
  const compact = text.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact)) return undefined;
  return Buffer.from(compact, 'base64');
}
