/**
 * The start-up failures an operator causes and fixes (a taken or forbidden listen address), told
 * in one line with the fix instead of a stack trace.
 */
import { formatListen } from './config/address.js';

export interface StartFailure {
  line: string;
  fields: Record<string, string | number>;
}

const LISTEN_REASONS: Record<string, string> = {
  EADDRINUSE: 'address already in use (another process listens there; choose another with --listen HOST:PORT)',
  EACCES: 'permission denied (ports below 1024 need privileges; choose a higher port with --listen HOST:PORT)',
  EADDRNOTAVAIL: 'address not available (no interface of this machine has it)',
};

/** The one-line story of a failed start, or null for an error that is a bug. */
export function startFailure(err: unknown): StartFailure | null {
  const e = err as { code?: unknown; syscall?: unknown; address?: unknown; port?: unknown };
  if (e === null || typeof e !== 'object' || e.syscall !== 'listen' || typeof e.code !== 'string') return null;
  const reason = LISTEN_REASONS[e.code];
  if (reason === undefined || typeof e.address !== 'string' || typeof e.port !== 'number') return null;
  const where = formatListen({ host: e.address, port: e.port });
  return { line: `cannot listen on ${where}: ${reason}`, fields: { code: e.code, address: e.address, port: e.port } };
}
