/**
 * Fans the merged report out to every configured Scope app on upstream's publish schedule
 * (report-model §6.2: `-probe.publish.interval`, 3 s).
 *
 * The schedule is a fixed grid, start + k × intervalMs, re-armed from the grid rather than from
 * "now", so it does not drift with event-loop delays or build time. Builds never overlap: a tick
 * that finds the previous `buildReport` still running is skipped and counted, as is a grid point
 * the event loop missed entirely. `buildReport` returning null means nothing was polled since the
 * last publish, and upstream publishes nothing then either.
 *
 * Each app has its own `AppClient`; the publisher only hands the same body to each of them, so a
 * slow or dead app can only ever fill its own queue.
 */
import type { Logger } from 'pino';
import { ErrorCode, HostError } from '../../shared/errors.js';
import { AppClient, type AppClientOptions, type AppStats, type PublishBody } from './app-client.js';
import { parseAppUrl } from './app-url.js';

/** The per-app settings are AppClient's, applied to every app. */
export interface PublisherOptions extends Omit<AppClientOptions, 'url'> {
  /** App base URLs (`publish.apps`, `--app`); duplicates are published to once. */
  apps: string[];
  /** Publish period (upstream: 3000). */
  intervalMs: number;
  /** Builds the report to publish; null = nothing new since the last publish: skip, as upstream. */
  buildReport(kind: 'periodic'): Promise<PublishBody | null>;
}

/** Counters of the schedule itself (per-app health is in `stats`). */
export interface PublishScheduleStats {
  /** Grid points that fired. */
  ticks: number;
  /** Reports built and handed to the apps. */
  published: number;
  /** Ticks where `buildReport` returned null (nothing new). */
  empty: number;
  /** Ticks skipped because the previous `buildReport` was still running. */
  skippedBusy: number;
  /** Grid points missed because the event loop was blocked past them. */
  skippedLate: number;
  /** `buildReport` rejected or threw. */
  buildErrors: number;
  /** Shortcut bodies handed to the apps. */
  shortcuts: number;
  /** Duration of the last finished `buildReport`. */
  lastBuildMs: number | null;
}

export class Publisher {
  readonly #options: PublisherOptions;
  readonly #clients: readonly AppClient[];
  readonly #logger: Logger;

  // Schedule state. Invariant: #timer is set iff started and not closed.
  #timer: NodeJS.Timeout | null = null;
  #nextDue = 0;
  #building = false;
  #closing: Promise<void> | null = null;
  readonly #counters: PublishScheduleStats = {
    ticks: 0, published: 0, empty: 0, skippedBusy: 0, skippedLate: 0, buildErrors: 0, shortcuts: 0, lastBuildMs: null,
  };

  constructor(options: PublisherOptions) {
    if (!Number.isFinite(options.intervalMs) || options.intervalMs <= 0) {
      throw new HostError(ErrorCode.CONFIG_INVALID, `publish intervalMs must be a positive number, got ${options.intervalMs}`);
    }
    this.#options = options;
    this.#logger = options.logger;
    // Parse every URL before creating any client, so a bad one fails the whole config at once.
    const unique = new Map<string, string>(); // display URL → URL as configured
    for (const url of options.apps) {
      const key = parseAppUrl(url).display;
      if (unique.has(key)) this.#logger.warn({ url: key }, 'app listed twice; publishing to it once');
      else unique.set(key, url);
    }
    this.#clients = [...unique.values()].map((url) => new AppClient({
      url,
      probeId: options.probeId,
      version: options.version,
      ...(options.token !== undefined ? { token: options.token } : {}),
      timeoutMs: options.timeoutMs,
      queueSize: options.queueSize,
      ...(options.retryInitialMs !== undefined ? { retryInitialMs: options.retryInitialMs } : {}),
      ...(options.retryMaxMs !== undefined ? { retryMaxMs: options.retryMaxMs } : {}),
      logger: options.logger,
    }));
  }

  /** Starts the schedule; the first publish is one interval from now. No-op without apps. */
  start(): void {
    if (this.#closing !== null || this.#timer !== null || this.#clients.length === 0) return;
    this.#nextDue = performance.now();
    this.#arm();
    this.#logger.info({ apps: this.#clients.map((c) => c.url), intervalMs: this.#options.intervalMs }, 'publishing to apps');
  }

  /** Sends a shortcut report to every app now, ahead of queued periodic reports (plugin-protocol §2.7). */
  publishShortcut(body: PublishBody): void {
    if (this.#closing !== null) return;
    this.#counters.shortcuts++;
    const shortcut = body.shortcut ? body : { ...body, shortcut: true };
    for (const client of this.#clients) client.enqueue(shortcut);
  }

  /** Per-app health, in configuration order. */
  get stats(): AppStats[] {
    return this.#clients.map((c) => c.stats);
  }

  get scheduleStats(): PublishScheduleStats {
    return { ...this.#counters };
  }

  /** Stops the schedule and closes every app client (aborting in-flight requests). Idempotent. */
  close(): Promise<void> {
    if (this.#closing !== null) return this.#closing;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    this.#closing = Promise.all(this.#clients.map((c) => c.close())).then(() => undefined);
    return this.#closing;
  }

  /** Arms the timer for the next grid point after now, counting grid points already missed. */
  #arm(): void {
    const interval = this.#options.intervalMs;
    const now = performance.now();
    let due = this.#nextDue + interval;
    if (due <= now) {
      const missed = Math.floor((now - due) / interval) + 1;
      this.#counters.skippedLate += missed;
      due += missed * interval;
    }
    this.#nextDue = due;
    this.#timer = setTimeout(() => this.#tick(), due - now);
  }

  #tick(): void {
    if (this.#closing !== null) return;
    this.#arm();
    this.#counters.ticks++;
    if (this.#building) {
      this.#counters.skippedBusy++;
      this.#logger.debug('previous report build still running; skipping this publish tick');
      return;
    }
    this.#building = true;
    const started = performance.now();
    // new Promise(...) also catches a buildReport that throws synchronously.
    new Promise<PublishBody | null>((resolve) => resolve(this.#options.buildReport('periodic')))
      .then(
        (body) => {
          if (this.#closing !== null) return;
          if (body === null) {
            this.#counters.empty++;
            return;
          }
          this.#counters.published++;
          for (const client of this.#clients) client.enqueue(body);
        },
        (err: unknown) => {
          this.#counters.buildErrors++;
          this.#logger.error({ err }, 'building the report to publish failed');
        },
      )
      .finally(() => {
        this.#counters.lastBuildMs = performance.now() - started;
        this.#building = false;
      });
  }
}
