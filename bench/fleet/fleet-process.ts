/**
 * Handle on ONE fleet process (see `client.ts` for the public, possibly multi-process API).
 * The fleet script is forked from next to this file: `fleet.js` when running compiled, `fleet.ts`
 * with `--import tsx` when running from source, so the same code works from `dist/` and under tsx.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { AddResult, FleetStats, FromFleet, RemoveResult, ToFleet } from './protocol.js';
import { entriesOf, type RequestLogEntry } from './request-log.js';
import type { PluginSpec, Scenario } from './scenario.js';

export interface FleetProcessOptions {
  /** Plugin root; created if missing. Keep it short: socket paths are limited to 107 bytes. */
  readonly root: string;
  /** Plugins to serve before `ready` resolves. */
  readonly plugins: readonly PluginSpec[];
  readonly hostname?: string;
  /** See `Scenario.logBudget`. */
  readonly logBudget?: number;
  /** Where SIGUSR2 writes logs. */
  readonly logFile?: string;
  /** Extra node flags for the fleet process (e.g. `--max-old-space-size=…`). */
  readonly execArgv?: readonly string[];
}

export interface FleetProcess {
  readonly pid: number;
  /** Resolves when the initial plugins listen (rejects if the process dies first). */
  readonly ready: Promise<AddResult>;
  addPlugins(plugins: readonly PluginSpec[]): Promise<AddResult>;
  removePlugins(ids: readonly string[]): Promise<RemoveResult>;
  /** Every plugin's requests so far, oldest first; `reset` clears the logs (for measurement windows). */
  collectLogs(options?: { reset?: boolean }): Promise<Map<string, RequestLogEntry[]>>;
  stats(): Promise<FleetStats>;
  /** Closes all plugins (removing their sockets) and waits for the process to exit. Idempotent. */
  stop(): Promise<void>;
}

const STOP_GRACE_MS = 30_000;

type Reply = Exclude<FromFleet, { kind: 'started' | 'error' }>;
type Pending = { resolve: (msg: Reply) => void; reject: (err: Error) => void };

/** Forks a fleet process and starts `plugins` in it. */
export function forkFleetProcess(options: FleetProcessOptions): FleetProcess {
  const self = fileURLToPath(import.meta.url);
  const fromSource = self.endsWith('.ts');
  const script = self.replace(/fleet-process\.(ts|js)$/, fromSource ? 'fleet.ts' : 'fleet.js');
  const scenario: Scenario = {
    root: options.root,
    hostname: options.hostname,
    logBudget: options.logBudget,
    logFile: options.logFile,
  };
  const child: ChildProcess = fork(script, ['--scenario', JSON.stringify(scenario)], {
    // Set explicitly: inheriting our execArgv could pass on flags like `--test`.
    execArgv: [...(fromSource ? ['--import', 'tsx'] : []), ...(options.execArgv ?? [])],
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });

  // One owner for in-flight commands: every entry is settled by its reply, or rejected on exit.
  const pending = new Map<number, Pending>();
  let nextId = 1;
  let exited = false;
  let exitError: Error | null = null;
  const exit = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = true;
      exitError = new Error(`fleet process ${child.pid} exited (code ${code}, signal ${signal})`);
      for (const p of pending.values()) p.reject(exitError);
      pending.clear();
      resolve();
    });
  });
  child.on('message', (raw) => {
    const msg = raw as FromFleet;
    if (msg.kind === 'started') return;
    if (msg.kind === 'error') {
      const p = msg.requestId === null ? undefined : pending.get(msg.requestId);
      if (p === undefined) return console.error(`fleet: ${msg.message}`);
      pending.delete(msg.requestId!);
      return p.reject(new Error(`fleet: ${msg.message}`));
    }
    const p = pending.get(msg.requestId);
    pending.delete(msg.requestId);
    p?.resolve(msg);
  });

  function command<K extends Reply['kind']>(make: (requestId: number) => ToFleet, kind: K): Promise<Extract<Reply, { kind: K }>> {
    if (exited || exitError) return Promise.reject(exitError ?? new Error('fleet has exited'));
    const requestId = nextId++;
    return new Promise((resolve, reject) => {
      pending.set(requestId, {
        resolve: (msg) => (msg.kind === kind ? resolve(msg as Extract<Reply, { kind: K }>) : reject(new Error(`fleet answered ${msg.kind}, expected ${kind}`))),
        reject,
      });
      child.send(make(requestId), (err) => {
        if (err && pending.delete(requestId)) reject(err);
      });
    });
  }

  const addPlugins = async (plugins: readonly PluginSpec[]): Promise<AddResult> => {
    const { kind: _kind, requestId: _id, ...result } = await command((requestId) => ({ kind: 'add', requestId, plugins }), 'added');
    return result;
  };

  const ready = addPlugins(options.plugins);
  ready.catch(() => undefined); // awaiting `ready` is optional: never an unhandled rejection
  let stopping: Promise<void> | undefined;
  return {
    pid: child.pid ?? -1,
    ready,
    addPlugins,
    async removePlugins(ids) {
      const { kind: _kind, requestId: _id, ...result } = await command((requestId) => ({ kind: 'remove', requestId, ids }), 'removed');
      return result;
    },
    async collectLogs({ reset = false } = {}) {
      const msg = await command((requestId) => ({ kind: 'collect', requestId, reset }), 'logs');
      return new Map(msg.logs.map(([id, flat]) => [id, entriesOf(flat)]));
    },
    async stats() {
      const { kind: _kind, requestId: _id, ...stats } = await command((requestId) => ({ kind: 'stats', requestId }), 'stats');
      return stats;
    },
    stop() {
      stopping ??= (async () => {
        if (!exited) {
          const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
          await command((requestId) => ({ kind: 'stop', requestId }), 'stopped').catch(() => undefined);
          await exit;
          clearTimeout(timer);
        }
      })();
      return stopping;
    },
  };
}
