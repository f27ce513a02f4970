/**
 * Wires the host together: the report builder, the core (shard workers, plugin table, controls,
 * reports), metrics, the HTTP API, discovery and, when apps are configured, publishing (the
 * publisher and the apps' control websockets, a second front door to the core's controls). Start
 * order makes `/readyz` honest: the API listens first (503, starting), the first scan is applied,
 * then it tells the root's condition (health.ts). A config reload (reload.ts) is applied here,
 * through each owner.
 */
import type { Logger } from 'pino';
import type { HostConfig } from './config/schema.js';
import { ApiServer } from './api/http-server.js';
import type { AppControls } from './app-control/app-controls.js';
import { addRoutes } from './api/routes.js';
import { HostCore } from './core/host-core.js';
import { Discovery, type RootStatus } from './discovery/discovery.js';
import { logDescriptorPlan, planDescriptors } from './fd-budget.js';
import { countPlugins, healthOf, type Health } from './health.js';
import { registerDescriptorMetrics } from './metrics/fd-metrics.js';
import { PluginAdmission } from './plugin-admission.js';
import { hostInfo } from './host-info.js';
import { HostMetrics } from './metrics/host-metrics.js';
import { registerStateGauges } from './metrics/state-gauges.js';
import type { Publisher } from './publish/publisher.js';
import { newPublishing, type Publishing } from './publishing.js';
import { ConfigReloader, liveShardConfig, shardConfig, type ReloadPlan, type ReloadResult } from './reload.js';
import { ReportBuilder } from './report-builder.js';
import { VERSION } from './version.js';

export interface RunningService {
  /** Base URL of the API, e.g. `http://127.0.0.1:4041`. */
  readonly url: string;
  readonly core: HostCore;
  readonly discovery: Discovery | null;
  /** The publisher now (a reload may replace it); null without apps. */
  readonly publisher: Publisher | null;
  /** The control websockets to the apps now; null without apps. */
  readonly appControls: AppControls | null;
  /** What `/healthz` and `/readyz` answer. */
  health(): Health;
  /** Re-read the config and apply what can change live (SIGHUP, `POST /-/reload`). */
  reload(trigger: string): Promise<ReloadResult>;
  /** Stop polling, close every connection, stop the API. Idempotent. */
  close(): Promise<void>;
}

export interface ServiceOptions {
  /** Reads the config again for a reload; without it a reload re-applies the running config. */
  loadConfig?: () => Promise<HostConfig>;
}

