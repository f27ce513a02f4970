/**
 * The host's core: everything a front door (the HTTP API, the app's control websocket) can ask
 * for, answered with domain results rather than transport statuses. It owns the plugin table and
 * puts together the supervisor (shards, assignment), the control router and the report service.
 */
import type { Logger } from 'pino';
import type { ShardConfig, ShardConfigChange } from '../../shared/protocol.js';
import type { AppControlsOptions } from '../../shared/report/index.js';
import type { DiscoveryDiff } from '../discovery/discovery.js';
import type { PluginAdmission } from '../plugin-admission.js';
import type { ReportBuilder } from '../report-builder.js';
import { ControlRouter, type ControlObserver } from './control-router.js';
import { controlRequestOf, isRejected, type ControlRequest } from './control-request.js';
import type { ControlResult } from './control-result.js';
import { pluginDetail, type PluginDetail } from './plugin-detail.js';
import { PluginTable, type PluginRow, type PluginTableView } from './plugin-table.js';
import { ReportService } from './report-service.js';
import { Supervisor, type SupervisorObserver } from './supervisor.js';

export type CoreObserver = SupervisorObserver & ControlObserver;

export interface HostCoreOptions {
  readonly workers: number;
  readonly pluginsPerWorker: number;
  readonly shard: Omit<ShardConfig, 'shardIndex'>;
  readonly logger: Logger;
  readonly builder: ReportBuilder;
  readonly observer?: CoreObserver;
  /** Where a plugin's shortcut report goes (gzipped); absent when not publishing, and it is dropped. */
  readonly publishShortcut?: (gzipped: Buffer) => void;
  /** How published reports (periodic and shortcut) name and route plugin controls for Scope apps. */
  readonly app?: AppControlsOptions;
  /** Whether shortcut reports are published now (a reload can turn publishing on or off); default: always. */
  readonly publishing?: () => boolean;
  /** How long a snapshot may take before that shard's plugins are served from the table. */
  readonly snapshotTimeoutMs?: number;
}

export class HostCore {
  readonly #table = new PluginTable();
  readonly #supervisor: Supervisor;
  readonly #controls: ControlRouter;
  readonly #reports: ReportService;

  constructor(options: HostCoreOptions) {
    const { logger, observer } = options;
    this.#supervisor = new Supervisor({
      workers: options.workers,
      pluginsPerWorker: options.pluginsPerWorker,
      shard: options.shard,
      logger,
      table: this.#table,
      ...(observer ? { observer } : {}),
      ...(options.snapshotTimeoutMs !== undefined ? { snapshotTimeoutMs: options.snapshotTimeoutMs } : {}),
    });
    this.#reports = new ReportService({
      supervisor: this.#supervisor,
      builder: options.builder,
      hasPlugins: () => this.#table.size > 0,
      ...(options.app !== undefined ? { app: options.app } : {}),
    });
    const publish = options.publishShortcut;
    this.#controls = new ControlRouter({
      table: this.#table,
      supervisor: this.#supervisor,
      logger,
      ...(observer ? { observer } : {}),
      shortcut: async (encoded) => {
        if (publish && (options.publishing?.() ?? true)) publish(await this.#reports.shortcut(encoded));
      },
    });
  }

  /** Starts the shard workers. */
  start(): Promise<void> {
    return this.#supervisor.start();
  }

  /** Stops every actor and worker. Idempotent. */
  close(): Promise<void> {
    return this.#supervisor.close();
  }

  /** Discovery's news: sockets added and removed. */
  applyDiff(diff: DiscoveryDiff): void {
    this.#supervisor.applyDiff(diff);
  }

  /** New live shard settings (a config reload): polls, deadlines and caps change, no plugin loses its state. */
  configure(change: ShardConfigChange): Promise<void> {
    return this.#supervisor.configure(change);
  }

  /** A new `pluginsPerWorker` (a config reload), for the sockets added from now on. */
  setPluginsPerWorker(count: number): void {
    this.#supervisor.setPluginsPerWorker(count);
  }

  /** Plugins past the open-file budget are listed but not polled (plugin-admission.ts); call before the first diff. */
  admit(admission: PluginAdmission): void {
    this.#supervisor.admit(admission);
  }

  /** Forward a control click to the plugin that offers it. */
  control(request: ControlRequest): Promise<ControlResult> {
    return this.#controls.control(request);
  }

  /** The same, from the app's wire body `{AppID, NodeID, Control, ControlArgs}` (JSON-decoded, not yet validated). */
  async controlFromWire(wire: unknown): Promise<ControlResult> {
    const request = controlRequestOf(wire);
    return isRejected(request) ? request : this.#controls.control(request);
  }

  /** The merged report as wire JSON bytes. */
  report(): Promise<Buffer> {
    return this.#reports.current();
  }

  /** The next publication (gzipped), or null when there is nothing to publish. */
  publication(): Promise<Buffer | null> {
    return this.#reports.publication();
  }

  /** Every plugin with its status and counters, sorted by id then socket. */
  plugins(): Promise<readonly PluginRow[]> {
    return this.#supervisor.plugins();
  }

  /** One plugin in detail (`ref`: its ID or socket path), asked of its actor now; null when no plugin has that ID or socket. */
  pluginDetail(ref: string): Promise<PluginDetail | null> {
    return pluginDetail(this.#table, this.#supervisor, ref);
  }

  /** The plugin table, read-only. */
  get table(): PluginTableView {
    return this.#table;
  }

  /** Times each shard's worker was restarted after dying. */
  workerRestarts(): number[] {
    return this.#supervisor.restarts();
  }
}
