/**
 * `GET /metrics` in Prometheus text format (prom-client). Everything is aggregated by default;
 * per-plugin series only with `metrics.perPlugin`, because a label per plugin means thousands of
 * series (label cardinality).
 *
 * Sources, each read where it lives: poll outcomes, latencies, in-flight counts and worker ELU come
 * from the shards' once-a-second stats events; plugin counts are computed from the plugin table
 * at scrape time, per-plugin values from the rows of `GET /api/plugins` (counters read from the
 * shards at scrape time); publish results from the publisher's own counters.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { StatsEvent } from '../shared/protocol.js';
import type { AppStats } from './publish/app-client.js';
import type { PluginRow, PluginTable } from './plugin-table.js';
import type { BuildObserver, BuildPurpose } from './report-builder.js';
import type { SupervisorObserver } from './supervisor.js';

const PREFIX = 'scope_plugin_host_';

export interface MetricsSources {
  readonly table: PluginTable;
  readonly perPlugin: boolean;
  /** The rows of `GET /api/plugins`, for the per-plugin series. */
  rows(): Promise<readonly PluginRow[]>;
  workerRestarts(): number[];
  discoveryScans(): number;
  publishStats(): AppStats[];
}

export class HostMetrics implements SupervisorObserver, BuildObserver {
  readonly registry = new Registry();
  readonly #polls: Counter;
  readonly #pollDuration: Histogram;
  readonly #inFlight: Gauge;
  readonly #waiting: Gauge;
  readonly #elu: Gauge;
  readonly #heap: Gauge;
  readonly #discovery: Counter;
  readonly #controls: Counter;
  readonly #builds: Histogram;
  readonly #buildErrors: Counter;
  #mainElu = performance.eventLoopUtilization();

