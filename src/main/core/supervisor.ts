/**
 * The main-thread supervisor: starts shard workers as plugins call for them, turns discovery diffs
 * into actor assignments (a new socket goes to the started shard holding the fewest, and stays
 * there for its life), applies the actors' status
 * messages to the plugin table, reads their counters when someone lists the plugins, and asks the
 * shards for the snapshots that the report builder merges off the main thread.
 *
 * It never parses a plugin report: that is what keeps the main thread responsive with thousands
 * of plugins (docs/decisions/084-main-thread-does-no-per-poll-work.md).
 */
import type { Logger } from 'pino';
import type { ErrorData } from '../../shared/errors.js';
import type { PluginAssignment, PluginDetailData, PluginState, ShardConfig, ShardConfigChange, SnapshotMode, StatsEvent } from '../../shared/protocol.js';
import type { PackedParts } from '../../shared/parts.js';
import type { PluginSpec } from '../../shared/report/index.js';
import { unpackCounters } from '../../shared/plugin-state.js';
import type { DiscoveredSocket, DiscoveryDiff } from '../discovery/discovery.js';
import type { PluginAdmission } from '../plugin-admission.js';
import { ShardHandle, type ShardListener } from '../shard-handle.js';
import type { NewPlugin, PluginRecord, PluginRow, PluginTable } from './plugin-table.js';

/** Told what the shards and discovery did, for metrics. */
export interface SupervisorObserver {
  shardStats(worker: number, event: StatsEvent): void;
  discovery(added: number, removed: number): void;
}

export interface SupervisorOptions {
  /** Most shard workers; one starts with the host, the others as `pluginsPerWorker` calls for them. */
  readonly workers: number;
  /** Another shard starts when every started one holds at least this many plugins. */
  readonly pluginsPerWorker: number;
  readonly shard: Omit<ShardConfig, 'shardIndex'>;
  readonly logger: Logger;
  readonly table: PluginTable;
  readonly observer?: SupervisorObserver;
  /** How long a snapshot may take before that shard's plugins are served from the table. */
  readonly snapshotTimeoutMs?: number;
}

/** Every shard's plugin reports (one pack per shard that answered) and every plugin's spec. */
export interface Snapshot {
  readonly parts: PackedParts[];
  readonly specs: PluginSpec[];
}

/** How long `plugins()` waits for a shard's counters. */
const COUNTERS_TIMEOUT_MS = 1_000;
/** How long `detail()` waits for the actor (a large report is summarised on another thread first). */
const DETAIL_TIMEOUT_MS = 5_000;

export class Supervisor {
  readonly #options: SupervisorOptions;
  readonly #log: Logger;
  readonly #table: PluginTable;
  readonly #shards: ShardHandle[] = [];
  /** `pluginsPerWorker`, which a config reload may change. */
  #pluginsPerWorker: number;
  /** Per shard, the `seq` of its last counters answer: main holds every state up to it. */
  readonly #statesRead: number[] = [];
  #listing: Promise<readonly PluginRow[]> | null = null;
  /** Status batches (shard, states) held while `plugins()` reads counters; null when not reading. */
  #held: [number, readonly PluginState[]][] | null = null;
  readonly #listener: ShardListener;
  #admission: PluginAdmission | undefined;
  #started = false;
  #closed = false;

  constructor(options: SupervisorOptions) {
    this.#options = options;
    this.#pluginsPerWorker = options.pluginsPerWorker;
    this.#table = options.table;
    this.#log = options.logger.child({ component: 'supervisor' });
    this.#listener = this.#listenerFor();
    this.#addShard();
  }