export async function startService(config: HostConfig, logger: Logger, options: ServiceOptions = {}): Promise<RunningService> {
  const startedAt = Date.now();
  const metrics = new HostMetrics();
  const builder = new ReportBuilder({
    nice: config.backgroundNice,
    observer: metrics,
    onHeapLimit: ({ maxOldGenerationSizeMb, maxYoungGenerationSizeMb, inputBytes, reason }) => {
      const fields = { maxOldGenerationSizeMb, maxYoungGenerationSizeMb, inputMB: Math.round(inputBytes / 1e5) / 10 };
      if (reason === 'grown') logger.info(fields, 'report builder thread restarted with a larger heap for more plugin data');
      else logger.error(fields, 'report builder ran out of memory; that report is lost, later builds run without a heap limit');
    },
  });
  let publishing: Publishing | null = null;
  const core = new HostCore({
    workers: config.workers,
    pluginsPerWorker: config.pluginsPerWorker,
    logger,
    builder,
    observer: metrics,
    publishShortcut: (gzipped: Buffer) => publishing?.publisher.publishShortcut({ gzipped, shortcut: true }),
    publishing: () => publishing !== null,
    // How published reports name and route plugin controls for the apps (src/shared/report/app-controls.ts).
    app: { probeId: config.probeId, besideProbe: config.publish.besideProbe },
    shard: shardConfig(config),
  });
  await core.start();
  // Measured now that the first shard worker holds its descriptors; the API and the host come first.
  const fds = planDescriptors({ workers: config.workers, apps: config.publish.apps.length });
  logDescriptorPlan(logger, fds);
  const admission = fds.limit !== null && fds.plugins !== Infinity ? new PluginAdmission({ budget: fds.plugins, nofile: fds.limit.soft, logger }) : null;
  if (admission) core.admit(admission);
  publishing = newPublishing(config, core, logger);

  let discovery: Discovery | null = null;
  let closing: Promise<void> | null = null;
  const reloader: ConfigReloader = new ConfigReloader({
    initial: config,
    load: options.loadConfig ?? (async (): Promise<HostConfig> => reloader.current),
    apply: (plan) => applyLive(plan),
    logger,
  });
  const root = (): RootStatus => discovery?.root ?? { path: '', state: 'disabled' };
  const stateMetrics = registerStateGauges(metrics.registry, {
    table: core.table,
    perPlugin: config.metrics.perPlugin,
    rows: () => core.plugins(),
    root,
    workerRestarts: () => core.workerRestarts(),
    discoveryScans: () => discovery?.scans ?? 0,
    discoveryWatches: () => discovery?.watchedDirs ?? { watched: 0, refused: 0 },
    publishStats: () => publishing?.publisher.stats ?? [],
    controlStats: () => publishing?.appControls.stats ?? [],
    lastReload: () => reloader.lastReload,
  });

  /** The live keys of a reload, each through its owner; restart-only keys never get here. */
  async function applyLive({ next, live }: ReloadPlan): Promise<void> {
    if (closing !== null) return;
    const changed = new Set(live);
    if (changed.has('logLevel')) logger.level = next.logLevel;
    if (changed.has('rescanIntervalMs')) discovery?.setRescanInterval(next.rescanIntervalMs);
    if (changed.has('metrics.perPlugin')) stateMetrics.setPerPlugin(next.metrics.perPlugin);
    if (changed.has('pluginsPerWorker')) core.setPluginsPerWorker(next.pluginsPerWorker);
    const shards = liveShardConfig(next);
    if (JSON.stringify(shards) !== JSON.stringify(liveShardConfig(reloader.current))) await core.configure(shards);
    if (live.some((k) => k.startsWith('publish.'))) {
      // New publishing for the new settings: the reports queued for each app and its control
      // websocket go with the old one; the apps still configured are connected again.
      const old = publishing;
      publishing = newPublishing(next, core, logger);
      publishing?.publisher.start();
      await old?.close();
    }
  }

  let ready = config.pluginsRoot === '';
  const api = new ApiServer(logger, fds.apiConnections);
  registerDescriptorMetrics(metrics.registry, { plan: fds, admission, apiConnections: () => api.connections });
  const info = () =>
    hostInfo({
      probeId: config.probeId,
      version: VERSION,
      pluginsRoot: config.pluginsRoot,
      workers: config.workers,
      startedAt,
      publishStats: () => publishing?.publisher.stats ?? [],
      appControls: () => publishing?.appControls.stats ?? [],
    });
  const health = (): Health => healthOf(ready, root(), countPlugins(core.table));
  const reload = (trigger: string): Promise<ReloadResult> => reloader.reload(trigger);
  addRoutes(api, { core, metrics: metrics.registry, health, reload, host: info });
  const address = await api.listen(config.listen.host, config.listen.port);
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;

  if (config.pluginsRoot !== '') {
    discovery = new Discovery({
      root: config.pluginsRoot,
      rescanIntervalMs: config.rescanIntervalMs,
      maxWatchedDirs: config.maxWatchedDirs,
      logger,
      onDiff: (diff) => core.applyDiff(diff),
    });
    await discovery.start();
  } else {
    logger.info('pluginsRoot is empty: plugins are disabled');
  }
  ready = true;
  publishing?.publisher.start();
  logger.info(
    { url, pluginsRoot: config.pluginsRoot, maxWorkers: config.workers, probeId: config.probeId, plugins: core.table.size },
    'scope-plugin-host ready',
  );

  return {
    url,
    core,
    discovery,
    get publisher() {
      return publishing?.publisher ?? null;
    },
    get appControls() {
      return publishing?.appControls ?? null;
    },
    health,
    reload,
    close() {
      closing ??= (async () => {
        await discovery?.close();
        await publishing?.close();
        await api.close();
        await core.close();
        await builder.close();
      })();
      return closing;
    },
  };
}
