/**
 * HTTP requests to Scope apps on Node's own client: the publish, `GET /api` and the relay of a
 * click to its owner. Main already loads node:http for its API and ws loads node:https, so this
 * costs no module of its own (docs/decisions/069-fixed-cost-of-a-thread.md).
 */
import type { Agent as HttpAgent, IncomingMessage } from 'node:http';
import { finished } from 'node:stream/promises';
import { http, https } from '../node-http.js';

export interface AppRequest {
  readonly method: 'GET' | 'POST';
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: Buffer | string;
  /** The whole request's deadline and cancellation: aborting it ends the request and its answer. */
  readonly signal: AbortSignal;
  /** The keep-alive connection to reuse (`keepAliveAgent`); without one the connection closes after the answer. */
  readonly agent?: HttpAgent;
}

/** One keep-alive connection to `url`'s origin: requests through it go one at a time, in order. */
export function keepAliveAgent(url: string): HttpAgent {
  const options = { keepAlive: true, maxSockets: 1 };
  return new URL(url).protocol === 'https:' ? new https.Agent(options) : new http.Agent(options);
}

/** Sends the request; resolves with the answer's head once it arrives, its body still to read. */
export function appRequest(url: string, request: AppRequest): Promise<IncomingMessage> {
  const send = new URL(url).protocol === 'https:' ? https.request : http.request;
  return new Promise((resolve, reject) => {
    const req = send(url, {
      method: request.method,
      headers: request.headers,
      signal: request.signal,
      agent: request.agent ?? false,
    });
    req.once('response', resolve);
    req.on('error', reject); // not once: a second error after the first must not go unhandled
    req.end(request.body);
  });
}

/** Reads an answer's body as text, at most `maxBytes` of it: past that the connection is dropped rather than read on. */
export async function readText(response: IncomingMessage, maxBytes = Number.POSITIVE_INFINITY): Promise<string> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of response as AsyncIterable<Buffer>) {
    chunks.push(chunk);
    length += chunk.length;
    if (length >= maxBytes) break; // leaving the loop destroys the stream
  }
  return Buffer.concat(chunks).subarray(0, maxBytes).toString('utf8');
}

/** Reads an answer's body to its end and drops it, so its keep-alive connection can carry the next request. */
export async function discard(response: IncomingMessage): Promise<void> {
  response.resume();
  await finished(response);
}
