/**
 * Every message between the main thread and the shard workers. Types only, no logic.
 *
 *   main thread                                   shard worker (one of `workers`)
 *   ───────────                                   ───────────────────────────────
 *   Supervisor ── ShardHandle ── comlink (ShardApi, on its own MessagePort) ──▶ Shard ── PluginActor × N
 *                      ▲                                                         │
 *                      └──────────── parentPort: ShardEvent (push, batched) ─────┘
 *
 * Two channels, each for what it is good at (comlink's per-call cost only pays off for rare calls):
 * - The control plane is request/response and low-rate (add/remove plugins, a control click, a report
 *   snapshot when someone asks for one), so it is a comlink RPC interface, `ShardApi`.
 * - The data plane is push (plugin status changes, logs, once-a-second stats), so it is plain
 *   `postMessage` of the `ShardEvent` union, batched, with one exhaustive switch on `kind`. A poll
 *   that changes nothing but counters sends nothing: counters are pulled (`ShardApi.readout`)
 *   when someone reads them, so main does no work per poll.
 * Per-plugin reports never cross as objects: a shard parses and validates each poll and keeps the
 * good report as wire JSON; a snapshot hands those strings on (cloned by memcpy), and only the
 * report builder thread parses and merges them (docs/decisions/084-main-thread-does-no-per-poll-work.md).
 */
import type { ControlBody } from './control-body.js';
import type { ErrorData } from './errors.js';
import type { PackedParts } from './parts.js';
import type { AppControlsOptions, PluginSpec, TopologyContribution } from './report/index.js';

/** Bumped whenever a message shape changes; a shard that answers with another version is not used. */
export const PROTOCOL_VERSION = 6;

/**
 * Which protocol a plugin speaks (docs/spec/plugin-protocol.md#eras): the 2016 `GET /` handshake,
 * or the spec in each report.
 */
export type PluginEra = 'handshake' | 'report';

/** Where an actor is in its life. */
export type ActorPhase = 'handshaking' | 'polling' | 'stopped';

/** What the supervisor tells a shard about one plugin socket. */
export interface PluginAssignment {
  /** The socket path: a plugin's identity everywhere (states, counters, snapshots, controls). */
  readonly key: string;
  readonly id: string;
  /** Set when the plugin must not be polled (open-file limit): its status, and no connection ever. */
  readonly refusal?: ErrorData;
}

/**
 * A plugin's status as main keeps it; an actor sends one when any of it changes (a handshake, an
 * error, a recovery, a new spec or control list), not at every poll.
 */
export interface PluginState {
  readonly key: string;
  readonly id: string;
  /**
   * The order of states, and the one place that says what it means. One counter per shard
   * worker, counting from 0 when the worker starts (so also after a restart, when main resets its
   * record of the shard to 0); every change an actor announces takes the next value, so an actor
   * that replaces a removed one at the same socket path continues above it. Uses: main drops a
   * state older than the one it holds, because status batches (parentPort) and counter reads (the
   * comlink port) travel on different ports whose messages main may handle in either order; and a
   * counter read asks for the states above the `seq` of the shard's previous answer.
   */
  readonly seq: number;
  readonly phase: ActorPhase;
  /** `null` until the handshake decided. */
  readonly era: PluginEra | null;
  /**
   * The stored spec with its status (docs/spec/plugin-protocol.md#statuses); no status before the
   * first poll.
   */
  readonly spec: PluginSpec;
  readonly lastError: ErrorData | null;
  /**
   * Rewritten control IDs this plugin answers (`<pluginID>~<controlID>`,
   * docs/spec/plugin-protocol.md#control-handlers).
   */
  readonly controls: readonly string[];
}

/** What changes at every poll. Owned by the actor; main reads it on demand (`ShardApi.readout`). */
export interface PluginCounters {
  /** Epoch ms. */
  readonly lastOkAt: number | null;
  readonly lastErrorAt: number | null;
  readonly lastLatencyMs: number | null;
  readonly consecutiveFailures: number;
  readonly polls: number;
}

/**
 * What main reads from a shard to list its plugins: every plugin's `PluginCounters` in one
 * transferred array (no object per plugin), and the states that changed since the last readout.
 */
export interface PluginReadout {
  /**
   * The current state of every plugin whose `seq` is above the `since` main asked with, flushed or
   * not (a flushed batch may still be on its way on the other port): applied before the counters,
   * so a row never shows a poll's counters with the status from before it.
   */
  readonly states: readonly PluginState[];
  /** The shard's latest `PluginState.seq` at this read: the `since` of main's next read. */
  readonly seq: number;
  readonly keys: readonly string[];
  /** Five numbers per key (layout: src/shared/plugin-state.ts); NaN stands for null. */
  readonly values: Float64Array;
}

