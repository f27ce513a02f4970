/**
 * One actor per plugin socket, living in a shard worker. It owns everything about its plugin:
 * the HTTP connections, the handshake, the poll schedule, the stored spec and status, the last
 * good report and, when publishing, the reports accumulated since the last publish. Nothing else
 * reads or writes that state, so no locks: the shard asks the actor for its contribution.
 *
 * Life: handshaking ──(GET / decided the era)──▶ polling ──(stop)──▶ stopped.
 * - Handshake: a JSON object with a string `name` makes it a 2016 handshake-era plugin; a 404 or
 *   anything else that is not a handshake makes it a current-era plugin. Transport errors, 5xx and
 *   timeouts are retried with exponential backoff and jitter.
 * - Polls sit on a per-plugin grid inside the interval (poll-schedule.ts), never overlap, each under
 *   one deadline; a failing plugin backs off up to `failureBackoffMaxMs`.
 * - Control requests use their own connection, so a click never waits behind a poll.
 */
import { ErrorCode, errorData, statusOf, type ErrorData } from '../shared/errors.js';
import type {
  ActorPhase,
  LargeReportResult,
  LargeReportTask,
  LargeSummaryTask,
  ControlReply,
  PluginCounters,
  PluginDetailData,
  PluginEra,
  PluginState,
  ShardConfig,
} from '../shared/protocol.js';
import { sameSpec, sameState } from '../shared/plugin-state.js';
import { ActorReports } from './actor-reports.js';
import type { PartPacker } from '../shared/parts.js';
import { encodeReport, nowTimestamp, rewriteControls, type PluginSpec, type TopologyContribution } from '../shared/report/index.js';
import { interpretHandshake } from './handshake.js';
import { PluginClient } from './plugin-client.js';
import { failureDelay, nextSlot, retryDelay } from './poll-schedule.js';
import type { PollSlots } from './poll-slots.js';
import { validatePoll } from './poll-validation.js';
import { callControl } from './control-call.js';
import { PollHistory } from './poll-history.js';
import { summarizeParts } from './report-summary.js';
import type { ControlBody } from '../shared/control-body.js';
import type { LogLevel } from '../shared/protocol.js';

/** Bodies above this are parsed and validated on the shard's large-report thread, not its event loop. */
export const LARGE_BODY_BYTES = 1 << 20;

/** Processing one report may use at most 1/COST_SHARE of a plugin's poll interval (5 %). */
const COST_SHARE = 20;

/** One shared empty list, not a new array per poll that lives until the next one. */
const NO_CONTROLS: readonly string[] = Object.freeze([]);

export interface ActorContext {
  readonly config: ShardConfig;
  readonly slots: PollSlots;
  /** How many plugins the shard hosts (fewer share fewer poll slots: poll-schedule.ts). */
  plugins(): number;
  log(level: LogLevel, msg: string, fields: Record<string, string | number | boolean | null>): void;
  /** Validate a large body off the shard's event loop (src/workers/large-report-task.ts). */
  validateLarge(task: LargeReportTask): Promise<LargeReportResult>;
  /** Summarise a large stored report off the shard's event loop, for a detail view. */
  summarizeLarge(task: LargeSummaryTask): Promise<TopologyContribution[]>;
  /** The actor's status changed: include it in the next state batch to main. */
  changed(actor: PluginActor): void;
  /** The next `PluginState.seq` (its meaning: src/shared/protocol.ts). */
  nextSeq(): number;
  /** One poll finished: `ok` or the ErrorCode, and how long it took (for metrics). */
  polled(outcome: string, latencyMs: number): void;
}

export function isController(spec: PluginSpec): boolean {
  return spec.interfaces?.includes('controller') ?? false;
}

export class PluginActor {
  /** The socket path: the plugin's identity. */
  readonly key: string;
  readonly id: string;
  readonly #ctx: ActorContext;
  readonly #poller: PluginClient;
  /** Not polled at all (the open-file limit leaves no descriptor for it): this is its status. */
  readonly #refusal: ErrorData | undefined;
  #controller: PluginClient | null = null;
  /** Control requests to one plugin go one at a time over the control connection. */
  #controlChain: Promise<unknown> = Promise.resolve();

