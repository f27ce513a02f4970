/**
 * `GET /metrics` in Prometheus text format (prom-client). Everything is aggregated by default;
 * per-plugin series only with `metrics.perPlugin`, because a label per plugin means thousands of
 * series (label cardinality).
 *
 * Pushed here, as it happens: poll outcomes, latencies, in-flight counts and worker ELU from the
 * shards' once-a-second stats events, discovery events, control outcomes and report builds. Read
 * at scrape time: the gauges of ./state-gauges.ts.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { StatsEvent } from '../../shared/protocol.js';
import type { CoreObserver } from '../core/host-core.js';
import type { BuildObserver, BuildPurpose } from '../report-builder.js';

export const PREFIX = 'scope_plugin_host_';

export class HostMetrics implements CoreObserver, BuildObserver {
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

  constructor() {
    const registers = [this.registry];
    // prom-client samples event-loop delay with a 10 ms timer by default: 100 wake-ups a second
    // of an otherwise idle main thread. One a second still catches a stalled loop.
    collectDefaultMetrics({ register: this.registry, prefix: PREFIX, eventLoopMonitoringPrecision: 1000 });
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
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- prom-client calls collect() with the gauge as this
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
    this.#heap = new Gauge({
      name: `${PREFIX}worker_heap_bytes`,
      help: 'V8 heap of each shard worker thread: used, and total (committed, part of the process RSS).',
      labelNames: ['worker', 'kind'],
      registers,
    });
    this.#discovery = new Counter({ name: `${PREFIX}discovery_events_total`, help: 'Plugin sockets added and removed.', labelNames: ['event'], registers });
    this.#controls = new Counter({
      name: `${PREFIX}control_requests_total`,
      help: 'Control requests by outcome: ok or the error code.',
      labelNames: ['outcome'],
      registers,
    });
    // The largest cost with thousands of plugins after polling itself (docs/benchmarks.md).
    this.#builds = new Histogram({
      name: `${PREFIX}report_build_seconds`,
      help: 'Builds of the merged report (merge, encode, gzip) by purpose: api (GET /api/report), publish, shortcut; wall time, on the builder thread or, for small builds, on main.',
      labelNames: ['purpose'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.#buildErrors = new Counter({
      name: `${PREFIX}report_build_errors_total`,
      help: 'Builds of the merged report that failed, by purpose.',
      labelNames: ['purpose'],
      registers,
    });
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
}