/** A plugin's last exchanges with the host, oldest first (src/workers/poll-history.ts). */
export interface PollHistoryData {
  /** Epoch ms. */
  readonly atMs: readonly number[];
  readonly latencyMs: readonly number[];
  /** `ok` or the ErrorCode. */
  readonly outcome: readonly string[];
}

/** One plugin as its actor knows it, for its detail view (`ShardApi.detail`). */
export interface PluginDetailData {
  readonly state: PluginState;
  readonly counters: PluginCounters;
  /** What its last good report (and shortcut reports since) adds; null while it has none. */
  readonly contribution: {
    readonly bytes: number;
    readonly topologies: readonly TopologyContribution[];
  } | null;
  /** Why the contribution could not be summarised (it is listed in the report all the same). */
  readonly contributionError: ErrorData | null;
  /** The last failure, kept after a recovery; epoch ms. */
  readonly lastFailure: { readonly error: ErrorData; readonly atMs: number } | null;
  readonly history: PollHistoryData;
}

export interface ShardConfig {
  readonly shardIndex: number;
  readonly probeId: string;
  readonly apiVersion: string;
  readonly pollIntervalMs: number;
  readonly pollSlotMs: number;
  /** Nice value of the shard's large-report thread (config `backgroundNice`). */
  readonly backgroundNice: number;
  readonly timeoutMs: number;
  readonly maxResponseBytes: number;
  readonly maxNodesPerReport: number;
  readonly maxConcurrentPolls: number;
  readonly handshakeRetryInitialMs: number;
  readonly handshakeRetryMaxMs: number;
  readonly failureBackoffMaxMs: number;
  /**
   * How many reports each plugin keeps for the next drain (a publish), the newest: the polls of one
   * publish interval and one more for a late publish (`accumulationLimit`); 0 when not publishing.
   */
  readonly accumulate: number;
}

/**
 * The shard settings a config reload may change while the actors keep their state
 * (`ShardApi.configure`). The rest of `ShardConfig` is fixed for the life of the process.
 */
export const LIVE_SHARD_KEYS = [
  'pollIntervalMs',
  'pollSlotMs',
  'timeoutMs',
  'maxResponseBytes',
  'maxNodesPerReport',
  'maxConcurrentPolls',
  'handshakeRetryInitialMs',
  'handshakeRetryMaxMs',
  'failureBackoffMaxMs',
  'accumulate',
] as const satisfies readonly (keyof ShardConfig)[];

export type ShardConfigChange = Partial<Pick<ShardConfig, (typeof LIVE_SHARD_KEYS)[number]>>;

/** `workerData` of a shard worker. `api` is the comlink port (transferred). */
export interface ShardWorkerData {
  readonly protocolVersion: number;
  readonly config: ShardConfig;
  readonly api: import('node:worker_threads').MessagePort;
}

// ─── data plane: shard → main ───────────────────────────────────────────────────────────────

export const ShardEventKind = {
  Ready: 'ready',
  PluginStates: 'plugin-states',
  Log: 'log',
  Stats: 'stats',
} as const;

export interface ReadyEvent {
  readonly kind: typeof ShardEventKind.Ready;
  readonly protocolVersion: number;
  readonly shardIndex: number;
}

