/** Subresource-integrity algorithms → CycloneDX hash algorithm names. */
const SRI_ALGS: Record<string, string> = { sha1: 'SHA-1', sha256: 'SHA-256', sha384: 'SHA-384', sha512: 'SHA-512' };

/** `sha512-<base64> sha1-<base64>` (npm/yarn/pnpm integrity) → CycloneDX hashes in hex; unknown parts are skipped. */
export function hashesFromIntegrity(integrity: unknown): { alg: string; content: string }[] {
  if (typeof integrity !== 'string') return [];
  const out: { alg: string; content: string }[] = [];
  for (const part of integrity.trim().split(/\s+/)) {
    const dash = part.indexOf('-');
    const alg = SRI_ALGS[part.slice(0, dash).toLowerCase()];
    if (dash <= 0 || !alg || out.some((h) => h.alg === alg)) continue;
    const b64 = part.slice(dash + 1).split('?')[0]!;
    if (!/^[A-Za-z0-9+/]+=*$/.test(b64)) continue;
    const hex = Buffer.from(b64, 'base64').toString('hex');
    if (hex.length === expectedHexLength(alg)) out.push({ alg, content: hex });
  }
  return out;
}

/** `sha256:<hex>` / hex of a known length → a CycloneDX hash, or undefined. */
export function hashFromHex(alg: 'SHA-1' | 'SHA-256' | 'SHA-512', hex: unknown): { alg: string; content: string } | undefined {
  if (typeof hex !== 'string') return undefined;
  const clean = hex.replace(/^sha(1|256|512):/i, '').toLowerCase();
  return /^[0-9a-f]+$/.test(clean) && clean.length === expectedHexLength(alg) ? { alg, content: clean } : undefined;
}

function expectedHexLength(alg: string): number {
  return alg === 'SHA-1' ? 40 : alg === 'SHA-256' ? 64 : alg === 'SHA-384' ? 96 : 128;
}
