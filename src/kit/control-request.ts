/**
 * Reading and validating the body of `POST /control` (plugin-protocol §2.5). Strict on types so a
 * handler can trust `NodeID`/`Control` to be strings and `ControlArgs` to map strings to strings.
 */
import type { IncomingMessage } from 'node:http';
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

/** Validates a `/control` body (plugin-protocol §2.5). Throws a message meant for the caller. */
export function parseControlRequest(text: string): ControlRequest {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new Error('control body is not JSON');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new Error('control body must be a JSON object');
  const { AppID = '', NodeID, Control, ControlArgs = null } = body as Record<string, unknown>;
  if (typeof AppID !== 'string') throw new Error('AppID must be a string');
  if (typeof NodeID !== 'string') throw new Error('NodeID must be a string');
  if (typeof Control !== 'string' || Control === '') throw new Error('Control must be a non-empty string');
  if (ControlArgs !== null) {
    if (typeof ControlArgs !== 'object' || Array.isArray(ControlArgs)) throw new Error('ControlArgs must be an object or null');
    for (const [k, v] of Object.entries(ControlArgs)) {
      if (typeof v !== 'string') throw new Error(`ControlArgs.${k} must be a string`);
    }
  }
  return { AppID, NodeID, Control, ControlArgs: ControlArgs as Record<string, string> | null };
}
