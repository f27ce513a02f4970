/**
 * The series of `GET /metrics` that are read at scrape time from where the state lives: the
 * plugin table (read-only), the plugins root, the shards' restart counts, discovery, the publisher,
 * the apps' control websockets, the last config reload and, with `metrics.perPlugin`, the rows of
 * `GET /api/plugins`.
 *
 * Every label combination an alert may look for is always present, at 0 when nothing is in it: a
 * series that is absent cannot be compared, so `sum(plugins) == 0` would never fire with no plugins.
 * Values that only go up are counters (`_total`), so `increase()` and `rate()` apply; those whose
 * total is kept by their owner are reset and set to it at each scrape.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { PluginRow, PluginTableView } from '../core/plugin-table.js';
import type { ControlConnectionStats } from '../app-control/control-connection.js';
import type { RootStatus } from '../discovery/discovery.js';
import { PLUGIN_ERAS, PLUGIN_STATUS_KINDS, ROOT_CONDITIONS, statusKind } from '../health.js';
import type { AppStats } from '../publish/app-client.js';
import { VERSION } from '../version.js';
import { PREFIX } from './host-metrics.js';

export interface StateSources {
  readonly table: PluginTableView;
  readonly perPlugin: boolean;
  /** The rows of `GET /api/plugins`, for the per-plugin series. */
  rows: () => Promise<readonly PluginRow[]>;
  root: () => RootStatus;
  workerRestarts(): number[];
  discoveryScans(): number;
  /** Directories watched below the plugins root, and those refused by `maxWatchedDirs` since start. */
  discoveryWatches(): { watched: number; refused: number };
  publishStats(): AppStats[];
  /** Per app: its control websocket. */
  controlStats(): ControlConnectionStats[];
  lastReload(): { ok: boolean; successAt: number };
}

export interface StateMetrics {
  /** Adds or removes the per-plugin series (a config reload of `metrics.perPlugin`). */
  setPerPlugin(on: boolean): void;
}

export function registerStateGauges(registry: Registry, sources: StateSources): StateMetrics {
  const registers = [registry];
  new Gauge({
    name: `${PREFIX}build_info`,
    help: 'Always 1; the labels say which build runs: version of scope-plugin-host, Node.js version.',
    labelNames: ['version', 'nodeversion'],
    registers,
  }).set({ version: VERSION, nodeversion: process.version }, 1);
  new Counter({
    name: `${PREFIX}worker_restarts_total`,
    help: 'Times each shard worker thread was restarted after dying.',
    labelNames: ['worker'],
    registers,
    collect() {
      this.reset();
      sources.workerRestarts().forEach((n, i) => this.inc({ worker: String(i) }, n));
    },
  });
  new Counter({
    name: `${PREFIX}discovery_scans_total`,
    help: 'Full scans of the plugins root since start.',
    registers,
    collect() {
      this.reset();
      this.inc(sources.discoveryScans());
    },
  });
  new Gauge({
    name: `${PREFIX}plugins_root`,
    help: `1 for the plugins root's condition now, 0 for the others: ${ROOT_CONDITIONS.join(', ')}.`,
    labelNames: ['state'],
    registers,
    collect() {
      const now = sources.root().state;
      for (const state of ROOT_CONDITIONS) this.set({ state }, state === now ? 1 : 0);
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
    help: 'Plugins by status (ok, error, pending) and era (handshake, report, unknown); every pair present, 0 when empty.',
    labelNames: ['status', 'era'],
    registers,
    collect() {
      const counts = new Map<string, number>();
      for (const record of sources.table.values()) {
        const key = `${statusKind(record.state.spec.status)}\0${record.state.era ?? 'unknown'}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
      for (const status of PLUGIN_STATUS_KINDS) {
        for (const era of PLUGIN_ERAS) this.set({ status, era }, counts.get(`${status}\0${era}`) ?? 0);
      }
    },
  });
  new Counter({
    name: `${PREFIX}publish_reports_total`,
    help: 'Reports per Scope app by result: sent, failed (attempts), dropped (queue full).',
    labelNames: ['app', 'result'],
    registers,
    collect() {
      this.reset();
      for (const app of sources.publishStats()) {
        for (const result of ['sent', 'failed', 'dropped'] as const) this.inc({ app: app.url, result }, app[result]);
      }
    },
  });
  new Gauge({
    name: `${PREFIX}publish_queued_reports`,
    help: 'Reports waiting to be sent, per Scope app.',
    labelNames: ['app'],
    registers,
    collect() {
      this.reset();
      for (const app of sources.publishStats()) this.set({ app: app.url }, app.queued);
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
  new Gauge({
    name: `${PREFIX}config_last_reload_successful`,
    help: 'Whether the last config reload (SIGHUP, POST /-/reload) was applied: 1, or 0 when the file was refused.',
    registers,
    collect() {
      this.set(sources.lastReload().ok ? 1 : 0);
    },
  });
  new Gauge({
    name: `${PREFIX}config_last_reload_success_timestamp_seconds`,
    help: 'When the config was last loaded successfully (start or reload), Unix time.',
    registers,
    collect() {
      this.set(sources.lastReload().successAt / 1000);
    },
  });
  let perPlugin: string[] = sources.perPlugin ? perPluginGauges(sources.rows, registers) : [];
  return {
    setPerPlugin(on) {
      if (on && perPlugin.length === 0) perPlugin = perPluginGauges(sources.rows, registers);
      if (!on) {
        for (const name of perPlugin) registry.removeSingleMetric(name);
        perPlugin = [];
      }
    },
  };
}

/** Registers the per-plugin series; returns their names. */
function perPluginGauges(rows: () => Promise<readonly PluginRow[]>, registers: Registry[]): string[] {
  const names: string[] = [];
  const each = (name: string, help: string, value: (r: PluginRow) => number | null, Metric: typeof Gauge | typeof Counter = Gauge) => {
    names.push(`${PREFIX}plugin_${name}`);
    new Metric({
      name: `${PREFIX}plugin_${name}`,
      help,
      labelNames: ['plugin', 'socket'],
      registers,
      async collect() {
        // The four series collect concurrently and share one read of the shards' counters and one list.
        const all = await rows();
        this.reset();
        for (const row of all) {
          const v = value(row);
          if (v === null) continue;
          if (this instanceof Counter) this.inc({ plugin: row.id, socket: row.socket }, v);
          else this.set({ plugin: row.id, socket: row.socket }, v);
        }
      },
    });
  };
  each('up', 'Per plugin: 1 if its last poll was ok.', (r) => (r.status === 'ok' ? 1 : 0));
  each('last_latency_seconds', 'Per plugin: duration of its last poll.', (r) => (r.lastLatencyMs === null ? null : r.lastLatencyMs / 1000));
  each('polls_total', 'Per plugin: polls since its actor started.', (r) => r.polls, Counter);
  each('consecutive_failures', 'Per plugin: failures in a row.', (r) => r.consecutiveFailures);
  return names;
}
