import * as Models from '@cyclonedx/cyclonedx-library/Models';
import * as SPDX from '@cyclonedx/cyclonedx-library/SPDX';

const EXPRESSION = /\s(AND|OR|WITH)\s|^\(/;

/**
 * License strings → CycloneDX licenses: known SPDX ids as `id` (the library's id table, case fixed up),
 * a single SPDX-looking expression as `expression`, anything else as `name`. CycloneDX forbids mixing an
 * expression with other entries, so with several values expressions become names.
 */
export function toCdxLicenses(values: string[]): Models.License[] {
  const unique = [...new Set(values.map((v) => v.trim()).filter((v) => v !== ''))];
  if (unique.length === 1 && EXPRESSION.test(unique[0]!)) return [new Models.LicenseExpression(unique[0]!)];
  return unique.map((v) => {
    const id = SPDX.fixupSpdxId(v);
    return id ? new Models.SpdxLicense(id) : new Models.NamedLicense(v);
  });
}

/** The SPDX id, when the value is one. */
export function spdxIdOf(value: string): string | undefined {
  return SPDX.fixupSpdxId(value.trim());
}
