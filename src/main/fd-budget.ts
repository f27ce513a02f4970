/**
 * The process's open-file limit and how the host shares it out. Every plugin being polled holds
 * one descriptor (its keep-alive connection), the HTTP API one per client connection plus one per
 * control click it forwards, and the host itself a few dozen (threads, pipes, inotify, publishing).
 * All of these come out of one `RLIMIT_NOFILE`; when it runs out, `accept` and `connect` fail with
 * EMFILE and the API stops answering. So the API and the host get their descriptors set aside
 * first, and only what is left goes to plugins (plugin-admission.ts decides which).
 *
 * Node cannot raise its own soft limit (it has no setrlimit), unlike Go programs which raise it to
 * the hard limit at start: the limit in force is whatever the service manager or shell gave us
 * (docs/production.md#open-file-limit).
 */
import { readFileSync, readdirSync } from 'node:fs';
import type { Logger } from 'pino';

export interface OpenFileLimit {
  /** The limit in force (`ulimit -n`); Infinity when unlimited. */
  readonly soft: number;
  /** The most an unprivileged process could raise it to. */
  readonly hard: number;
}

export interface DescriptorPlan {
  readonly limit: OpenFileLimit | null;
  /** Descriptors open when the plan was made (after the first shard worker started). */
  readonly inUse: number;
  /** Set aside for threads started later, inotify, publishing, logging. */
  readonly hostReserve: number;
  /** Client connections the API keeps open at most; the same again is kept for the control clicks they forward. */
  readonly apiConnections: number;
  /** Plugins that can be polled at once, one descriptor each (Infinity without a known limit). */
  readonly plugins: number;
}

/** The API's share: a sixteenth of the limit, at least 8 and at most 1024 connections. */
const API_SHARE = 16;
const API_MIN = 8;
const API_MAX = 1024;
/** Descriptors kept for the host beyond what it holds at start: fixed part, per worker, per Scope app. */
const RESERVE_BASE = 32;
/** Each shard may start later (they start as plugins call for them), and so may its thread for large reports: 4 descriptors each. */
const RESERVE_PER_WORKER = 8;
/** The publish connection, the control websocket, and the identity and relayed-click requests. */
const RESERVE_PER_APP = 4;

/** `Max open files` from /proc/self/limits (Linux); null where there is no such file. */
export function readOpenFileLimit(text = readProcLimits()): OpenFileLimit | null {
  const line = text?.split('\n').find((l) => l.startsWith('Max open files'));
  const m = line?.match(/^Max open files\s+(\S+)\s+(\S+)/);
  if (!m) return null;
  const value = (s: string) => (s === 'unlimited' ? Infinity : Number(s));
  return { soft: value(m[1]!), hard: value(m[2]!) };
}

/** Descriptors this process has open now; 0 where /proc is not available. */
export function openDescriptors(): number {
  try {
    // The directory read holds one descriptor of its own, listed too.
    return readdirSync('/proc/self/fd').length - 1;
  } catch {
    return 0;
  }
}

export function planDescriptors(options: { workers: number; apps: number; limit?: OpenFileLimit | null; inUse?: number }): DescriptorPlan {
  const limit = options.limit === undefined ? readOpenFileLimit() : options.limit;
  const inUse = options.inUse ?? openDescriptors();
  const hostReserve = RESERVE_BASE + RESERVE_PER_WORKER * options.workers + RESERVE_PER_APP * options.apps;
  if (limit === null || limit.soft === Infinity) {
    return { limit, inUse, hostReserve, apiConnections: API_MAX, plugins: Infinity };
  }
  const apiConnections = Math.min(API_MAX, Math.max(API_MIN, Math.floor(limit.soft / API_SHARE)));
  const plugins = Math.max(0, limit.soft - inUse - hostReserve - 2 * apiConnections);
  return { limit, inUse, hostReserve, apiConnections, plugins };
}

function readProcLimits(): string | null {
  try {
    return readFileSync('/proc/self/limits', 'utf8');
  } catch {
    return null;
  }
}

/** The limit in force and its shares, once at start. */
export function logDescriptorPlan(logger: Logger, plan: DescriptorPlan): void {
  if (plan.limit === null) {
    logger.info('open-file limit unknown (no /proc/self/limits): plugins are not limited to a descriptor budget');
    return;
  }
  const finite = (n: number) => (n === Infinity ? 'unlimited' : n);
  logger.info(
    {
      nofileSoft: finite(plan.limit.soft),
      nofileHard: finite(plan.limit.hard),
      inUse: plan.inUse,
      hostReserve: plan.hostReserve,
      apiConnections: plan.apiConnections,
      pluginDescriptors: finite(plan.plugins),
      ...(plan.limit.soft < plan.limit.hard && {
        note: 'the soft limit is below the hard one and Node cannot raise it: set LimitNOFILE= or ulimit -n before starting',
      }),
    },
    'open-file limit',
  );
}
