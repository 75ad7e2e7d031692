// The shared interop vectors, read in place (never copied): ../shared/fixtures/interop beside the repo.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const INTEROP = resolve(repoRoot, '../shared/fixtures/interop');
export const HAVE_INTEROP = existsSync(resolve(INTEROP, 'cases.json'));
export const NO_INTEROP_REASON = `interop fixtures not found at ${INTEROP}`;

export interface InteropCase {
  name: string;
  files: string[];
  trust: { publicKeys?: string[]; password?: string; rekorPublicKeys?: string[] };
  expected: 'valid' | 'invalid';
  reason: string;
  perSignature?: Record<string, 'valid' | 'invalid'>;
}

export function interopPath(rel: string): string {
  return resolve(INTEROP, rel);
}

export function interopText(rel: string): string {
  return readFileSync(interopPath(rel), 'utf8');
}

export function interopCase(name: string): InteropCase {
  const { cases } = JSON.parse(interopText('cases.json')) as { cases: InteropCase[] };
  const found = cases.find((c) => c.name === name);
  if (!found) throw new Error(`no interop case ${name}`);
  return found;
}

/** A containers/image `dir:` signature blob: `\0sigstore-json\n` + {mimeType, payload (b64), annotations}. */
export interface DirSignature {
  mimeType: string;
  payload: Buffer;
  annotations: Record<string, string>;
}

export function readDirSignature(rel: string): DirSignature {
  const bytes = readFileSync(interopPath(rel));
  const prefix = Buffer.from('\0sigstore-json\n');
  if (!bytes.subarray(0, prefix.length).equals(prefix)) throw new Error(`${rel} is not a sigstore-json signature`);
  const doc = JSON.parse(bytes.subarray(prefix.length).toString('utf8')) as { mimeType: string; payload: string; annotations: Record<string, string> };
  return { mimeType: doc.mimeType, payload: Buffer.from(doc.payload, 'base64'), annotations: doc.annotations };
}

export const SIGNATURE_ANNOTATION = 'dev.cosignproject.cosign/signature';
