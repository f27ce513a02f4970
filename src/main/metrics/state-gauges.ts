/**
 * The gauges of `GET /metrics` that are read at scrape time from where the state lives: the
 * plugin table (read-only), the shards' restart counts, discovery, the publisher, the apps'
 * control websockets and, with
 * `metrics.perPlugin`, the rows of `GET /api/plugins` (counters read from the shards then).
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { PluginRow, PluginTableView } from '../core/plugin-table.js';
import type { ControlConnectionStats } from '../app-control/control-connection.js';
import type { AppStats } from '../publish/app-client.js';
import { PREFIX } from './host-metrics.js';

export interface StateSources {
  readonly table: PluginTableView;
  readonly perPlugin: boolean;
  /** The rows of `GET /api/plugins`, for the per-plugin series. */
  rows: () => Promise<readonly PluginRow[]>;
  workerRestarts(): number[];
  discoveryScans(): number;
  /** Directories watched below the plugins root, and those refused by `maxWatchedDirs` since start. */
  discoveryWatches(): { watched: number; refused: number };
  publishStats(): AppStats[];
  /** Per app: its control websocket. */
  controlStats(): ControlConnectionStats[];
}

export function registerStateGauges(registry: Registry, sources: StateSources): void {
  const registers = [registry];
  new Gauge({
    name: `${PREFIX}worker_restarts`,
    help: 'Times each shard worker thread was restarted after dying.',
    labelNames: ['worker'],
    registers,
    collect() {
      sources.workerRestarts().forEach((n, i) => this.set({ worker: String(i) }, n));
    },
  });
  new Gauge({
    name: `${PREFIX}discovery_scans`,
    help: 'Full scans of the plugins root since start.',
    registers,
    collect() {
      this.set(sources.discoveryScans());
    },
  });
  new Gauge({
    name: `${PREFIX}discovery_watched_directories`,
    help: 'Directories below the plugins root with a file watch (at most maxWatchedDirs).',
    registers,
    collect() {
      this.set(sources.discoveryWatches().watched);
    },
  });
  new Counter({
    name: `${PREFIX}discovery_watch_refused_total`,
    help: 'Directories left unwatched because maxWatchedDirs was reached (found by periodic rescans only).',
    registers,
    collect() {
      this.reset();
      this.inc(sources.discoveryWatches().refused);
    },
  });
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
  new Gauge({
    name: `${PREFIX}app_control_connected`,
    help: 'Per Scope app: 1 while its control websocket is open (clicks from that app reach plugins), 0 while it is down.',
    labelNames: ['app', 'app_id'],
    registers,
    collect() {
      this.reset();
      for (const c of sources.controlStats()) this.set({ app: c.url, app_id: c.appId }, c.connected ? 1 : 0);
    },
  });
  if (sources.perPlugin) perPluginGauges(sources.rows, registers);
}

function perPluginGauges(rows: () => Promise<readonly PluginRow[]>, registers: Registry[]): void {
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
