// Deadlines of the Fulcio/Rekor/TSA client (src/keyless/http.ts): a stall before the headers or in the middle of a
// body, and the whole-command deadline carried by the dispatcher, end as IO naming the call; never a hang or exit 1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { DeadlineExceeded } from '../../src/core/deadline.ts';
import { isOcisignError } from '../../src/core/errors.ts';
import { callService } from '../../src/keyless/http.ts';
import { createDispatcher } from '../../src/oci/registry/dispatcher.ts';

/** `/stall` never answers; `/half` sends headers and half of a body, then nothing. */
async function stallingServer(): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    if (req.url === '/half') {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
      res.write('{"a":');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, server };
}

test('a Sigstore service that stalls before the headers or mid-body: IO naming the call and the deadline', async (t) => {
  const { url, server } = await stallingServer();
  const dispatcher = createDispatcher();
  t.after(async () => {
    server.closeAllConnections();
    server.close();
    await dispatcher.close();
  });
  const host = new URL(url).host;
  await assert.rejects(callService({ method: 'GET', url: `${url}/stall`, what: 'uploading to the transparency log', dispatcher, timeoutMs: 300 }), (err: Error) =>
    isOcisignError(err, 'IO') && err.message === `uploading to the transparency log: no response headers from ${host} within 300 ms`);
  await assert.rejects(callService({ method: 'GET', url: `${url}/half`, what: 'requesting a timestamp', dispatcher, timeoutMs: 300 }), (err: Error) =>
    isOcisignError(err, 'IO') && err.message === `requesting a timestamp: the answer from ${host} stalled (no data for 300 ms)`);
});

test('the deadline of a dispatcher made with a signal ends a Sigstore call', async (t) => {
  const { url, server } = await stallingServer();
  const deadline = new AbortController();
  const dispatcher = createDispatcher({ signal: deadline.signal });
  t.after(async () => {
    server.closeAllConnections();
    server.close();
    await dispatcher.close();
  });
  setTimeout(() => deadline.abort(new DeadlineExceeded("the command's deadline of 0.1s (--timeout) passed")), 100);
  await assert.rejects(callService({ method: 'POST', url: `${url}/half`, what: 'requesting a certificate from fulcio', dispatcher }), (err: Error) =>
    isOcisignError(err, 'IO') && err.message === "requesting a certificate from fulcio: the command's deadline of 0.1s (--timeout) passed");
});
