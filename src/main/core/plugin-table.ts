/**
 * The plugin table: main's record of every discovered plugin socket, the shard that hosts it, the
 * latest status its actor reported and the counters last read from its shard. The one owner of
 * plugin → shard: a restarted worker is handed its plugins from here. The core creates it, the
 * supervisor writes it; actors never touch it, they send `PluginState` messages that are applied
 * here. It survives worker restarts, so the API keeps listing every plugin (with a `worker thread
 * crashed` status) while a shard comes back.
 *
 * One plugin ID names one plugin, as it does for the Scope app (its plugin list and its control
 * IDs know plugins only by ID): of several sockets with one ID, the one whose path sorts first
 * serves it, and the others are listed with a PLUGIN_DUPLICATE_ID error, unpolled, until they are
 * first in turn (docs/writing-plugins.md#1-where-the-socket-goes).
 */
import { ErrorCode, errorData, statusOf, type ErrorData } from '../../shared/errors.js';
import type { PluginCounters, PluginEra, PluginState } from '../../shared/protocol.js';
import type { PluginSpec } from '../../shared/report/index.js';

export interface PluginRecord {
  /** The socket path: the plugin's identity. */
  readonly key: string;
  readonly id: string;
  readonly shard: number;
  /** Does this socket serve its ID (an actor polls it)? False while another socket serves that ID. */
  serving: boolean;
  state: PluginState;
  /** As of the last read (`setCounters`); zero until then. */
  counters: PluginCounters;
}

/** One row of `GET /api/plugins`. */
export interface PluginRow {
  id: string;
  label: string;
  description: string | undefined;
  interfaces: string[] | null;
  api_version: string | undefined;
  status: string | undefined;
  errorCode: string | null;
  socket: string;
  era: PluginEra | null;
  phase: string;
  lastOkAt: string | null;
  lastErrorAt: string | null;
  lastLatencyMs: number | null;
  consecutiveFailures: number;
  polls: number;
  controls: readonly string[];
}

export function initialState(key: string, id: string): PluginState {
  return {
    key,
    id,
    seq: 0,
    phase: 'handshaking',
    era: null,
    spec: { id, label: id, interfaces: null },
    lastError: null,
    controls: [],
  };
}

const NO_COUNTERS: PluginCounters = { lastOkAt: null, lastErrorAt: null, lastLatencyMs: null, consecutiveFailures: 0, polls: 0 };

/** What readers outside the core (metrics) may see: nothing they could change. */
export interface PluginTableView {
  readonly size: number;
  values(): Iterable<Readonly<PluginRecord>>;
}

/** A socket discovery found, with the shard it goes to. */
export type NewPlugin = Pick<PluginRecord, 'key' | 'id' | 'shard'>;

/** Sockets whose actor must start (they now serve their ID) or stop (removed, or no longer serving). */
export interface ServingChange {
  readonly start: PluginRecord[];
  readonly stop: PluginRecord[];
}

export class PluginTable implements PluginTableView {
  readonly #records = new Map<string, PluginRecord>();
  /** Plugin ID → its sockets' keys in path order; the first serves the ID. */
  readonly #byId = new Map<string, string[]>();
  /** Sockets assigned to each shard, serving or not (index = shard). */
  readonly #shardSizes: number[] = [];

  get size(): number {
    return this.#records.size;
  }

  get(key: string): PluginRecord | undefined {
    return this.#records.get(key);
  }

  values(): IterableIterator<PluginRecord> {
    return this.#records.values();
  }

