/**
 * Reading and validating the body of `POST /control` (docs/spec/plugin-protocol.md#post-control)
 * with the host's own reader, so plugin and host agree: a handler can trust `NodeID`/`Control` to
 * be strings and `ControlArgs` to map strings to strings.
 */
import type { IncomingMessage } from 'node:http';
import { readControlBody } from '../shared/control-body.js';
import type { ControlRequest } from './types.js';

/** The control body exceeded the limit (answered with 413). */
export class BodyTooLarge extends Error {}

/** Reads a request body as UTF-8, failing with `BodyTooLarge` past `limit` bytes. */
export async function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new BodyTooLarge(`control body larger than ${limit} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Validates a `/control` body. Throws a message meant for the caller. */
export function parseControlRequest(text: string): ControlRequest {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new Error('control body is not JSON');
  }
  const read = readControlBody(body);
  if (!read.ok) throw new Error(read.error);
  return read.body;
}