/** A batch of changed plugin states, flushed a few times a second (only plugins whose status changed). */
export interface PluginStatesEvent {
  readonly kind: typeof ShardEventKind.PluginStates;
  readonly states: readonly PluginState[];
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/**
 * Workers own no log transport (each `pino.transport()` starts a thread, so main owns the one);
 * they forward records.
 */
export interface LogEvent {
  readonly kind: typeof ShardEventKind.Log;
  readonly level: LogLevel;
  readonly msg: string;
  readonly fields: Readonly<Record<string, string | number | boolean | null>>;
}

/** Once a second: what the shard did since the previous stats event, for `/metrics`. */
export interface StatsEvent {
  readonly kind: typeof ShardEventKind.Stats;
  /** Poll outcomes since the last event: `ok` or an ErrorCode → count. */
  readonly outcomes: Readonly<Record<string, number>>;
  /** Duration of every poll since the last event, ms (a few thousand numbers a second at most). */
  readonly latenciesMs: Float64Array;
  /** Requests to plugins in flight, and waiting for a slot (`maxConcurrentPollsPerWorker`). */
  readonly inFlight: number;
  readonly waiting: number;
  /** Event-loop utilisation of this worker thread since the last event, 0..1. */
  readonly elu: number;
  /** This thread's V8 heap: bytes in use, and bytes committed (what it adds to the process RSS). */
  readonly heapUsed: number;
  readonly heapTotal: number;
}

export type ShardEvent = ReadyEvent | PluginStatesEvent | LogEvent | StatsEvent;

// ─── control plane: main → shard (comlink) ──────────────────────────────────────────────────

export type ControlReply =
  | {
      readonly ok: true;
      /** The plugin's response object without `shortcutReport`. */
      readonly response: Readonly<Record<string, unknown>>;
      /** The validated, rewritten shortcut report as encoded wire JSON, to publish at once. */
      readonly shortcut: string | null;
      /**
       * Why a shortcut report the plugin sent was dropped
       * (docs/spec/plugin-protocol.md#shortcut-reports: validated, unlike upstream).
       */
      readonly shortcutError: ErrorData | null;
    }
  | { readonly ok: false; readonly error: ErrorData };

/**
 * `current`: every plugin's last good report (or its error spec): what `GET /api/report` serves.
 * `drain`: everything polled since the previous drain, so no metric sample is lost between two
 * publishes (docs/spec/report-format.md#publication); resets the accumulation.
 */
export type SnapshotMode = 'current' | 'drain';

/**
 * A shard's contribution, unmerged: each plugin's good reports as wire JSON (their Plugins
 * sections are ignored) and every plugin's current spec with its status. The merge happens on the
 * report builder thread, so a snapshot costs a shard almost nothing and never stalls its polls
 * (docs/decisions/084-main-thread-does-no-per-poll-work.md).
 */
export interface ShardSnapshot {
  /** The plugins' good reports, wire JSON bytes packed into one transferred buffer. */
  readonly parts: PackedParts;
  readonly specs: readonly PluginSpec[];
}

export interface ShardApi {
  addPlugins(plugins: readonly PluginAssignment[]): void;
  removePlugins(keys: readonly string[]): void;
  /** `body` is what the plugin receives: `Control` is its own control id, without the `<pluginID>~` prefix. */
  control(key: string, body: ControlBody): Promise<ControlReply>;
  snapshot(mode: SnapshotMode): Promise<ShardSnapshot>;
  /**
   * Every plugin's counters now, for `GET /api/plugins` and the per-plugin metrics, with the states
   * that changed after `since` (the `seq` of this worker's previous answer, 0 for a new worker).
   */
  readout(since: number): Promise<PluginReadout>;
  /** One plugin's detail, or null when this shard has no actor at `key`. */
  detail(key: string): Promise<PluginDetailData | null>;
  /**
   * New live settings (a config reload): the next poll, handshake retry and exchange use them;
   * every actor keeps its connections, status, counters and last report.
   */
  configure(change: ShardConfigChange): void;
  /** Stop every actor and close every connection; the worker then exits by itself. */
  shutdown(): Promise<void>;
}

// ─── piscina task: main → report builder thread ─────────────────────────────────────────────

/** workerData of the piscina threads (report builder, large-report parser). */
export interface BackgroundThreadData {
  /** Linux nice value for the thread (config `backgroundNice`). */
  readonly nice: number;
}

/** The final merge of a snapshot or publication (src/workers/report-task.ts). */
export interface ReportTask {
  /** Wire reports to merge: the plugins' good reports (or one shortcut report), one pack per shard. */
  readonly parts: readonly PackedParts[];
  /**
   * When given, the merged report's Plugins list: every plugin's current spec and status (the
   * parts' own Plugins sections are dropped). Absent for a shortcut report, which keeps its own.
   */
  readonly specs?: readonly PluginSpec[];
  /** Epoch nanoseconds as a decimal string (a bigint would tie the task to structured clone). */
  readonly tsEpochNs: string;
  /** Nanoseconds since the previous publication, decimal string; absent for API snapshots. */
  readonly windowNs?: string;
  readonly shortcut?: boolean;
  /** For a Scope app: controls renamed and routed to this host (src/shared/report/app-controls.ts). */
  readonly app?: AppControlsOptions;
  readonly gzip: boolean;
}

/** The encoded report (JSON bytes, or their gzip with `gzip`), moved rather than copied back to main. */
export type ReportTaskResult = Uint8Array;

// ─── piscina task: shard → its large-report thread ──────────────────────────────────────────

/** Validate a `/report` body too large to parse on the shard's event loop. */
export interface LargeReportTask {
  /** The body (transferred). */
  readonly body: Uint8Array;
  readonly ctx: {
    readonly pluginId: string;
    readonly apiVersion: string;
    readonly storedSpec: PluginSpec;
    readonly handshakeSpec?: PluginSpec;
    readonly maxNodes: number;
  };
}

/** Summarise a large stored report off the shard's event loop (`contributionOf`). */
export interface LargeSummaryTask {
  /** The report parts (the last good report and shortcut reports since), copied. */
  readonly parts: readonly Uint8Array[];
}

export type LargeReportResult =
  | { readonly ok: true; readonly spec: PluginSpec; readonly encoded: string; readonly controlIds: string[] }
  | { readonly ok: false; readonly error: ErrorData; readonly spec: PluginSpec };
