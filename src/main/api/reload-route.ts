/**
 * `POST /-/reload`: re-read the config file, as SIGHUP does (Prometheus' endpoint of the same
 * name). Only from a loopback address, whatever `listen` is: the API has no authentication, and a
 * reload is the one request that changes the running host.
 */
import type { IncomingMessage } from 'node:http';
import { ErrorCode } from '../../shared/errors.js';
import type { ReloadResult } from '../reload.js';
import { json, type Reply } from './http-server.js';

/** 127.0.0.0/8, ::1, and IPv4 loopback mapped into IPv6 (a dual-stack listener's view of 127.x). */
export function isLoopback(address: string | undefined): boolean {
  if (address === undefined) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4) || address === '::1';
}

export async function reloadRoute(req: IncomingMessage, reload: (trigger: string) => Promise<ReloadResult>): Promise<Reply> {
  const from = req.socket.remoteAddress;
  if (!isLoopback(from)) {
    return json(403, { error: `reload is accepted from loopback addresses only, not ${from ?? 'an unknown address'}`, code: ErrorCode.FORBIDDEN });
  }
  const result = await reload('POST /-/reload');
  if (result.ok) return json(200, { status: 'reloaded', changed: result.changed, restartRequired: result.restartRequired });
  // A refused file is the server's trouble, not the request's: 500, as Prometheus answers.
  return json(500, { error: result.errors.join('\n'), errors: result.errors, code: ErrorCode.CONFIG_INVALID });
}
