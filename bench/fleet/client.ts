/**
 * Typed handle on the fake plugin fleet, for the bench harness and tests.
 *
 * ```ts
 * const fleet = startFleet({ root, plugins: fakePlugins(1000, { reportBytes: 2048 }) });
 * const { listenMs, stats } = await fleet.ready;
 * // … run the host …
 * const logs = await fleet.collectLogs();   // Map<id, {arrive, finish, path, status}[]>
 * await fleet.stop();
 * ```
 *
 * One process serves 10 000 plugins (10 000 listening sockets). But a host that keeps one
 * keep-alive connection per plugin adds one accepted socket per plugin in the fleet, and 20 000+
 * descriptors exceed the usual `ulimit -n` of 20 000: the last few hundred connections are then
 * reset (measured: 20–272 of 10 000 polls failed with EPIPE/ECONNRESET). `processes: 2` splits the
 * plugins over two fleet processes behind this same API; use it for ≥ ~9 000 plugins.
 */
import type { AddResult, FleetStats, RemoveResult } from './protocol.js';
import { forkFleetProcess, type FleetProcess, type FleetProcessOptions } from './fleet-process.js';
import type { RequestLogEntry } from './request-log.js';
import type { PluginSpec } from './scenario.js';

export type { AddResult, FleetStats, RemoveResult } from './protocol.js';
export type { RequestLogEntry } from './request-log.js';
export { fakeId, fakePlugins, type PluginSpec } from './scenario.js';

export interface StartFleetOptions extends FleetProcessOptions {
  /** Fleet processes to spread the plugins over (default 1); see the header note. */
  readonly processes?: number;
}

export interface Fleet {
  /** The (first) fleet process id; `pids` lists all of them. */
  readonly pid: number;
  readonly pids: readonly number[];
  /** Resolves when the initial plugins listen (rejects if a process dies first). */
  readonly ready: Promise<AddResult>;
  addPlugins(plugins: readonly PluginSpec[]): Promise<AddResult>;
  removePlugins(ids: readonly string[]): Promise<RemoveResult>;
  /** Every plugin's requests so far, oldest first; `reset` clears the logs (for measurement windows). */
  collectLogs(options?: { reset?: boolean }): Promise<Map<string, RequestLogEntry[]>>;
  /** Summed over the fleet's processes. */
  stats(): Promise<FleetStats>;
  /** Closes all plugins (removing their sockets) and waits for the processes to exit. Idempotent. */
  stop(): Promise<void>;
}

/** Forks the fleet and starts `plugins` in it. */
export function startFleet(options: StartFleetOptions): Fleet {
  const k = Math.max(1, Math.floor(options.processes ?? 1));
  if (k === 1) {
    const p = forkFleetProcess(options);
    return { ...p, pids: [p.pid] };
  }
  // Which process serves which id: the client owns this map, so removes go to the right place.
  const owner = new Map<string, number>();
  const load = new Array<number>(k).fill(0);
  const split = (plugins: readonly PluginSpec[]): PluginSpec[][] => {
    const parts: PluginSpec[][] = Array.from({ length: k }, () => []);
    for (const p of plugins) {
      let i = owner.get(p.id);
      if (i === undefined) {
        i = load.indexOf(Math.min(...load));
        owner.set(p.id, i);
        load[i]!++;
      }
      parts[i]!.push(p);
    }
    return parts;
  };
  const initial = split(options.plugins);
  const procs: FleetProcess[] = initial.map((plugins, i) =>
    forkFleetProcess({ ...options, plugins, logFile: options.logFile === undefined ? undefined : `${options.logFile}.${i}` }),
  );

  const merge = (results: AddResult[]): AddResult => ({
    ids: results.flatMap((r) => r.ids),
    failed: results.flatMap((r) => r.failed),
    listenMs: Math.max(...results.map((r) => r.listenMs)), // the processes listen in parallel
    stats: sumStats(results.map((r) => r.stats)),
  });
  const forget = (failed: AddResult['failed']): void => {
    for (const f of failed) {
      const i = owner.get(f.id);
      if (f.message === 'already served' || i === undefined) continue;
      load[i]!--;
      owner.delete(f.id);
    }
  };
  const ready = Promise.all(procs.map((p) => p.ready)).then(merge);
  ready.then((r) => forget(r.failed)).catch(() => undefined);

  let stopping: Promise<void> | undefined;
  return {
    pid: procs[0]!.pid,
    pids: procs.map((p) => p.pid),
    ready,
    async addPlugins(plugins) {
      const parts = split(plugins);
      const result = merge(await Promise.all(procs.map((p, i) => p.addPlugins(parts[i]!))));
      forget(result.failed);
      return result;
    },
    async removePlugins(ids) {
      const parts: string[][] = Array.from({ length: k }, () => []);
      const missing: string[] = [];
      for (const id of ids) {
        const i = owner.get(id);
        if (i === undefined) {
          missing.push(id);
          continue;
        }
        parts[i]!.push(id);
        owner.delete(id);
        load[i]!--;
      }
      const results = await Promise.all(procs.map((p, i) => (parts[i]!.length > 0 ? p.removePlugins(parts[i]!) : Promise.resolve({ ids: [], missing: [] }))));
      return { ids: results.flatMap((r) => r.ids), missing: [...missing, ...results.flatMap((r) => r.missing)] };
    },
    async collectLogs(opts) {
      const maps = await Promise.all(procs.map((p) => p.collectLogs(opts)));
      return new Map(maps.flatMap((m) => [...m]));
    },
    async stats() {
      return sumStats(await Promise.all(procs.map((p) => p.stats())));
    },
    stop() {
      stopping ??= Promise.all(procs.map((p) => p.stop())).then(() => undefined);
      return stopping;
    },
  };
}

function sumStats(all: FleetStats[]): FleetStats {
  const sum = (f: (s: FleetStats) => number): number => all.reduce((a, s) => a + f(s), 0);
  return {
    plugins: sum((s) => s.plugins),
    rssBytes: sum((s) => s.rssBytes),
    heapUsedBytes: sum((s) => s.heapUsedBytes),
    cpuUserUs: sum((s) => s.cpuUserUs),
    cpuSystemUs: sum((s) => s.cpuSystemUs),
  };
}
