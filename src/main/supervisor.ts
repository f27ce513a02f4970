/**
 * The main-thread supervisor. Owns the plugin table and the shard handles; turns discovery diffs
 * into actor assignments (a socket always goes to shard `hash(path) % workers`), applies the
 * actors' status messages, reads their counters when someone lists the plugins, routes control
 * requests, and asks the shards for snapshots that the report builder merges off the main thread.
 *
 * It never parses a plugin report: that is what keeps the main thread responsive with thousands
 * of plugins (engineering-notes §3: 2–6 ms of main-thread time per round instead of 70–235 ms).
 */
import type { Logger } from 'pino';
import { ErrorCode, HostError, errorData, type ErrorData } from '../shared/errors.js';
import type { ControlReply, ControlRequest, PluginAssignment, ShardConfig, SnapshotMode, StatsEvent } from '../shared/protocol.js';
import type { PackedParts } from '../shared/parts.js';
import type { PluginSpec } from '../shared/report/index.js';
import type { DiscoveredSocket, DiscoveryDiff } from './discovery/discovery.js';
import type { PluginAdmission } from './plugin-admission.js';
import { PluginTable, type PluginRow } from './plugin-table.js';
import type { ReportBuilder } from './report-builder.js';
import { ShardHandle, type ShardListener } from './shard-handle.js';
import { spreadHash } from '../shared/hash.js';
import { unpackCounters } from '../shared/plugin-state.js';

export interface SupervisorOptions {
  readonly workers: number;
  readonly shard: Omit<ShardConfig, 'shardIndex'>;
  readonly logger: Logger;
  readonly builder: ReportBuilder;
  /** How long a snapshot may take before that shard's plugins are served from the table. */
  readonly snapshotTimeoutMs?: number;
}

export interface SupervisorObserver {
  shardStats(worker: number, event: StatsEvent): void;
  discovery(added: number, removed: number): void;
  control(outcome: string): void;
}

/** What `POST /api/control` answers: an HTTP status and a JSON body. */
export interface ControlOutcome {
  readonly status: number;
  readonly body: Record<string, unknown>;
  /** Encoded shortcut report to publish at once, if the plugin sent a valid one. */
  readonly shortcut: string | null;
}

/** How long `plugins()` waits for a shard's counters. */
const COUNTERS_TIMEOUT_MS = 1_000;

export class Supervisor {
  readonly #options: SupervisorOptions;
  readonly #log: Logger;
  readonly #table = new PluginTable();
  readonly #shards: ShardHandle[] = [];
  #observer: SupervisorObserver | undefined;
  #admission: PluginAdmission | undefined;
  #building: Promise<Buffer> | null = null;
  #listing: Promise<readonly PluginRow[]> | null = null;
  #closed = false;

