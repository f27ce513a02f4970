/**
 * The main-thread supervisor: starts the shard workers, turns discovery diffs into actor
 * assignments (a socket always goes to shard `hash(path) % workers`), applies the actors' status
 * messages to the plugin table, reads their counters when someone lists the plugins, and asks the
 * shards for the snapshots that the report builder merges off the main thread.
 *
 * It never parses a plugin report: that is what keeps the main thread responsive with thousands
 * of plugins (engineering-notes §3: 2–6 ms of main-thread time per round instead of 70–235 ms).
 */
import type { Logger } from 'pino';
import type { ErrorData } from '../../shared/errors.js';
import type { PluginAssignment, ShardConfig, ShardConfigChange, SnapshotMode, StatsEvent } from '../../shared/protocol.js';
import type { PackedParts } from '../../shared/parts.js';
import type { PluginSpec } from '../../shared/report/index.js';
import { spreadHash } from '../../shared/hash.js';
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
  readonly workers: number;
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

export class Supervisor {
  readonly #options: SupervisorOptions;
  readonly #log: Logger;
  readonly #table: PluginTable;
  readonly #shards: ShardHandle[] = [];
  #listing: Promise<readonly PluginRow[]> | null = null;
  #admission: PluginAdmission | undefined;
  #closed = false;

  constructor(options: SupervisorOptions) {
    this.#options = options;
    this.#table = options.table;
    this.#log = options.logger.child({ component: 'supervisor' });
    const listener = this.#listener();
    for (let i = 0; i < options.workers; i++) {
      this.#shards.push(new ShardHandle(i, { ...options.shard, shardIndex: i }, listener));
    }
  }

  async start(): Promise<void> {
    await Promise.all(this.#shards.map((s) => s.start()));
    this.#log.info({ workers: this.#shards.length }, 'shard workers ready');
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
    const shards = this.#shards.length;
    const added = diff.added.map((s) => ({ key: s.path, id: s.id, shard: spreadHash(s.path) % shards }));
    const removed = diff.removed.filter((s) => this.#table.get(s.path) !== undefined);
    const { start, stop } = this.#table.update(added, removed.map((s) => s.path));
    this.#logChange(added, removed, start, stop);
    const removals = new Map<number, string[]>();
    for (const record of stop) push(removals, record.shard, record.key);
    for (const [shard, keys] of removals) this.#shards[shard]!.remove(keys);
    const additions = new Map<number, PluginAssignment[]>();
    for (const record of start) push(additions, record.shard, assignmentOf(record, this.#admission?.refusal(record.key)));
    for (const [shard, list] of additions) this.#shards[shard]!.add(list);
    this.#options.observer?.discovery(found.added.length, found.removed.length);
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
      this.#log.warn({ pluginId: record.id, socket: record.key, servedBy: this.#table.serving(record.id)?.key }, 'plugin id now served by another socket; this one is no longer polled');
    }
    for (const socket of removed) this.#log.info({ pluginId: socket.id, socket: socket.path }, 'plugin removed');
    for (const p of added) {
      if (starting.has(p.key)) this.#log.info({ pluginId: p.id, socket: p.key, shard: p.shard }, 'plugin added');
      else if (this.#table.get(p.key)) {
        this.#log.warn({ pluginId: p.id, socket: p.key, servedBy: this.#table.serving(p.id)?.key }, 'plugin id already served by another socket; this one is not polled');
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
    this.#listing ??= this.#readCounters()
      .then(() => this.#table.rows())
      .finally(() => {
        this.#listing = null;
      });
    return this.#listing;
  }

  async #readCounters(): Promise<void> {
    const results = await Promise.allSettled(this.#shards.map((s) => s.call((api) => api.counters(), COUNTERS_TIMEOUT_MS)));
    for (const result of results) {
      if (result.status !== 'fulfilled') continue;
      for (const state of result.value.states) this.#table.apply(state);
      unpackCounters(result.value, (key, counters) => this.#table.setCounters(key, counters));
    }
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

  #listener(): ShardListener {
    return {
      assignments: (shard) => this.#table.ofShard(shard).map((r) => assignmentOf(r, this.#admission?.refusal(r.key))),
      states: (_shard, states) => {
        for (const state of states) this.#table.apply(state);
      },
      stats: (shard, event) => this.#options.observer?.shardStats(shard, event),
      log: (shard, event) => {
        this.#log[event.level]({ ...event.fields, shard }, event.msg);
      },
      crashed: (shard, error, restartInMs) => {
        this.#table.markShardDown(shard, error);
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

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
