// The floor's HTTP through Node's own client (native llhttp): one keep-alive Agent, 8 sockets per origin.
import { Agent, request, type IncomingMessage } from 'node:http';
import type { Answer } from './transport-undici.ts';

const agent = new Agent({ keepAlive: true, maxSockets: 8 });

export async function send(url: string, method: 'GET' | 'HEAD', headers: Record<string, string>): Promise<Answer> {
  const res = await new Promise<IncomingMessage>((resolve, reject) => {
    const req = request(url, { agent, method, headers }, resolve);
    req.on('error', reject);
    req.end();
  });
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  return { statusCode: res.statusCode ?? 0, contentType: res.headers['content-type'], body: Buffer.concat(chunks) };
}

export function close(): Promise<void> {
  agent.destroy();
  return Promise.resolve();
}