  constructor(options: SupervisorOptions) {
    this.#options = options;
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

  /** Told about what happens, for metrics; set after construction because metrics read the table. */
  set observer(observer: SupervisorObserver) {
    this.#observer = observer;
  }

  /** Decides which plugins are polled when descriptors are short; set before the first diff. */
  set admission(admission: PluginAdmission) {
    this.#admission = admission;
  }

  get table(): PluginTable {
    return this.#table;
  }

  get shards(): readonly ShardHandle[] {
    return this.#shards;
  }

  /** Apply one discovery diff: removals first, so a socket replaced at the same path restarts its actor. */
  applyDiff(found: DiscoveryDiff): void {
    if (this.#closed) return;
    const diff = this.#admission?.apply(found) ?? found;
    const removals = new Map<number, string[]>();
    for (const socket of diff.removed) {
      const record = this.#table.get(socket.path);
      if (!record) continue;
      this.#table.remove(socket.path);
      push(removals, record.shard, socket.path);
      this.#log.info({ pluginId: record.id, socket: socket.path }, 'plugin removed');
    }
    for (const [shard, keys] of removals) this.#shards[shard]!.remove(keys);

    const additions = new Map<number, PluginAssignment[]>();
    for (const socket of diff.added) {
      if (this.#table.get(socket.path)) continue;
      const shard = this.#shardOf(socket);
      this.#table.add({ key: socket.path, socketPath: socket.path, id: socket.id, ino: socket.ino, shard, addedAt: Date.now() });
      const refusal = this.#admission?.refusal(socket.path);
      push(additions, shard, { key: socket.path, socketPath: socket.path, id: socket.id, ...(refusal && { refusal }) });
      this.#log.info({ pluginId: socket.id, socket: socket.path, shard }, 'plugin added');
    }
    for (const [shard, list] of additions) this.#shards[shard]!.add(list);
    this.#observer?.discovery(found.added.length, found.removed.length);
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
   * The merged report as wire JSON bytes: every plugin's last good data and every plugin's spec.
   * Concurrent callers share one build (a dashboard polling it must not multiply the work).
   */
  report(): Promise<Buffer> {
    this.#building ??= (async () => {
      try {
        const { parts, specs } = await this.#snapshot('current');
        return await this.#options.builder.json(parts, { specs, tsEpochNs: epochNs() });
      } finally {
        this.#building = null;
      }
    })();
    return this.#building;
  }

  /**
   * The report to publish: everything polled since the previous publication (no metric sample is
   * lost between two publishes, report-model §6.2), gzipped. Null when there are no plugins.
   */
  async publication(windowNs: bigint): Promise<Buffer | null> {
    if (this.#table.size === 0) return null;
    const { parts, specs } = await this.#snapshot('drain');
    return this.#options.builder.gzipped(parts, { specs, tsEpochNs: epochNs(), windowNs: windowNs.toString(), shortcut: false });
  }

  /** Route a control click to the plugin's actor (plugin-protocol §2.5, §2.6). Never waits for polls. */
  async control(request: ControlRequest): Promise<ControlOutcome> {
    const outcome = await this.#control(request);
    this.#observer?.control(outcome.status === 200 ? 'ok' : String(outcome.body['code'] ?? 'PLUGIN_ERROR'));
    return outcome;
  }

  async #control(request: ControlRequest): Promise<ControlOutcome> {
    const key = this.#table.route(request.Control);
    if (key === undefined) return failure(404, errorData(ErrorCode.CONTROL_NOT_RECOGNISED, `Control "${request.Control}" not recognised`));
    const record = this.#table.get(key);
    const id = request.Control.split('~', 1)[0]!;
    if (!record) return failure(404, errorData(ErrorCode.CONTROL_PLUGIN_NOT_FOUND, `plugin ${id} not found`));
    let reply: ControlReply;
    try {
      reply = await this.#shards[record.shard]!.call((api) => api.control(key, request) as Promise<ControlReply>, 10_000);
    } catch (err) {
      const code = err instanceof HostError ? err.code : ErrorCode.INTERNAL;
      return failure(503, errorData(code, (err as Error).message));
    }
    if (!reply.ok) {
      const notFound = reply.error.code === ErrorCode.CONTROL_PLUGIN_NOT_FOUND;
      return failure(notFound ? 404 : 400, reply.error);
    }
    if (reply.shortcutError) {
      this.#log.warn({ pluginId: id, code: reply.shortcutError.code, err: reply.shortcutError.message }, 'shortcut report rejected');
    }
    // Like the Scope app: a plugin response carrying an `error` is a failed control.
    const status = typeof reply.response['error'] === 'string' && reply.response['error'] !== '' ? 400 : 200;
    return { status, body: { ...reply.response }, shortcut: reply.shortcut };
  }

  /** Test hook: crash one shard's worker thread as a bug would. */
  crashShardForTest(index: number): void {
    this.#shards[index]?.crashForTest();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all(this.#shards.map((s) => s.close()));
  }

  /**
   * Every shard's plugin reports and specs. A shard that is down or too slow does not fail the
   * report: its plugins are listed from the table with their last known status, their data missing.
   */
  async #snapshot(mode: SnapshotMode): Promise<{ parts: PackedParts[]; specs: PluginSpec[] }> {
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

  #shardOf(socket: DiscoveredSocket): number {
    return spreadHash(socket.path) % this.#shards.length;
  }

  #listener(): ShardListener {
    return {
      states: (_shard, states) => {
        for (const state of states) this.#table.apply(state);
      },
      removed: () => {},
      stats: (shard, event) => this.#observer?.shardStats(shard, event),
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

function failure(status: number, error: ErrorData): ControlOutcome {
  return { status, body: { error: error.message, code: error.code }, shortcut: null };
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function epochNs(): string {
  // Date.now() is ms; performance.timeOrigin + now() adds µs precision, enough for a report TS.
  const ms = performance.timeOrigin + performance.now();
  return (BigInt(Math.floor(ms)) * 1_000_000n + BigInt(Math.round((ms % 1) * 1e6))).toString();
}
