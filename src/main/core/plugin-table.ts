/**
 * The plugin table: main's record of every discovered plugin socket, the shard that hosts it, the
 * latest status its actor reported and the counters last read from its shard. The one owner of
 * plugin → shard: a restarted worker is handed its plugins from here. The core creates it, the
 * supervisor writes it; actors never touch it, they send `PluginState` messages that are applied
 * here. It survives worker restarts, so the API keeps listing every plugin (with a `worker thread
 * crashed` status) while a shard comes back.
 *
 * Also the control routing table of plugin-protocol §2.4: `<pluginID>~<controlID>` → socket.
 */
import { ErrorCode, errorData, statusOf, type ErrorData } from '../../shared/errors.js';
import type { PluginCounters, PluginEra, PluginState } from '../../shared/protocol.js';
import type { PluginSpec } from '../../shared/report/index.js';

export interface PluginRecord {
  readonly key: string;
  readonly socketPath: string;
  readonly id: string;
  readonly shard: number;
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

export class PluginTable implements PluginTableView {
  readonly #records = new Map<string, PluginRecord>();
  readonly #routes = new Map<string, string>();

  get size(): number {
    return this.#records.size;
  }

  get(key: string): PluginRecord | undefined {
    return this.#records.get(key);
  }

  values(): IterableIterator<PluginRecord> {
    return this.#records.values();
  }

  add(record: Omit<PluginRecord, 'state' | 'counters'>): PluginRecord {
    const full: PluginRecord = { ...record, state: initialState(record.key, record.id), counters: NO_COUNTERS };
    this.#records.set(record.key, full);
    return full;
  }

  remove(key: string): PluginRecord | undefined {
    const record = this.#records.get(key);
    if (!record) return undefined;
    this.#setRoutes(record, []);
    this.#records.delete(key);
    return record;
  }

  /** Apply an actor's state; ignored for a socket that was removed meanwhile, or older than the one held (late message). */
  apply(state: PluginState): PluginRecord | undefined {
    const record = this.#records.get(state.key);
    if (!record) return undefined;
    if (state.seq < record.state.seq) return record;
    this.#setRoutes(record, state.controls);
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
    for (const record of this.#records.values()) {
      if (record.shard !== shard) continue;
      this.#setRoutes(record, []);
      record.state = {
        ...record.state,
        // The restarted worker's actors count from 1 again.
        seq: 0,
        controls: [],
        lastError: error,
        spec: { ...record.state.spec, status: statusOf(error) },
      };
      record.counters = { ...record.counters, lastErrorAt: Date.now() };
    }
  }

  /** Socket path answering `<pluginID>~<controlID>`, if any (plugin-protocol §2.4). */
  route(control: string): string | undefined {
    return this.#routes.get(control);
  }

  /** The plugins hosted by this shard. */
  ofShard(shard: number): PluginRecord[] {
    const records: PluginRecord[] = [];
    for (const record of this.#records.values()) if (record.shard === shard) records.push(record);
    return records;
  }

  specsOfShard(shard: number): PluginSpec[] {
    return this.ofShard(shard).map((record) => record.state.spec);
  }

  /** Rows sorted by id, then socket path (two sockets may share an id). */
  rows(): PluginRow[] {
    const rows = [...this.#records.values()].map(toRow);
    return rows.sort((a, b) => compare(a.id, b.id) || compare(a.socket, b.socket));
  }

  #setRoutes(record: PluginRecord, controls: readonly string[]): void {
    for (const control of record.state.controls) {
      if (this.#routes.get(control) === record.key) this.#routes.delete(control);
    }
    // Two sockets with one id: the one that reported last answers, as upstream's later-scanned socket did.
    for (const control of controls) this.#routes.set(control, record.key);
  }
}

function toRow(record: PluginRecord): PluginRow {
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
    socket: record.socketPath,
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

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