  #phase: ActorPhase = 'handshaking';
  #era: PluginEra | null = null;
  /** The stored spec (docs/spec/plugin-protocol.md#validation-order, rule 7), with the current status. */
  #spec: PluginSpec;
  #handshakeSpec: PluginSpec | undefined;
  /**
   * The last good report as wire JSON bytes (plus shortcut reports since; none while failing: a
   * failing plugin contributes only its spec), and what was good since the last drain, at most
   * `config.accumulate` reports. Kept as bytes in a buffer of the actor's own, not as decoded
   * objects or strings: the merge happens on the report builder thread, and a report that lives
   * one interval on the V8 heap gets promoted and fills old space with garbage (src/shared/parts.ts).
   */
  readonly #reports = new ActorReports();
  #controls: readonly string[] = NO_CONTROLS;

  #timer: NodeJS.Timeout | null = null;
  #handshakeAttempts = 0;
  #lastError: ErrorData | null = null;
  /** The last failure, kept after a recovery (detail view; its time is `#lastErrorAt`). */
  #lastFailure: ErrorData | null = null;
  readonly #history = new PollHistory();
  #lastOkAt: number | null = null;
  #lastErrorAt: number | null = null;
  #lastLatencyMs: number | null = null;
  #consecutiveFailures = 0;
  #polls = 0;
  #throttled = false;
  /** Smoothed ms of this shard's event loop spent processing one of this plugin's reports. */
  #costMs = 0;
  /** The state last handed to `ctx.changed`: a poll that changes only counters sends nothing. */
  #announced: PluginState | null = null;
  /** `PluginState.seq` of the last change announced. */
  #seq = 0;

  constructor(key: string, id: string, ctx: ActorContext, refusal?: ErrorData) {
    this.key = key;
    this.id = id;
    this.#ctx = ctx;
    // Upstream's initial spec before the first good report: id and label from the socket name.
    this.#spec = { id, label: id, interfaces: null };
    this.#poller = this.#newClient();
    this.#refusal = refusal;
  }

  /** Handshake at once: a plugin that just appeared should be `ok` within one round trip, not one interval. */
  start(): void {
    if (this.#refusal !== undefined) {
      // Said once for all such plugins by the main thread, so no per-plugin log line here.
      this.#lastError = this.#lastFailure = this.#refusal;
      this.#lastErrorAt = Date.now();
      this.#spec = { ...this.#spec, status: statusOf(this.#refusal) };
      this.#announce();
      return;
    }
    this.#announce();
    this.#arm(0, () => this.#handshake());
  }

