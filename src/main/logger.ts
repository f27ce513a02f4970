/**
 * The one root logger, main thread only: every `pino.transport()` starts its own worker thread, so
 * shard workers must not create one; they send records to main instead.
 *
 *   stdout is a TTY  →  pino-pretty as the ONE transport, in its own worker thread, human output
 *   otherwise        →  JSON lines written synchronously to fd 1 (`pino.destination`), no thread
 *
 * Exit flushing: pino registers the transport with on-exit-leak-free, which on `process.exit()`
 * (the 'exit' event) calls `flushSync()` and ends the stream, so lines logged just before an exit
 * are not lost (test/unit/main/config/config-logger.test.ts checks it with a real process and 2000 lines). Inside
 * its worker pino-pretty also writes synchronously (cheap on a terminal), so the last lines do not
 * depend on an async write draining before the thread is torn down. The JSON path is synchronous
 * and needs nothing.
 */
import { createRequire } from 'node:module';
import { hostname } from 'node:os';
import { pino } from 'pino';
import type { Logger, LoggerOptions } from 'pino';
import type PinoPretty from 'pino-pretty';
import { PROGRAM } from './cli-args.js';

export interface LoggerSetup {
  /** A pino level: trace|debug|info|warn|error|fatal|silent. */
  level: string;
  /** Human-readable output; default: whether stdout is a TTY. */
  pretty?: boolean;
  /**
   * Write here instead of fd 1 (tests). Pretty output is then formatted in-process, without a
   * transport thread.
   */
  destination?: NodeJS.WritableStream;
}

const PRETTY_OPTIONS = {
  // `name` stays visible; pid and hostname are noise on a terminal.
  ignore: 'pid,hostname',
  translateTime: 'SYS:HH:MM:ss.l',
} as const;

export function createLogger(options: LoggerSetup): Logger {
  const wantPretty = options.pretty ?? process.stdout.isTTY === true;
  const base: LoggerOptions = {
    level: options.level,
    // JSON lines keep pid and hostname (useful once logs are aggregated); a terminal does not need them.
    base: wantPretty ? { name: PROGRAM } : { name: PROGRAM, pid: process.pid, hostname: hostname() },
  };

  const require = createRequire(import.meta.url);
  if (options.destination !== undefined) {
    // Loaded only here: a service writes JSON lines, and on a terminal pino-pretty runs in the transport's thread.
    const stream = wantPretty
      ? (require('pino-pretty') as typeof PinoPretty)({ ...PRETTY_OPTIONS, colorize: false, sync: true, destination: options.destination })
      : options.destination;
    return pino(base, stream);
  }
  if (wantPretty) {
    // Resolved here, not by pino from the caller's location: under ESM and tsx the caller
    // lookup cannot always find our node_modules.
    const target = require.resolve('pino-pretty');
    const transport = pino.transport({ target, options: { ...PRETTY_OPTIONS, destination: 1, sync: true } });
    return pino(base, transport);
  }
  return pino(base, pino.destination({ dest: 1, sync: true }));
}