  /** Starts the first shard worker (and any that plugins called for before this). */
  async start(): Promise<void> {
    this.#started = true;
    await Promise.all(this.#shards.map((s) => s.start()));
    this.#log.info({ workers: this.#shards.length, maxWorkers: this.#options.workers }, 'shard workers ready');
  }

  /** Shards are never retired: one whose plugins all went stays up and is the first to get new ones. */
  #addShard(): ShardHandle {
    const index = this.#shards.length;
    const shard = new ShardHandle(index, { ...this.#options.shard, shardIndex: index }, this.#listener);
    this.#shards.push(shard);
    this.#statesRead.push(0);
    if (this.#started) {
      this.#log.info({ shard: index, plugins: this.#table.size }, 'starting another shard worker');
      // A failed first start is retried by the handle itself, like a crash.
      void shard.start().then(
        () => this.#log.info({ shard: index }, 'shard worker ready'),
        () => {},
      );
    }
    return shard;
  }

  /**
   * The shard for each new socket: the started shard holding the fewest, after starting another
   * when every started one holds `pluginsPerWorker` (up to `workers`). Existing sockets never move:
   * their actor holds their state.
   */
  #assign(added: readonly DiscoveredSocket[], removed: readonly string[]): NewPlugin[] {
    const sizes = this.#shards.map((_, i) => this.#table.shardSizes()[i] ?? 0);
    const gone = new Set(removed);
    for (const key of gone) {
      const record = this.#table.get(key);
      if (record) sizes[record.shard]!--;
    }
    const assigned: NewPlugin[] = [];
    const seen = new Set<string>();
    for (const socket of added) {
      if (seen.has(socket.path) || (this.#table.get(socket.path) && !gone.has(socket.path))) continue;
      seen.add(socket.path);
      let shard = indexOfMin(sizes);
      if (sizes[shard]! >= this.#pluginsPerWorker && sizes.length < this.#options.workers) {
        this.#addShard();
        shard = sizes.push(0) - 1;
      }
      sizes[shard]!++;
      assigned.push({ key: socket.path, id: socket.id, shard });
    }
    return assigned;
  }

  shard(index: number): ShardHandle {
    return this.#shards[index]!;
  }

  /** Times each shard's worker was restarted after dying. */
  restarts(): number[] {
    return this.#shards.map((s) => s.restarts);
  }

  /** Apply one discovery diff: removals first, so a socket replaced at the same path restarts its actor. */
  applyDiff(found: DiscoveryDiff): void {
    if (this.#closed) return;
    const diff = this.#admission?.apply(found) ?? found;
    const removed = diff.removed.filter((s) => this.#table.get(s.path) !== undefined);
    const added = this.#assign(
      diff.added,
      removed.map((s) => s.path),
    );
    const { start, stop } = this.#table.update(
      added,
      removed.map((s) => s.path),
    );
    this.#logChange(added, removed, start, stop);
    const removals = new Map<number, string[]>();
    for (const record of stop) push(removals, record.shard, record.key);
    for (const [shard, keys] of removals) this.#shards[shard]!.remove(keys);
    const additions = new Map<number, PluginAssignment[]>();
    for (const record of start) push(additions, record.shard, assignmentOf(record, this.#admission?.refusal(record.key)));
    for (const [shard, list] of additions) this.#shards[shard]!.add(list);
    this.#options.observer?.discovery(found.added.length, found.removed.length);
  }

  /** Applies to the sockets added from now on: plugins never move, so a shard above the new count keeps them. */
  setPluginsPerWorker(count: number): void {
    this.#pluginsPerWorker = count;
  }

  /** New live shard settings for every worker (a config reload); actors keep their state. */
  async configure(change: ShardConfigChange): Promise<void> {
    await Promise.all(this.#shards.map((s) => s.configure(change)));
  }

  /** Decides which plugins are polled when descriptors are short; set once, before the first diff. */
  admit(admission: PluginAdmission): void {
    this.#admission = admission;
  }

  #logChange(added: readonly NewPlugin[], removed: readonly DiscoveredSocket[], start: readonly PluginRecord[], stop: readonly PluginRecord[]): void {
    const gone = new Set(removed.map((s) => s.path));
    const starting = new Set(start.map((r) => r.key));
    for (const record of stop) {
      if (gone.has(record.key)) continue;
      this.#log.warn(
        { pluginId: record.id, socket: record.key, servedBy: this.#table.serving(record.id)?.key },
        'plugin id now served by another socket; this one is no longer polled',
      );
    }
    for (const socket of removed) this.#log.info({ pluginId: socket.id, socket: socket.path }, 'plugin removed');
    for (const p of added) {
      if (starting.has(p.key)) this.#log.info({ pluginId: p.id, socket: p.key, shard: p.shard }, 'plugin added');
      else if (this.#table.get(p.key)) {
        this.#log.warn(
          { pluginId: p.id, socket: p.key, servedBy: this.#table.serving(p.id)?.key },
          'plugin id already served by another socket; this one is not polled',
        );
      }
    }
    const fresh = new Set(added.map((p) => p.key));
    for (const record of start) {
      if (!fresh.has(record.key)) this.#log.info({ pluginId: record.id, socket: record.key, shard: record.shard }, 'plugin id now served by this socket');
    }
  }

  /**
   * Every plugin's row, with counters read from the shards now. Concurrent callers (the four
   * per-plugin gauges of one scrape, say) share one read and one list, which they must not modify;
   * a shard that does not answer within `COUNTERS_TIMEOUT_MS` (restarting) keeps its last counters.
   */
  plugins(): Promise<readonly PluginRow[]> {
    this.#listing ??= this.#list().finally(() => {
      this.#listing = null;
    });
    return this.#listing;
  }

  /**
   * Status batches arriving during the read are held until the rows are built: one posted after a
   * shard answered may overtake the answer (another port), and would pair a newer status with
   * older counters. Those posted before the answer are in it too (`ShardApi.readout`).
   */
  async #list(): Promise<readonly PluginRow[]> {
    this.#held = [];
    try {
      const results = await Promise.allSettled(this.#shards.map((s, i) => s.call((api) => api.readout(this.#statesRead[i]!), COUNTERS_TIMEOUT_MS)));
      results.forEach((result, shard) => {
        if (result.status !== 'fulfilled') return;
        for (const state of result.value.states) this.#table.apply(state);
        this.#statesRead[shard] = result.value.seq;
        unpackCounters(result.value, (key, counters) => this.#table.setCounters(key, counters));
      });
      return this.#table.rows();
    } finally {
      const held = this.#held ?? [];
      this.#held = null;
      for (const [, states] of held) for (const state of states) this.#table.apply(state);
    }
  }

  /**
   * The actor's detail of the plugin at `key` (which must be serving), read from its shard now;
   * its state and counters also refresh the table. Rejects with a coded error when the shard is down.
   */
  async detail(key: string, shard: number): Promise<PluginDetailData | null> {
    const data = await this.#shards[shard]!.call((api) => api.detail(key), DETAIL_TIMEOUT_MS);
    if (data !== null) {
      this.#table.apply(data.state);
      this.#table.setCounters(key, data.counters);
    }
    return data;
  }

  /**
   * Every shard's plugin reports and specs. A shard that is down or too slow does not fail the
   * report: its plugins are listed from the table with their last known status, their data missing.
   */
  async snapshot(mode: SnapshotMode): Promise<Snapshot> {
    const timeoutMs = this.#options.snapshotTimeoutMs ?? 2_000;
    const results = await Promise.allSettled(this.#shards.map((s) => s.call((api) => api.snapshot(mode), timeoutMs)));
    const parts: PackedParts[] = [];
    const specs: PluginSpec[] = [];
    results.forEach((result, shard) => {
      if (result.status === 'fulfilled') {
        parts.push(result.value.parts);
        specs.push(...result.value.specs);
      } else {
        specs.push(...this.#table.specsOfShard(shard));
        this.#log.warn({ shard, err: String(result.reason) }, 'shard snapshot failed; listing its plugins from the table');
      }
    });
    return { parts, specs };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all(this.#shards.map((s) => s.close()));
  }

  #listenerFor(): ShardListener {
    return {
      assignments: (shard) => this.#table.ofShard(shard).map((r) => assignmentOf(r, this.#admission?.refusal(r.key))),
      states: (shard, states) => {
        if (this.#held) this.#held.push([shard, states]);
        else for (const state of states) this.#table.apply(state);
      },
      stats: (shard, event) => this.#options.observer?.shardStats(shard, event),
      log: (shard, event) => {
        this.#log[event.level]({ ...event.fields, shard }, event.msg);
      },
      crashed: (shard, error, restartInMs) => {
        // A dead worker's held states must not hide its crash.
        this.#held &&= this.#held.filter(([s]) => s !== shard);
        this.#table.markShardDown(shard, error);
        // A restarted worker counts from 0 again (PluginState.seq).
        this.#statesRead[shard] = 0;
        this.#log.error({ shard, err: error, restartInMs }, 'shard worker crashed; restarting');
      },
      restarted: (shard) => {
        this.#log.info({ shard, restarts: this.#shards[shard]!.restarts }, 'shard worker restarted; its plugins resumed');
      },
    };
  }
}

function assignmentOf(record: PluginAssignment, refusal: ErrorData | undefined): PluginAssignment {
  return { key: record.key, id: record.id, ...(refusal && { refusal }) };
}

function indexOfMin(values: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! < values[best]!) best = i;
  return best;
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
