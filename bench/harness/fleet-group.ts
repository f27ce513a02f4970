/**
 * One or more fleet processes behind the `Fleet` interface. A fleet process holds two file
 * descriptors per plugin (its listening socket and the accepted keep-alive connection), so with
 * `ulimit -n` at 20000 one process tops out near 9900 plugins; above that the plugins are split
 * over as few processes as fit, by id, and reported as one fleet (CPU and RSS summed).
 */
import { startFleet, type AddResult, type Fleet, type FleetStats, type RemoveResult, type RequestLogEntry } from '../fleet/client.js';
import type { PluginSpec } from '../fleet/scenario.js';
import { openFileLimit } from '../measure/proc.js';

/** Descriptors a fleet process needs besides its plugins (stdio, IPC, the loop's own). */
const FLEET_BASE_FDS = 200;

/** What the harness needs from a fleet (one process or several). */
export type FleetLike = Pick<FleetGroup, 'addPlugins' | 'removePlugins' | 'collectLogs'>;

export function pluginsPerFleetProcess(limit = openFileLimit()): number {
  return Math.max(1, Math.floor((limit - FLEET_BASE_FDS) / 2));
}

export class FleetGroup {
  readonly #fleets: Fleet[];
  /** Which process serves an id: the one it was added to. */
  readonly #owner = new Map<string, number>();
  #next = 0;

  private constructor(fleets: Fleet[]) {
    this.#fleets = fleets;
  }

  /** Enough processes for `plugins` plugins under the open-file limit; empty until `addPlugins`. */
  static async start(root: string, plugins: number, execArgv: readonly string[] = []): Promise<FleetGroup> {
    const processes = Math.max(1, Math.ceil(plugins / pluginsPerFleetProcess()));
    const fleets = Array.from({ length: processes }, () => startFleet({ root, plugins: [], execArgv }));
    const group = new FleetGroup(fleets);
    try {
      await Promise.all(fleets.map((f) => f.ready));
    } catch (err) {
      await group.stop();
      throw err;
    }
    return group;
  }

  get pids(): number[] {
    return this.#fleets.map((f) => f.pid);
  }

  get processes(): number {
    return this.#fleets.length;
  }

  /** Splits the batch into contiguous runs, one per process (so socket order stays interleaved the least). */
  async addPlugins(plugins: readonly PluginSpec[]): Promise<AddResult> {
    const batches: PluginSpec[][] = this.#fleets.map(() => []);
    if (plugins.length === 1) {
      const i = this.#next++ % this.#fleets.length;
      batches[i]!.push(plugins[0]!);
    } else {
      const per = Math.ceil(plugins.length / this.#fleets.length);
      plugins.forEach((p, k) => batches[Math.floor(k / per)]!.push(p));
    }
    const results = await Promise.all(batches.map((b, i) => (b.length ? this.#fleets[i]!.addPlugins(b) : Promise.resolve(null))));
    const ids: string[] = [];
    const failed: { id: string; message: string }[] = [];
    let listenMs = 0;
    const stats: FleetStats[] = [];
    results.forEach((r, i) => {
      if (!r) return;
      for (const id of r.ids) this.#owner.set(id, i);
      ids.push(...r.ids);
      failed.push(...r.failed);
      listenMs = Math.max(listenMs, r.listenMs);
      stats.push(r.stats);
    });
    const sum = (k: keyof FleetStats): number => stats.reduce((a, s) => a + s[k], 0);
    return {
      ids,
      failed,
      listenMs,
      stats: {
        plugins: sum('plugins'),
        rssBytes: sum('rssBytes'),
        heapUsedBytes: sum('heapUsedBytes'),
        cpuUserUs: sum('cpuUserUs'),
        cpuSystemUs: sum('cpuSystemUs'),
      },
    };
  }

  async removePlugins(ids: readonly string[]): Promise<RemoveResult> {
    const byFleet: string[][] = this.#fleets.map(() => []);
    const missing: string[] = [];
    for (const id of ids) {
      const i = this.#owner.get(id);
      if (i === undefined) missing.push(id);
      else byFleet[i]!.push(id);
      this.#owner.delete(id);
    }
    const results = await Promise.all(byFleet.map((b, i) => (b.length ? this.#fleets[i]!.removePlugins(b) : Promise.resolve(null))));
    return { ids: results.flatMap((r) => (r ? [...r.ids] : [])), missing: [...missing, ...results.flatMap((r) => (r ? [...r.missing] : []))] };
  }

  async collectLogs(options: { reset?: boolean } = {}): Promise<Map<string, RequestLogEntry[]>> {
    const maps = await Promise.all(this.#fleets.map((f) => f.collectLogs(options)));
    return maps.length === 1 ? maps[0]! : new Map(maps.flatMap((m) => [...m]));
  }

  async stop(): Promise<void> {
    await Promise.all(this.#fleets.map((f) => f.stop()));
  }
}
