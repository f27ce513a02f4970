/**
 * Entry point of a shard worker thread: hosts the actors of the plugins the supervisor assigned
 * to this shard, serves `ShardApi` over comlink and pushes batched `ShardEvent`s on parentPort.
 *
 * Ownership: this thread owns its actors and everything they hold. A snapshot is each plugin's
 * last good report as validated wire JSON bytes, packed into one buffer that is moved (not
 * copied) to main, plus every spec, unmerged: merging here would stall this thread's polls, so the
 * report builder thread merges instead, and main only passes the buffer on, never parsing it
 * (docs/decisions/084-main-thread-does-no-per-poll-work.md).
 */
import { getHeapStatistics } from 'node:v8';
import { parentPort, workerData } from 'node:worker_threads';
import * as Comlink from 'comlink';
import { portEndpoint } from '../shared/port-endpoint.js';
import { ErrorCode, errorData } from '../shared/errors.js';
import {
  PROTOCOL_VERSION,
  ShardEventKind,
  type ControlReply,
  type LogLevel,
  type PluginAssignment,
  type ShardApi,
  type ShardEvent,
  type ShardSnapshot,
  type PluginReadout,
  type ShardConfig,
  type ShardConfigChange,
  type PluginState,
  type ShardWorkerData,
  type SnapshotMode,
  type LargeReportResult,
  type LargeReportTask,
  type LargeSummaryTask,
  type PluginDetailData,
} from '../shared/protocol.js';
import { PartPacker, transferablesOf } from '../shared/parts.js';
import { packCounters } from '../shared/plugin-state.js';
import { movable } from '../shared/transfer.js';
import type { PluginSpec, TopologyContribution } from '../shared/report/index.js';
import { PluginActor, type ActorContext } from './plugin-actor.js';
import type { ControlBody } from '../shared/control-body.js';
import { PollSlots } from './poll-slots.js';
import type { Piscina } from 'piscina';

/** How long after a plugin's state changes (status, not counters) it is sent to main, with any others changed meanwhile. */
const STATE_FLUSH_MS = 200;
/** How often poll counters and latencies go to main for /metrics. */
const STATS_FLUSH_MS = 1_000;

class Shard implements ShardApi {
  readonly #data: ShardWorkerData;
  readonly #port = parentPort!;
  readonly #actors = new Map<string, PluginActor>();
  readonly #dirty = new Set<PluginActor>();
  readonly #ctx: ActorContext;
  /** Armed by the first change after a flush, so a shard whose plugins do not change never wakes for it. */
  #flushTimer: NodeJS.Timeout | null = null;
  #stopping = false;
  readonly #statsTimer: NodeJS.Timeout;
  #outcomes: Record<string, number> = {};
  #latencies: number[] = [];
  #elu = performance.eventLoopUtilization();
  /** `PluginState.seq` of the last change any actor here announced. */
  #seq = 0;
  /**
   * Created on the first large report, and piscina loaded only then (most shards never see one);
   * one thread, so large reports cost at most one core.
   */
  #largePool: Promise<Piscina> | null = null;
  /** Starts as workerData's; a config reload replaces it (`configure`). */
  #config: ShardConfig;

  constructor(data: ShardWorkerData) {
    this.#data = data;
    this.#config = data.config;
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the context's methods run with the context as this
    const shard = this;
    this.#ctx = {
      get config() {
        return shard.#config;
      },
      slots: new PollSlots(data.config.maxConcurrentPolls),
      plugins: () => shard.#actors.size,
      log: (level, msg, fields) => shard.#log(level, msg, fields),
      changed(actor) {
        shard.#dirty.add(actor);
        if (!shard.#stopping) shard.#flushTimer ??= setTimeout(() => shard.#flushStates(), STATE_FLUSH_MS);
      },
      nextSeq() {
        return ++shard.#seq;
      },
      async validateLarge(task: LargeReportTask): Promise<LargeReportResult> {
        const pool = await shard.#large();
        // The body's memory is moved when it owns it (large Buffers do), else a copy is.
        const body = movable(task.body);
        return (await pool.run({ ...task, body }, { transferList: [body.buffer as ArrayBuffer] })) as LargeReportResult;
      },
      async summarizeLarge(task: LargeSummaryTask): Promise<TopologyContribution[]> {
        const pool = await shard.#large();
        // The parts are copies (never the actor's own buffer), so each owns its memory and moves.
        return (await pool.run(task, { name: 'summarizeLargeReport', transferList: task.parts.map((t) => t.buffer as ArrayBuffer) })) as TopologyContribution[];
      },
      polled(outcome, latencyMs) {
        shard.#outcomes[outcome] = (shard.#outcomes[outcome] ?? 0) + 1;
        shard.#latencies.push(latencyMs);
      },
    };
    this.#statsTimer = setInterval(() => this.#flushStats(), STATS_FLUSH_MS);
  }

