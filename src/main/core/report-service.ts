/**
 * The merged reports the host serves and publishes, built by the report builder from the shards'
 * snapshots: the current report (`GET /api/report`), the periodic publication with its
 * window, and a plugin's shortcut report. Owns the publication window and the report timestamps.
 */
import { packParts } from '../../shared/parts.js';
import type { AppControlsOptions } from '../../shared/report/index.js';
import type { ReportBuilder } from '../report-builder.js';
import type { Supervisor } from './supervisor.js';

export interface ReportServiceOptions {
  readonly supervisor: Supervisor;
  readonly builder: ReportBuilder;
  /** Are there plugins at all? A publication without any is not built. */
  readonly hasPlugins: () => boolean;
  /** How published reports name and route plugin controls (src/shared/report/app-controls.ts). */
  readonly app?: AppControlsOptions;
}

export class ReportService {
  readonly #options: ReportServiceOptions;
  #building: Promise<Buffer> | null = null;
  /** When the last publication was built (or the service started): the start of the next window. */
  #windowStart = process.hrtime.bigint();

  constructor(options: ReportServiceOptions) {
    this.#options = options;
  }

  /**
   * The merged report as wire JSON bytes: every plugin's last good data and every plugin's spec.
   * Concurrent callers share one build (a dashboard polling it must not multiply the work).
   */
  current(): Promise<Buffer> {
    this.#building ??= (async () => {
      try {
        const { parts, specs } = await this.#options.supervisor.snapshot('current');
        return await this.#options.builder.json(parts, { specs, tsEpochNs: epochNs() });
      } finally {
        this.#building = null;
      }
    })();
    return this.#building;
  }

  /**
   * The report to publish, gzipped: everything polled since the previous publication (no metric
   * sample is lost between two publishes, docs/spec/report-format.md#publication), with the window
   * it covers. Null when there are no plugins; the window then keeps growing.
   */
  async publication(): Promise<Buffer | null> {
    if (!this.#options.hasPlugins()) return null;
    const now = process.hrtime.bigint();
    const windowNs = now - this.#windowStart;
    const { parts, specs } = await this.#options.supervisor.snapshot('drain');
    const gzipped = await this.#options.builder.gzipped(parts, {
      specs,
      tsEpochNs: epochNs(),
      windowNs: windowNs.toString(),
      shortcut: false,
      ...this.#appOptions(),
    });
    this.#windowStart = now;
    return gzipped;
  }

  /** A plugin's shortcut report (validated, rewritten wire JSON), gzipped for publication. */
  shortcut(encoded: string): Promise<Buffer> {
    return this.#options.builder.gzipped([packParts([encoded])], { tsEpochNs: epochNs(), shortcut: true, ...this.#appOptions() });
  }

  #appOptions(): { app?: AppControlsOptions } {
    return this.#options.app !== undefined ? { app: this.#options.app } : {};
  }
}

/** Now, as epoch nanoseconds in a decimal string. */
function epochNs(): string {
  // Date.now() is ms; performance.timeOrigin + now() adds µs precision, enough for a report TS.
  const ms = performance.timeOrigin + performance.now();
  return (BigInt(Math.floor(ms)) * 1_000_000n + BigInt(Math.round((ms % 1) * 1e6))).toString();
}
