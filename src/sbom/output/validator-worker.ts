/**
 * Worker thread running the library's strict CycloneDX 1.6 JSON validator. It compiles the schema as soon as
 * it starts (≈1 s of CPU), so a caller that starts it before cataloging gets the compile for free on a
 * second core. Messages: `{ id, text }` in, `{ id, error }` out (`error` null when valid).
 */
import { parentPort } from 'node:worker_threads';
import * as CDX from '@cyclonedx/cyclonedx-library';

const validator = new CDX.Validation.JsonStrictValidator(CDX.Spec.Version.v1dot6);
const ready = validator.validate('{}').catch(() => null);

parentPort?.on('message', async (msg: { id: number; text: string }) => {
  await ready;
  try {
    const error = await validator.validate(msg.text);
    parentPort!.postMessage({ id: msg.id, error: error === null ? null : JSON.stringify(error) });
  } catch (err) {
    parentPort!.postMessage({ id: msg.id, error: `validator failed: ${err instanceof Error ? err.message : String(err)}` });
  }
});