  constructor(sources: MetricsSources) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: PREFIX });
    this.#polls = new Counter({ name: `${PREFIX}polls_total`, help: 'Plugin polls by outcome: ok or the error code.', labelNames: ['outcome'], registers });
    this.#pollDuration = new Histogram({
      name: `${PREFIX}poll_duration_seconds`,
      help: 'Duration of plugin polls (GET /report), whole exchange.',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers,
    });
    this.#inFlight = new Gauge({ name: `${PREFIX}polls_in_flight`, help: 'Requests to plugins in flight, per worker.', labelNames: ['worker'], registers });
    this.#waiting = new Gauge({
      name: `${PREFIX}polls_waiting`,
      help: 'Polls waiting for a slot (maxConcurrentPollsPerWorker), per worker.',
      labelNames: ['worker'],
      registers,
    });
    const mainElu = this;
    this.#elu = new Gauge({
      name: `${PREFIX}event_loop_utilization`,
      help: 'Event-loop utilisation of each thread over the last second (worker "main" is the supervisor).',
      labelNames: ['worker'],
      registers,
      collect() {
        const now = performance.eventLoopUtilization();
        this.set({ worker: 'main' }, performance.eventLoopUtilization(now, mainElu.#mainElu).utilization);
        mainElu.#mainElu = now;
      },
    });
    new Gauge({
      name: `${PREFIX}worker_restarts`,
      help: 'Times each shard worker thread was restarted after dying.',
      labelNames: ['worker'],
      registers,
      collect() {
        sources.workerRestarts().forEach((n, i) => this.set({ worker: String(i) }, n));
      },
    });
    this.#heap = new Gauge({
      name: `${PREFIX}worker_heap_bytes`,
      help: 'V8 heap of each shard worker thread: used, and total (committed, part of the process RSS).',
      labelNames: ['worker', 'kind'],
      registers,
    });
    this.#discovery = new Counter({ name: `${PREFIX}discovery_events_total`, help: 'Plugin sockets added and removed.', labelNames: ['event'], registers });
    new Gauge({
      name: `${PREFIX}discovery_scans`,
      help: 'Full scans of the plugins root since start.',
      registers,
      collect() {
        this.set(sources.discoveryScans());
      },
    });
    this.#controls = new Counter({ name: `${PREFIX}control_requests_total`, help: 'Control requests by outcome: ok or the error code.', labelNames: ['outcome'], registers });
    // The largest cost with thousands of plugins after polling itself (docs/benchmarks.md).
    this.#builds = new Histogram({
      name: `${PREFIX}report_build_seconds`,
      help: 'Builds of the merged report (merge, encode, gzip) by purpose: api (GET /api/report), publish, shortcut; wall time on the builder thread.',
      labelNames: ['purpose'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.#buildErrors = new Counter({ name: `${PREFIX}report_build_errors_total`, help: 'Builds of the merged report that failed, by purpose.', labelNames: ['purpose'], registers });
    new Gauge({
      name: `${PREFIX}plugins`,
      help: 'Plugins by status (ok, error, pending) and era (handshake, report, unknown).',
      labelNames: ['status', 'era'],
      registers,
      collect() {
        this.reset();
        for (const record of sources.table.values()) {
          const status = record.state.spec.status;
          this.inc({ status: status === undefined ? 'pending' : status === 'ok' ? 'ok' : 'error', era: record.state.era ?? 'unknown' });
        }
      },
    });
    new Gauge({
      name: `${PREFIX}publish_reports`,
      help: 'Reports per Scope app by result: sent, failed (attempts), dropped, queued.',
      labelNames: ['app', 'result'],
      registers,
      collect() {
        for (const app of sources.publishStats()) {
          for (const result of ['sent', 'failed', 'dropped', 'queued'] as const) this.set({ app: app.url, result }, app[result]);
        }
      },
    });
    if (sources.perPlugin) this.#perPlugin(sources.rows, registers);
  }

  shardStats(worker: number, event: StatsEvent): void {
    for (const [outcome, n] of Object.entries(event.outcomes)) this.#polls.inc({ outcome }, n);
    for (const ms of event.latenciesMs) this.#pollDuration.observe(ms / 1000);
    const labels = { worker: String(worker) };
    this.#inFlight.set(labels, event.inFlight);
    this.#waiting.set(labels, event.waiting);
    this.#elu.set(labels, event.elu);
    this.#heap.set({ ...labels, kind: 'used' }, event.heapUsed);
    this.#heap.set({ ...labels, kind: 'total' }, event.heapTotal);
  }

  discovery(added: number, removed: number): void {
    if (added) this.#discovery.inc({ event: 'added' }, added);
    if (removed) this.#discovery.inc({ event: 'removed' }, removed);
  }

  control(outcome: string): void {
    this.#controls.inc({ outcome });
  }

  reportBuild(purpose: BuildPurpose, seconds: number, ok: boolean): void {
    this.#builds.observe({ purpose }, seconds);
    if (!ok) this.#buildErrors.inc({ purpose });
  }

  async text(): Promise<{ body: string; type: string }> {
    return { body: await this.registry.metrics(), type: this.registry.contentType };
  }

  #perPlugin(rows: () => Promise<readonly PluginRow[]>, registers: Registry[]): void {
    const each = (name: string, help: string, value: (r: PluginRow) => number | null) =>
      new Gauge({
        name: `${PREFIX}plugin_${name}`,
        help,
        labelNames: ['plugin', 'socket'],
        registers,
        async collect() {
          // The four gauges collect concurrently and share one read of the shards' counters and one list.
          const all = await rows();
          this.reset();
          for (const row of all) {
            const v = value(row);
            if (v !== null) this.set({ plugin: row.id, socket: row.socket }, v);
          }
        },
      });
    each('up', 'Per plugin: 1 if its last poll was ok.', (r) => (r.status === 'ok' ? 1 : 0));
    each('last_latency_seconds', 'Per plugin: duration of its last poll.', (r) => (r.lastLatencyMs === null ? null : r.lastLatencyMs / 1000));
    each('polls', 'Per plugin: polls since its actor started.', (r) => r.polls);
    each('consecutive_failures', 'Per plugin: failures in a row.', (r) => r.consecutiveFailures);
  }
}
