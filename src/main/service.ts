/**
 * Wires the host together: the report builder, the core (shard workers, plugin table, controls,
 * reports), metrics, the HTTP API, discovery and, when apps are configured, the publisher and the
 * apps' control websockets (a second front door to the core's controls). Start
 * order makes `/healthz` honest: the API listens first (503), the first scan is applied, then it
 * says 200.
 */
import type { Logger } from 'pino';
import type { HostConfig } from './config/schema.js';
import { ApiServer } from './api/http-server.js';
import { appClickHandler } from './app-control/app-click.js';
import { AppControls } from './app-control/app-controls.js';
import { addRoutes } from './api/routes.js';
import { HostCore } from './core/host-core.js';
import { Discovery } from './discovery/discovery.js';
import { logDescriptorPlan, planDescriptors } from './fd-budget.js';
import { registerDescriptorMetrics } from './metrics/fd-metrics.js';
import { PluginAdmission } from './plugin-admission.js';
import { hostInfo } from './host-info.js';
import { HostMetrics } from './metrics/host-metrics.js';
import { registerStateGauges } from './metrics/state-gauges.js';
import { Publisher } from './publish/publisher.js';
import { ReportBuilder } from './report-builder.js';
import { VERSION } from './version.js';

export interface RunningService {
  /** Base URL of the API, e.g. `http://127.0.0.1:4041`. */
  readonly url: string;
  readonly core: HostCore;
  readonly discovery: Discovery | null;
  readonly publisher: Publisher | null;
  /** The control websockets to the apps; null without apps. */
  readonly appControls: AppControls | null;
  /** Stop polling, close every connection, stop the API. Idempotent. */
  close(): Promise<void>;
}

export async function startService(config: HostConfig, logger: Logger): Promise<RunningService> {
  const startedAt = Date.now();
  const metrics = new HostMetrics();
  const builder = new ReportBuilder({
    nice: config.backgroundNice,
    observer: metrics,
    onHeapLimit: ({ maxOldGenerationSizeMb, inputBytes, reason }) => {
      const fields = { maxOldGenerationSizeMb, inputMB: Math.round(inputBytes / 1e5) / 10 };
      if (reason === 'grown') logger.info(fields, 'report builder thread restarted with a larger heap limit for more plugin data');
      else logger.error(fields, 'report builder ran out of memory; that report is lost, later builds run without a heap limit');
    },
  });
  const publishing = config.publish.apps.length > 0;
  let publisher: Publisher | null = null;
  const core = new HostCore({
    workers: config.workers,
    pluginsPerWorker: config.pluginsPerWorker,
    logger,
    builder,
    observer: metrics,
    ...(publishing ? { publishShortcut: (gzipped: Buffer) => publisher?.publishShortcut({ gzipped, shortcut: true }) } : {}),
    // How published reports name and route plugin controls for the apps (src/shared/report/app-controls.ts).
    app: { probeId: config.probeId, besideProbe: config.publish.besideProbe },
    shard: {
      probeId: config.probeId,
      apiVersion: config.apiVersion,
      pollIntervalMs: config.pollIntervalMs,
      pollSlotMs: config.pollSlotMs,
      backgroundNice: config.backgroundNice,
      timeoutMs: config.timeoutMs,
      maxResponseBytes: config.maxResponseBytes,
      maxNodesPerReport: config.maxNodesPerReport,
      maxConcurrentPolls: config.maxConcurrentPollsPerWorker,
      handshakeRetryInitialMs: config.handshake.retryInitialMs,
      handshakeRetryMaxMs: config.handshake.retryMaxMs,
      failureBackoffMaxMs: config.failureBackoffMaxMs,
      accumulate: publishing,
    },
  });
  await core.start();
  // Measured now that the first shard worker holds its descriptors; the API and the host come first.
  const fds = planDescriptors({ workers: config.workers, apps: config.publish.apps.length });
  logDescriptorPlan(logger, fds);
  const admission = fds.limit !== null && fds.plugins !== Infinity ? new PluginAdmission({ budget: fds.plugins, nofile: fds.limit.soft, logger }) : null;
  if (admission) core.admit(admission);

  let appControls: AppControls | null = null;
  if (publishing) {
    const controls = new AppControls({
      handle: appClickHandler(
        { probeId: config.probeId, besideProbe: config.publish.besideProbe, relayTimeoutMs: config.publish.timeoutMs },
        (request) => core.control(request),
      ),
      logger,
      identityTimeoutMs: config.publish.timeoutMs,
    });
    appControls = controls;
    publisher = new Publisher({
      apps: config.publish.apps,
      intervalMs: config.publish.intervalMs,
      probeId: config.probeId,
      version: VERSION,
      token: config.publish.token,
      timeoutMs: config.publish.timeoutMs,
      queueSize: config.publish.queueSize,
      logger,
      buildReport: async () => {
        const gzipped = await core.publication();
        return gzipped === null ? null : { gzipped, shortcut: false };
      },
      onApp: (app) => controls.attach(app),
    });
  }

  let discovery: Discovery | null = null;
  registerStateGauges(metrics.registry, {
    table: core.table,
    perPlugin: config.metrics.perPlugin,
    rows: () => core.plugins(),
    workerRestarts: () => core.workerRestarts(),
    discoveryScans: () => discovery?.scans ?? 0,
    discoveryWatches: () => discovery?.watchedDirs ?? { watched: 0, refused: 0 },
    publishStats: () => publisher?.stats ?? [],
    controlStats: () => appControls?.stats ?? [],
  });

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
      publishStats: () => publisher?.stats ?? [],
      appControls: () => appControls?.stats ?? [],
    });
  addRoutes(api, { core, metrics: metrics.registry, ready: () => ready, host: info });
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
  publisher?.start();
  logger.info(
    { url, pluginsRoot: config.pluginsRoot, workers: config.workers, probeId: config.probeId, plugins: core.table.size },
    'scope-plugin-host ready',
  );

  let closing: Promise<void> | null = null;
  return {
    url,
    core,
    discovery,
    publisher,
    appControls,
    close() {
      closing ??= (async () => {
        await discovery?.close();
        appControls?.close();
        await publisher?.close();
        await api.close();
        await core.close();
        await builder.close();
      })();
      return closing;
    },
  };
}