  addPlugins(plugins: readonly PluginAssignment[]): void {
    for (const p of plugins) {
      if (this.#actors.has(p.key)) continue;
      const actor = new PluginActor(p.key, p.id, this.#ctx, p.refusal);
      this.#actors.set(p.key, actor);
      actor.start();
    }
  }

  removePlugins(keys: readonly string[]): void {
    for (const key of keys) {
      const actor = this.#actors.get(key);
      if (!actor) continue;
      this.#actors.delete(key);
      this.#dirty.delete(actor);
      void actor.stop();
    }
  }

  async control(key: string, body: ControlBody): Promise<ControlReply> {
    const actor = this.#actors.get(key);
    if (!actor) return { ok: false, error: errorData(ErrorCode.CONTROL_PLUGIN_NOT_FOUND, `no plugin at ${key}`) };
    const reply = await actor.control(body);
    // The status may have changed (ok / error): let main know without waiting for the next flush.
    this.#flushStates();
    return reply;
  }

  async snapshot(mode: SnapshotMode): Promise<ShardSnapshot> {
    // Two synchronous passes (sizes, then copies) so the pack is one allocation; nothing can
    // change an actor's buffers in between.
    const packer = new PartPacker();
    for (const actor of this.#actors.values()) actor.countInto(packer, mode);
    packer.allocate();
    const specs: PluginSpec[] = [];
    for (const actor of this.#actors.values()) {
      actor.addInto(packer, mode);
      specs.push(actor.spec);
    }
    const parts = packer.done();
    return Comlink.transfer({ parts, specs }, transferablesOf([parts]));
  }

  async readout(since: number): Promise<PluginReadout> {
    // Every state newer than the last read, flushed or not: a flushed batch may still be on its way.
    const states: PluginState[] = [];
    for (const actor of this.#actors.values()) {
      if (actor.seq <= since) continue;
      states.push(actor.state);
      this.#dirty.delete(actor);
    }
    const counters = { seq: this.#seq, states, ...packCounters(this.#actors.values()) };
    return Comlink.transfer(counters, [counters.values.buffer]);
  }

  async detail(key: string): Promise<PluginDetailData | null> {
    return (await this.#actors.get(key)?.detail()) ?? null;
  }

  configure(change: ShardConfigChange): void {
    this.#config = { ...this.#config, ...change };
    this.#ctx.slots.setLimit(this.#config.maxConcurrentPolls);
    for (const actor of this.#actors.values()) actor.reconfigure();
  }

  async shutdown(): Promise<void> {
    this.#stopping = true;
    clearInterval(this.#statsTimer);
    this.#flushStates();
    const actors = [...this.#actors.values()];
    this.#actors.clear();
    await Promise.all(actors.map((a) => a.stop()));
    await (await this.#largePool)?.destroy();
    // Let the reply to this call go out before the port closes (the worker then exits on its own).
    setImmediate(() => {
      this.#data.api.close();
      this.#port.close();
    });
  }

  #flushStates(): void {
    if (this.#flushTimer) clearTimeout(this.#flushTimer);
    this.#flushTimer = null;
    if (this.#dirty.size === 0) return;
    this.#post({ kind: ShardEventKind.PluginStates, states: this.#takeChanged() });
  }

  #takeChanged(): PluginState[] {
    const states = [...this.#dirty].map((a) => a.state);
    this.#dirty.clear();
    return states;
  }

  #flushStats(): void {
    const elu = performance.eventLoopUtilization(this.#elu);
    this.#elu = performance.eventLoopUtilization();
    const latenciesMs = Float64Array.from(this.#latencies);
    this.#post({
      kind: ShardEventKind.Stats,
      outcomes: this.#outcomes,
      latenciesMs,
      inFlight: this.#ctx.slots.inFlight,
      waiting: this.#ctx.slots.waiting,
      elu: elu.utilization,
      ...heap(),
    });
    this.#outcomes = {};
    this.#latencies = [];
  }

  #large(): Promise<Piscina> {
    this.#largePool ??= import('../shared/background-pool.js').then(({ backgroundPool }) =>
      backgroundPool('large-report-task', { nice: this.#data.config.backgroundNice }),
    );
    return this.#largePool;
  }

  #log(level: LogLevel, msg: string, fields: Record<string, string | number | boolean | null>): void {
    this.#post({ kind: ShardEventKind.Log, level, msg, fields: { shard: this.#data.config.shardIndex, ...fields } });
  }

  #post(event: ShardEvent): void {
    this.#port.postMessage(event);
  }
}

function heap(): { heapUsed: number; heapTotal: number } {
  const { used_heap_size, total_heap_size } = getHeapStatistics();
  return { heapUsed: used_heap_size, heapTotal: total_heap_size };
}

const data = workerData as ShardWorkerData;
if (data.protocolVersion !== PROTOCOL_VERSION) {
  throw new Error(`shard protocol ${data.protocolVersion} does not match ${PROTOCOL_VERSION}`);
}
const shard = new Shard(data);
Comlink.expose(shard, portEndpoint(data.api));
parentPort!.postMessage({ kind: ShardEventKind.Ready, protocolVersion: PROTOCOL_VERSION, shardIndex: data.config.shardIndex } satisfies ShardEvent);