  /** Idempotent. Cancels the schedule and closes both connections, aborting what is in flight. */
  async stop(): Promise<void> {
    if (this.#phase === 'stopped') return;
    this.#phase = 'stopped';
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    await Promise.all([this.#poller.destroy(), this.#controller?.destroy()]);
  }

  get state(): PluginState {
    return {
      key: this.key,
      id: this.id,
      seq: this.#seq,
      phase: this.#phase,
      era: this.#era,
      spec: this.#spec,
      lastError: this.#lastError,
      controls: this.#controls,
    };
  }

  /** `PluginState.seq` of the last change announced, without building the state. */
  get seq(): number {
    return this.#seq;
  }

  get counters(): PluginCounters {
    return {
      lastOkAt: this.#lastOkAt,
      lastErrorAt: this.#lastErrorAt,
      lastLatencyMs: this.#lastLatencyMs,
      consecutiveFailures: this.#consecutiveFailures,
      polls: this.#polls,
    };
  }

  get spec(): PluginSpec {
    return this.#spec;
  }

  /** Everything the detail view shows; the contribution is decoded from the stored report now (on a click, not per poll). */
  async detail(): Promise<PluginDetailData> {
    const parts = this.#reports.currentViews();
    const bytes = this.#reports.currentBytes;
    let contribution: PluginDetailData['contribution'] = null;
    let contributionError: ErrorData | null = null;
    if (parts.length > 0) {
      try {
        const topologies = bytes > LARGE_BODY_BYTES ? await this.#ctx.summarizeLarge({ parts: parts.map((p) => new Uint8Array(p)) }) : summarizeParts(parts);
        contribution = { bytes, topologies };
      } catch (err) {
        contributionError = errorData(ErrorCode.INTERNAL, `the stored report could not be summarised: ${(err as Error).message}`);
      }
    }
    return {
      state: this.state,
      counters: this.counters,
      contribution,
      contributionError,
      lastFailure: this.#lastFailure && this.#lastErrorAt !== null ? { error: this.#lastFailure, atMs: this.#lastErrorAt } : null,
      history: this.#history.data(),
    };
  }

  /**
   * This plugin's data for a snapshot, in two passes over a `PartPacker`: `count` then `add`.
   * `current`: the last good report (for `GET /api/report`; its Plugins section is ignored).
   * `drain`: everything polled since the last drain, or the current data if nothing new; the
   * `add` pass restarts the accumulation. The shard runs both passes synchronously, back to back.
   */
  countInto(packer: PartPacker, mode: 'current' | 'drain'): void {
    this.#reports.countInto(packer, mode);
  }

  addInto(packer: PartPacker, mode: 'current' | 'drain'): void {
    this.#reports.addInto(packer, mode);
  }

  control(body: ControlBody): Promise<ControlReply> {
    const run = this.#controlChain.then(() => this.#control(body));
    this.#controlChain = run.catch(() => undefined);
    return run;
  }

  // ─── handshake ────────────────────────────────────────────────────────────────────────────

  async #handshake(): Promise<void> {
    const release = await this.#ctx.slots.acquire();
    if (this.#stopped) return release();
    const result = await this.#poller.get('/').finally(release);
    if (this.#stopped) return;
    const outcome = interpretHandshake(result, { pluginId: this.id, apiVersion: this.#ctx.config.apiVersion });
    switch (outcome.kind) {
      case 'handshake':
        this.#era = 'handshake';
        this.#handshakeSpec = outcome.spec;
        this.#spec = outcome.spec;
        break;
      case 'report-era':
        this.#era = 'report';
        break;
      case 'failed': {
        this.#handshakeAttempts++;
        if (outcome.spec) this.#spec = outcome.spec;
        this.#fail(outcome.error, result.latencyMs);
        const { handshakeRetryInitialMs, handshakeRetryMaxMs } = this.#ctx.config;
        this.#arm(retryDelay(this.#handshakeAttempts, handshakeRetryInitialMs, handshakeRetryMaxMs), () => this.#handshake());
        this.#announce();
        return;
      }
    }
    this.#phase = 'polling';
    this.#ctx.log('info', 'plugin handshake done', { era: this.#era, ...this.#logFields() });
    // First poll right away; later polls fall on the plugin's grid slot.
    await this.#poll();
  }

  // ─── polling ──────────────────────────────────────────────────────────────────────────────

  async #poll(): Promise<void> {
    const release = await this.#ctx.slots.acquire();
    if (this.#stopped) return release();
    const result = await this.#poller.get('/report').finally(release);
    if (this.#stopped) return;
    const cpuStart = performance.now();
    const validation = {
      pluginId: this.id,
      apiVersion: this.#ctx.config.apiVersion,
      storedSpec: this.#spec,
      maxNodes: this.#ctx.config.maxNodesPerReport,
      ...(this.#handshakeSpec ? { handshakeSpec: this.#handshakeSpec } : {}),
    };
    const large = result.answered && result.statusCode === 200 && result.body.length > LARGE_BODY_BYTES;
    const outcome = large ? await this.#ctx.validateLarge({ body: result.body, ctx: validation }) : validatePoll(result, validation);
    if (this.#stopped) return;
    this.#polls++;
    this.#ctx.polled(outcome.ok ? 'ok' : outcome.error.code, result.latencyMs);
    // Keep the stored object when nothing changed: a new one per poll lives a whole interval, so
    // it is promoted to old space and becomes garbage that only a mark-compact collects.
    if (!sameSpec(this.#spec, outcome.spec)) this.#spec = outcome.spec;
    if (outcome.ok) {
      let text: string | Uint8Array;
      if ('encoded' in outcome) {
        text = outcome.encoded;
        this.#controls = outcome.controlIds;
      } else if (isController(outcome.spec)) {
        const rewritten = rewriteControls(outcome.report, this.id, nowTimestamp());
        text = encodeReport(rewritten.report);
        this.#controls = rewritten.controlIds;
      } else {
        // Validated already; the builder decodes it again (cheaper than keeping the objects).
        text = result.answered ? result.body : '';
        this.#controls = NO_CONTROLS;
      }
      // Kept for the next publish too: at most `accumulate`, the newest when a publish is late.
      this.#reports.polled(text, this.#ctx.config.accumulate);
      this.#succeed(result.latencyMs);
    } else {
      // A failing plugin contributes only its spec, and its control handlers vanish until the next
      // good poll (docs/spec/plugin-protocol.md#control-handlers).
      this.#controls = NO_CONTROLS;
      this.#reports.failed();
      this.#fail(outcome.error, result.latencyMs);
    }
    this.#announce();
    const { pollIntervalMs, failureBackoffMaxMs } = this.#ctx.config;
    const gap = Math.max(
      failureDelay(this.#consecutiveFailures, pollIntervalMs, failureBackoffMaxMs),
      this.#costGap(performance.now() - cpuStart, pollIntervalMs),
    );
    // At least half a gap after now, so the first poll after a handshake does not double up.
    const at = nextSlot(this.key, pollIntervalMs, Date.now(), gap - pollIntervalMs / 2, this.#ctx.config.pollSlotMs, this.#ctx.plugins());
    this.#arm(at - Date.now(), () => this.#poll());
  }

  /**
   * A plugin pays for its own CPU: decoding, validating and merging its report runs on this shard's
   * event loop, shared with every other actor here. A report so large that processing it takes more
   * than 1/COST_SHARE of the time between polls is polled less often, so one plugin sending 40 MB
   * every second costs its own freshness, not the other plugins' polling rate.
   */
  #costGap(processingMs: number, intervalMs: number): number {
    // Smoothed from 0, so one slow poll (a cold JIT, a GC pause) does not throttle anyone.
    this.#costMs += (processingMs - this.#costMs) * 0.3;
    const gap = this.#costMs * COST_SHARE;
    const throttled = gap > intervalMs;
    if (throttled !== this.#throttled) {
      this.#throttled = throttled;
      this.#ctx.log(throttled ? 'warn' : 'info', throttled ? 'plugin report is expensive; polling it less often' : 'plugin report cost back to normal', {
        processingMs: Math.round(this.#costMs),
        pollEveryMs: Math.round(Math.max(gap, intervalMs)),
        ...this.#logFields(),
      });
    }
    return gap;
  }

  #succeed(latencyMs: number): void {
    const recovered = this.#lastError !== null;
    this.#lastOkAt = Date.now();
    this.#lastLatencyMs = latencyMs;
    this.#history.record(this.#lastOkAt, latencyMs, 'ok');
    this.#consecutiveFailures = 0;
    this.#handshakeAttempts = 0;
    if (recovered) this.#ctx.log('info', 'plugin recovered', this.#logFields());
    this.#lastError = null;
  }

  /** Record a failure; log only when the kind of failure changes (no log spam from a stale socket). */
  #fail(error: ErrorData, latencyMs: number): void {
    const changed = this.#lastError?.code !== error.code;
    this.#lastError = error;
    this.#lastErrorAt = Date.now();
    this.#lastLatencyMs = latencyMs;
    this.#consecutiveFailures++;
    this.#history.record(this.#lastErrorAt, latencyMs, error.code);
    this.#lastFailure = error;
    this.#spec = { ...this.#spec, status: statusOf(error) };
    if (changed) {
      this.#ctx.log('warn', 'plugin failing', { code: error.code, err: error.message, ...this.#logFields() });
    }
  }

  // ─── controls ─────────────────────────────────────────────────────────────────────────────

  async #control(body: ControlBody): Promise<ControlReply> {
    if (this.#phase === 'stopped') {
      return { ok: false, error: errorData(ErrorCode.CONTROL_PLUGIN_NOT_FOUND, `plugin ${this.id} not found`) };
    }
    if (!isController(this.#spec)) {
      // A control to a non-controller sets the plugin's status to this error too, as upstream does.
      const error = errorData(ErrorCode.NOT_CONTROLLER, `the ${this.#spec.label || this.id} plugin does not implement the controller interface`);
      this.#spec = { ...this.#spec, status: statusOf(error) };
      this.#announce();
      return { ok: false, error };
    }
    // A connection per click, closed after it: idle control connections would hold descriptors
    // that polling needs (fd-budget.ts), and clicks are rare.
    const controller = (this.#controller = this.#newClient());
    const reply = await callControl(controller, body, this.id, this.#ctx.config.maxNodesPerReport).finally(() => {
      if (this.#controller === controller) this.#controller = null;
      void controller.close();
    });
    if (!reply.ok) {
      this.#spec = { ...this.#spec, status: statusOf(reply.error) };
    } else {
      this.#spec = { ...this.#spec, status: 'ok' };
      if (reply.shortcutReport) {
        this.#controls = reply.shortcutReport.controlIds.length > 0 ? reply.shortcutReport.controlIds : this.#controls;
        // In the host's view at once, until the next poll replaces it.
        this.#reports.shortcut(reply.shortcutReport.encoded, this.#ctx.config.accumulate);
      }
    }
    this.#announce();
    return reply.ok ? { ok: true, response: reply.response, shortcut: reply.shortcutReport?.encoded ?? null, shortcutError: reply.shortcutError } : reply;
  }

  /**
   * Queue this actor's state for main if it differs from the last one queued, because a message
   * per poll (the counters change every time) made main's work grow with the poll rate
   * (docs/decisions/084-main-thread-does-no-per-poll-work.md).
   */
  #announce(): void {
    const last = this.#announced;
    // The common case, a healthy poll, keeps every object (the spec is kept when equal): no allocation.
    if (
      last !== null &&
      last.phase === this.#phase &&
      last.era === this.#era &&
      last.spec === this.#spec &&
      last.lastError === this.#lastError &&
      last.controls === this.#controls
    ) {
      return;
    }
    // Kept for comparison only (sameState ignores seq); the shard reads a fresh state when it flushes.
    const state = this.state;
    this.#announced = state;
    if (last !== null && sameState(last, state)) return;
    this.#seq = this.#ctx.nextSeq();
    this.#ctx.changed(this);
  }

  /** A method, not a field read, so TS does not narrow it away across awaits. */
  get #stopped(): boolean {
    return this.#phase === 'stopped';
  }

  // ─── plumbing ─────────────────────────────────────────────────────────────────────────────

  /** The shard's settings changed (a config reload): the poller's limits follow; the schedule reads them at the next poll. */
  reconfigure(): void {
    const { timeoutMs, maxResponseBytes, accumulate } = this.#ctx.config;
    this.#poller.setLimits({ timeoutMs, maxResponseBytes });
    // Publishing turned off (0): nobody drains any more, so what was kept for it goes.
    this.#reports.keepPending(accumulate);
  }

  #newClient(): PluginClient {
    const { probeId, apiVersion, timeoutMs, maxResponseBytes } = this.#ctx.config;
    return new PluginClient({ socketPath: this.key, probeId, apiVersion, timeoutMs, maxResponseBytes });
  }

  #arm(delayMs: number, run: () => Promise<void>): void {
    if (this.#phase === 'stopped') return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(
      () => {
        this.#timer = null;
        run().catch((err: unknown) => {
          // A bug, not a plugin failure: keep the actor alive on a slow retry and say so.
          this.#fail(errorData(ErrorCode.INTERNAL, `internal error: ${String(err)}`), 0);
          this.#announce();
          this.#arm(this.#ctx.config.failureBackoffMaxMs, run);
        });
      },
      Math.max(0, delayMs),
    );
  }

  #logFields(): Record<string, string> {
    return { pluginId: this.id, socket: this.key };
  }
}
