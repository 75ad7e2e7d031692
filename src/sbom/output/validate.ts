/**
 * Strict CycloneDX 1.6 validation with the library's validators, each compiled once per process (the JSON
 * schema compile costs ~1 s). XML validation needs the optional native `libxmljs2`; without it the XML is
 * checked through its JSON twin (same model) and the caller is told so.
 */
import * as CDX from '@cyclonedx/cyclonedx-library';
import { OcisignError } from '../../core/errors.ts';

let jsonValidator: CDX.Validation.JsonStrictValidator | undefined;
let xmlValidator: CDX.Validation.XmlValidator | undefined;

/** Throws BAD_INPUT naming the first schema errors when `text` is not valid CycloneDX 1.6 JSON. */
export async function validateCdxJson(text: string, what: string): Promise<void> {
  jsonValidator ??= new CDX.Validation.JsonStrictValidator(CDX.Spec.Version.v1dot6);
  const error = await jsonValidator.validate(text);
  if (error !== null) throw new OcisignError('INTERNAL', `validating ${what} against CycloneDX 1.6: ${summarize(error)}`);
}

/** true when validated; false when libxmljs2 is not installed (nothing was checked). */
export async function validateCdxXml(text: string, what: string): Promise<boolean> {
  xmlValidator ??= new CDX.Validation.XmlValidator(CDX.Spec.Version.v1dot6);
  let error: unknown;
  try {
    error = await xmlValidator.validate(text);
  } catch (err) {
    if (err instanceof CDX.Validation.MissingOptionalDependencyError) return false;
    throw err;
  }
  if (error !== null) throw new OcisignError('INTERNAL', `validating ${what} against CycloneDX 1.6 XML schema: ${summarize(error)}`);
  return true;
}

function summarize(error: unknown): string {
  const text = JSON.stringify(error);
  return text.length > 600 ? `${text.slice(0, 600)}…` : text;
}
