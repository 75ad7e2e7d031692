import * as CDX from '@cyclonedx/cyclonedx-library';

const EXPRESSION = /\s(AND|OR|WITH)\s|^\(/;

/**
 * License strings → CycloneDX licenses: known SPDX ids as `id` (the library's id table, case fixed up),
 * a single SPDX-looking expression as `expression`, anything else as `name`. CycloneDX forbids mixing an
 * expression with other entries, so with several values expressions become names.
 */
export function toCdxLicenses(values: string[]): CDX.Models.License[] {
  const unique = [...new Set(values.map((v) => v.trim()).filter((v) => v !== ''))];
  if (unique.length === 1 && EXPRESSION.test(unique[0]!)) return [new CDX.Models.LicenseExpression(unique[0]!)];
  return unique.map((v) => {
    const id = CDX.SPDX.fixupSpdxId(v);
    return id ? new CDX.Models.SpdxLicense(id) : new CDX.Models.NamedLicense(v);
  });
}

/** The SPDX id, when the value is one. */
export function spdxIdOf(value: string): string | undefined {
  return CDX.SPDX.fixupSpdxId(value.trim());
}
