// The floor's HTTP through undici, as ocisign sends it (one Agent, 8 connections per origin, baseline llhttp).
import { Agent, request } from '../../src/oci/registry/undici.ts';

const dispatcher = new Agent({ connections: 8 });
// as ocisign's CLI (src/cli/dispatcher.ts): no background tier-up of undici's WebAssembly parser
process.getBuiltinModule('node:v8').setFlagsFromString('--wasm-tiering-budget=1000000000');

export interface Answer {
  statusCode: number;
  contentType: string | undefined;
  body: Buffer;
}

export async function send(url: string, method: 'GET' | 'HEAD', headers: Record<string, string>): Promise<Answer> {
  const res = await request(url, { dispatcher, method, headers, ...(method === 'HEAD' ? { reset: false } : {}) });
  const body = Buffer.from(await res.body.arrayBuffer());
  const type = res.headers['content-type'];
  return { statusCode: res.statusCode, contentType: Array.isArray(type) ? type[0] : type, body };
}

export function close(): Promise<void> {
  return dispatcher.close();
}
