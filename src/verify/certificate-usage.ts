/**
 * A signing certificate must allow code signing: cosign verifies the chain with ExtKeyUsageCodeSigning. As in
 * Go's x509, a certificate without the extension, or with anyExtendedKeyUsage, allows every usage.
 */
import type { X509Certificate } from 'node:crypto';
import { fail, pass, type Check } from '../sigstore/check.ts';

const EKU_CODE_SIGNING = '1.3.6.1.5.5.7.3.3';
const EKU_ANY = '2.5.29.37.0';

export function checkCodeSigning(leaf: X509Certificate): Check<true> {
  const eku = leaf.keyUsage;
  if (eku !== undefined && !eku.includes(EKU_CODE_SIGNING) && !eku.includes(EKU_ANY)) {
    return fail(`certificate ${(leaf.subject ?? '').replace(/\n/g, ', ') || leaf.serialNumber} is not valid for code signing (extended key usage)`);
  }
  return pass(true);
}
