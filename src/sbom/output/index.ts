import type { Sbom } from '../model.ts';
import { writeCycloneDx } from './cyclonedx.ts';
import { writeSpdx } from './spdx.ts';

export type SbomFormat = 'cyclonedx-json' | 'cyclonedx-xml' | 'spdx-json';

export const SBOM_FORMATS: readonly SbomFormat[] = ['cyclonedx-json', 'cyclonedx-xml', 'spdx-json'];

export const SBOM_MEDIA_TYPES: Record<SbomFormat, string> = {
  'cyclonedx-json': 'application/vnd.cyclonedx+json',
  'cyclonedx-xml': 'application/vnd.cyclonedx+xml',
  'spdx-json': 'application/spdx+json',
};

export interface SbomWriteOptions {
  format: SbomFormat;
  toolVersion: string;
  timestamp?: Date;
  deterministic?: boolean;
}

/** Serialize and validate; throws before returning anything invalid. */
export async function writeSbom(sbom: Sbom, options: SbomWriteOptions): Promise<{ text: string; mediaType: string; notes: string[] }> {
  const mediaType = SBOM_MEDIA_TYPES[options.format];
  if (options.format === 'spdx-json') return { text: writeSpdx(sbom, options), mediaType, notes: [] };
  const r = await writeCycloneDx(sbom, { ...options, format: options.format === 'cyclonedx-xml' ? 'xml' : 'json' });
  return { text: r.text, mediaType, notes: r.notes };
}

export { writeCycloneDx } from './cyclonedx.ts';
export { writeSpdx, validateSpdx } from './spdx.ts';
export { prewarmCdxValidator, validateCdxJson } from './validate.ts';
