/**
 * Wires the host together: shard workers (supervisor), discovery, the report builder, the HTTP
 * API and, when apps are configured, the publisher. Start order makes `/healthz` honest: the API
 * listens first (503), the first scan is applied, then it says 200.
 */
import type { Logger } from 'pino';
import type { HostConfig } from './config/schema.js';
import { ErrorCode } from '../shared/errors.js';
import { packParts } from '../shared/parts.js';
import type { ControlRequest } from '../shared/protocol.js';
import { ApiServer, json, type Reply } from './api-server.js';
import { Discovery } from './discovery/discovery.js';
import { logDescriptorPlan, planDescriptors } from './fd-budget.js';
import { registerDescriptorMetrics } from './fd-metrics.js';
import { PluginAdmission } from './plugin-admission.js';
import { Publisher } from './publish/publisher.js';
import { ReportBuilder } from './report-builder.js';
import { Supervisor } from './supervisor.js';
import { HostMetrics } from './metrics.js';
import { statusPageHtml } from './status-page.js';
import { VERSION } from './version.js';

export interface RunningService {
  /** Base URL of the API, e.g. `http://127.0.0.1:4041`. */
  readonly url: string;
  readonly supervisor: Supervisor;
  readonly discovery: Discovery | null;
  readonly publisher: Publisher | null;
  /** Stop polling, close every connection, stop the API. Idempotent. */
  close(): Promise<void>;
}

export async function startService(config: HostConfig, logger: Logger): Promise<RunningService> {
  const builder = new ReportBuilder({
    nice: config.backgroundNice,
    onHeapLimit: ({ maxOldGenerationSizeMb, inputBytes, reason }) => {
      const fields = { maxOldGenerationSizeMb, inputMB: Math.round(inputBytes / 1e5) / 10 };
      if (reason === 'grown') logger.info(fields, 'report builder thread restarted with a larger heap limit for more plugin data');
      else logger.error(fields, 'report builder ran out of memory; that report is lost, later builds run without a heap limit');
    },
  });
  const publishing = config.publish.apps.length > 0;
  const supervisor = new Supervisor({
    workers: config.workers,
    logger,
    builder,
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
  await supervisor.start();
  // Measured now that the shard workers hold their descriptors; the API and the host come first.
  const fds = planDescriptors({ workers: config.workers, apps: config.publish.apps.length });
  logDescriptorPlan(logger, fds);
  const admission = fds.limit !== null && fds.plugins !== Infinity ? new PluginAdmission({ budget: fds.plugins, nofile: fds.limit.soft, logger }) : null;
  if (admission) supervisor.admission = admission;

  let publisher: Publisher | null = null;
  if (publishing) {
    let last = process.hrtime.bigint();
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
        const now = process.hrtime.bigint();
        const gzipped = await supervisor.publication(now - last);
        if (gzipped === null) return null;
        last = now;
        return { gzipped, shortcut: false };
      },
    });
  }

  let discovery: Discovery | null = null;
  const metrics = new HostMetrics({
    table: supervisor.table,
    perPlugin: config.metrics.perPlugin,
    rows: () => supervisor.plugins(),
    workerRestarts: () => supervisor.shards.map((s) => s.restarts),
    discoveryScans: () => discovery?.scans ?? 0,
    publishStats: () => publisher?.stats ?? [],
  });
  supervisor.observer = metrics;
  builder.observer = metrics;

  let ready = config.pluginsRoot === '';
  const api = new ApiServer(logger, fds.apiConnections);
  registerDescriptorMetrics(metrics.registry, { plan: fds, admission, apiConnections: () => api.connections });
  api
    .route('GET', '/', () => ({ status: 200, body: statusPageHtml(), type: 'text/html; charset=utf-8' }))
    .route('GET', '/api/report', async () => ({ status: 200, body: await supervisor.report() }))
    .route('GET', '/api/plugins', async () => json(200, await supervisor.plugins()))
    .route('GET', '/metrics', async () => {
      const { body, type } = await metrics.text();
      return { status: 200, body, type };
    })
    .route('GET', '/healthz', () =>
      ready ? json(200, { status: 'ok', plugins: supervisor.table.size }) : json(503, { status: 'starting' }),
    )
    .route('POST', '/api/control', async (_req, body) => {
      const request = parseControlRequest(body);
      if ('error' in request) return request.error;
      const outcome = await supervisor.control(request);
      if (outcome.shortcut !== null && publisher) {
        const gzipped = await builder.gzipped([packParts([outcome.shortcut])], { tsEpochNs: `${Date.now()}000000`, shortcut: true });
        publisher.publishShortcut({ gzipped, shortcut: true });
      }
      return json(outcome.status, outcome.body);
    });
  const address = await api.listen(config.listen.host, config.listen.port);
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;

  if (config.pluginsRoot !== '') {
    discovery = new Discovery({
      root: config.pluginsRoot,
      rescanIntervalMs: config.rescanIntervalMs,
      logger,
      onDiff: (diff) => supervisor.applyDiff(diff),
    });
    await discovery.start();
  } else {
    logger.info('pluginsRoot is empty: plugins are disabled');
  }
  ready = true;
  publisher?.start();
  logger.info(
    { url, pluginsRoot: config.pluginsRoot, workers: config.workers, probeId: config.probeId, plugins: supervisor.table.size },
    'scope-plugin-host ready',
  );

  let closing: Promise<void> | null = null;
  return {
    url,
    supervisor,
    discovery,
    publisher,
    close() {
      closing ??= (async () => {
        await discovery?.close();
        await publisher?.close();
        await api.close();
        await supervisor.close();
        await builder.close();
      })();
      return closing;
    },
  };
}

function parseControlRequest(body: Buffer | null): ControlRequest | { error: Reply } {
  const bad = (message: string) => ({ error: json(400, { error: message, code: ErrorCode.CONTROL_BAD_REQUEST }) });
  let value: unknown;
  try {
    value = JSON.parse(body?.toString('utf8') ?? '');
  } catch {
    return bad('request body must be JSON: {"AppID", "NodeID", "Control", "ControlArgs"}');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return bad('request body must be a JSON object');
  const v = value as Record<string, unknown>;
  if (typeof v['Control'] !== 'string' || v['Control'] === '') return bad('"Control" must be a non-empty string');
  for (const key of ['AppID', 'NodeID'] as const) {
    if (v[key] !== undefined && typeof v[key] !== 'string') return bad(`"${key}" must be a string`);
  }
  const args = v['ControlArgs'];
  if (args !== undefined && args !== null) {
    if (typeof args !== 'object' || Array.isArray(args) || Object.values(args).some((a) => typeof a !== 'string')) {
      return bad('"ControlArgs" must be an object of strings or null');
    }
  }
  return {
    AppID: (v['AppID'] as string | undefined) ?? '',
    NodeID: (v['NodeID'] as string | undefined) ?? '',
    Control: v['Control'],
    ControlArgs: (args as Record<string, string> | null | undefined) ?? null,
  };
}
