/** A DSSE envelope as JSON (an `.att` layer), parsed within limits; a failure is a reason. */
import type { Envelope } from '@sigstore/bundle';
import { parseJsonBounded } from '../../core/json.ts';
import { decodeBase64 } from '../../sigstore/pem.ts';
import { fail, pass, type Check } from '../../sigstore/check.ts';

const MAX_ENVELOPE_BYTES = 128 * 1024 * 1024;

export function parseEnvelope(bytes: Uint8Array): Check<Envelope> {
  const parsed = parseJsonBounded(bytes, { maxBytes: MAX_ENVELOPE_BYTES });
  if (!parsed.ok) return fail(`attestation layer is not a JSON DSSE envelope: ${parsed.reason}`);
  const raw = parsed.value as { payloadType?: unknown; payload?: unknown; signatures?: unknown } | null;
  const payload = typeof raw?.payload === 'string' ? decodeBase64(raw.payload) : undefined;
  if (typeof raw?.payloadType !== 'string' || !payload) return fail('DSSE envelope has no payloadType or payload');
  const sigs = Array.isArray(raw.signatures) ? raw.signatures : [];
  const signatures = sigs.flatMap((s: { keyid?: unknown; sig?: unknown }) => {
    const sig = typeof s?.sig === 'string' ? decodeBase64(s.sig) : undefined;
    return sig && sig.length > 0 ? [{ keyid: typeof s.keyid === 'string' ? s.keyid : '', sig }] : [];
  });
  if (signatures.length === 0) return fail('DSSE envelope has no signature');
  return pass({ payloadType: raw.payloadType, payload, signatures });
}