  /** Removes, then adds sockets (a socket replaced at the same path restarts its actor). */
  update(added: readonly NewPlugin[], removed: readonly string[]): ServingChange {
    const change: ServingChange = { start: [], stop: [] };
    const touched = new Set<string>();
    for (const key of removed) {
      const record = this.#records.get(key);
      if (!record) continue;
      this.#records.delete(key);
      this.#shardSizes[record.shard]!--;
      const keys = this.#byId.get(record.id)!.filter((k) => k !== key);
      if (keys.length > 0) this.#byId.set(record.id, keys);
      else this.#byId.delete(record.id);
      if (record.serving) change.stop.push(record);
      touched.add(record.id);
    }
    for (const plugin of added) {
      if (this.#records.has(plugin.key)) continue;
      this.#records.set(plugin.key, { ...plugin, serving: false, state: initialState(plugin.key, plugin.id), counters: NO_COUNTERS });
      this.#shardSizes[plugin.shard] = (this.#shardSizes[plugin.shard] ?? 0) + 1;
      const keys = [...(this.#byId.get(plugin.id) ?? []), plugin.key].sort(compare);
      this.#byId.set(plugin.id, keys);
      touched.add(plugin.id);
    }
    for (const id of touched) this.#elect(id, change);
    return change;
  }

  /** How many sockets each shard was assigned (serving or not); shards never assigned one may be missing. */
  shardSizes(): readonly number[] {
    return this.#shardSizes;
  }

  /** The socket serving this plugin ID, if any. */
  serving(id: string): PluginRecord | undefined {
    const first = this.#byId.get(id)?.[0];
    return first === undefined ? undefined : this.#records.get(first);
  }

  /** Apply an actor's state; ignored for a socket that was removed or stopped serving meanwhile, or older than the one held (PluginState.seq). */
  apply(state: PluginState): PluginRecord | undefined {
    const record = this.#records.get(state.key);
    if (!record?.serving) return undefined;
    if (state.seq < record.state.seq) return record;
    record.state = state;
    return record;
  }

  /** Counters read from the plugin's actor; ignored for a socket that was removed meanwhile. */
  setCounters(key: string, counters: PluginCounters): void {
    const record = this.#records.get(key);
    if (record) record.counters = counters;
  }

  /** A shard died: its plugins keep their spec but show the crash until their actor reports again. */
  markShardDown(shard: number, reason: string): void {
    const error: ErrorData = errorData(ErrorCode.WORKER_CRASHED, `worker thread crashed, restarting (${reason})`);
    for (const record of this.ofShard(shard)) {
      record.state = {
        ...record.state,
        // A restarted worker counts from 0 again (PluginState.seq).
        seq: 0,
        controls: [],
        lastError: error,
        spec: { ...record.state.spec, status: statusOf(error) },
      };
      record.counters = { ...record.counters, lastErrorAt: Date.now() };
    }
  }

  /** The plugins hosted by this shard: those serving their ID. */
  ofShard(shard: number): PluginRecord[] {
    const records: PluginRecord[] = [];
    for (const record of this.#records.values()) if (record.shard === shard && record.serving) records.push(record);
    return records;
  }

  specsOfShard(shard: number): PluginSpec[] {
    return this.ofShard(shard).map((record) => record.state.spec);
  }

  /** Rows sorted by id, then socket path (two sockets may share an id). */
  rows(): PluginRow[] {
    const rows = [...this.#records.values()].map(rowOf);
    return rows.sort((a, b) => compare(a.id, b.id) || compare(a.socket, b.socket));
  }

  /** The first socket of `id` serves it; the others wait, listed with the error that says why. */
  #elect(id: string, change: ServingChange): void {
    const keys = this.#byId.get(id) ?? [];
    keys.forEach((key, i) => {
      const record = this.#records.get(key)!;
      if (i === 0) {
        if (record.serving) return;
        record.serving = true;
        record.state = initialState(key, id);
        change.start.push(record);
        return;
      }
      if (record.serving) change.stop.push(record);
      record.serving = false;
      const error = errorData(ErrorCode.DUPLICATE_ID, `plugin id "${id}" is already served by ${keys[0]}`);
      record.state = { ...initialState(key, id), phase: 'stopped', lastError: error, spec: { id, label: id, interfaces: null, status: statusOf(error) } };
    });
  }
}

/** A record as `GET /api/plugins` lists it. */
export function rowOf(record: Readonly<PluginRecord>): PluginRow {
  const { state, counters } = record;
  const { spec } = state;
  return {
    id: record.id,
    label: spec.label,
    description: spec.description,
    interfaces: spec.interfaces,
    api_version: spec.api_version,
    status: spec.status,
    errorCode: state.lastError?.code ?? null,
    socket: record.key,
    era: state.era,
    phase: state.phase,
    lastOkAt: iso(counters.lastOkAt),
    lastErrorAt: iso(counters.lastErrorAt),
    lastLatencyMs: counters.lastLatencyMs === null ? null : Math.round(counters.lastLatencyMs * 100) / 100,
    consecutiveFailures: counters.consecutiveFailures,
    polls: counters.polls,
    controls: state.controls,
  };
}

export function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
