/**
 * Fans the merged report out to every configured Scope app on upstream's publish schedule
 * (`-probe.publish.interval`, 3 s; docs/spec/report-format.md#publication).
 *
 * The schedule is a fixed grid, start + k × intervalMs, re-armed from the grid rather than from
 * "now", so it does not drift with event-loop delays or build time. Builds never overlap: a tick
 * that finds the previous `buildReport` still running is skipped and counted, as is a grid point
 * the event loop missed entirely. `buildReport` returning null means nothing was polled since the
 * last publish, and upstream publishes nothing then either.
 *
 * Each app has its own `AppClient`; the publisher only hands the same body to each of them, so a
 * slow or dead app can only ever fill its own queue. Before publishing to a URL it asks the app
 * who it is (`GET /api`, retried with backoff until it answers): URLs answering the same id are
 * one app with one queue, and `onApp` is told of each app once (the control websocket's cue).
 */
import type { Logger } from 'pino';
import { ErrorCode, HostError } from '../../shared/errors.js';
import { AppClient, type AppClientOptions, type AppStats, type PublishBody } from './app-client.js';
import { fetchAppIdentity, type AppIdentity } from './app-identity.js';
import { parseAppUrl, probeHeaders, type AppTarget } from './app-url.js';
import { backoffDelay } from './backoff.js';

/** An app whose identity is known: what its control websocket needs. */
export interface ResolvedApp {
  readonly identity: AppIdentity;
  readonly target: AppTarget;
  /** The probe headers for this app (publish, `GET /api` and the control websocket alike). */
  readonly headers: Readonly<Record<string, string>>;
}

/** Per configured URL: the app's health, its id once known, and whether another URL is the same app. */
export interface PublishAppStats extends AppStats {
  /** The app's id from `GET /api`; null until it answered. */
  appId: string | null;
  /** Another configured URL answering the same id: this one is not published to. */
  sameAppAs: string | null;
}

interface AppSlot {
  readonly url: string;
  readonly target: AppTarget;
  readonly headers: Readonly<Record<string, string>>;
  identity: AppIdentity | null;
  client: AppClient | null;
  sameAppAs: string | null;
  failures: number;
  lastError: HostError | null;
  timer: NodeJS.Timeout | null;
}

/** The per-app settings are AppClient's, applied to every app. */
export interface PublisherOptions extends Omit<AppClientOptions, 'url'> {
  /** App base URLs (`publish.apps`, `--app`); duplicates are published to once. */
  apps: string[];
  /** Publish period (upstream: 3000). */
  intervalMs: number;
  /** Builds the report to publish; null = nothing new since the last publish: skip, as upstream. */
  buildReport(kind: 'periodic'): Promise<PublishBody | null>;
  /** Told once per app (by id) when its identity is first known. */
  onApp?(app: ResolvedApp): void;
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
  readonly #slots: readonly AppSlot[];
  readonly #logger: Logger;

  // Schedule state. Invariant: #timer is set iff started and not closed.
  #timer: NodeJS.Timeout | null = null;
  #nextDue = 0;
  #building = false;
  #closing: Promise<void> | null = null;
  /** Aborts identity requests still waiting on an app when the publisher closes. */
  readonly #closed = new AbortController();
  readonly #counters: PublishScheduleStats = {
    ticks: 0,
    published: 0,
    empty: 0,
    skippedBusy: 0,
    skippedLate: 0,
    buildErrors: 0,
    shortcuts: 0,
    lastBuildMs: null,
  };

  constructor(options: PublisherOptions) {
    if (!Number.isFinite(options.intervalMs) || options.intervalMs <= 0) {
      throw new HostError(ErrorCode.CONFIG_INVALID, `publish intervalMs must be a positive number, got ${options.intervalMs}`);
    }
    this.#options = options;
    this.#logger = options.logger;
    // Parse every URL before creating any client, so a bad one fails the whole config at once.
    const unique = new Map<string, AppSlot>(); // display URL → slot
    for (const url of options.apps) {
      const target = parseAppUrl(url);
      if (unique.has(target.display)) {
        this.#logger.warn({ url: target.display }, 'app listed twice; publishing to it once');
        continue;
      }
      unique.set(target.display, {
        url,
        target,
        headers: probeHeaders(target, options),
        identity: null,
        client: null,
        sameAppAs: null,
        failures: 0,
        lastError: null,
        timer: null,
      });
    }
    this.#slots = [...unique.values()];
  }

  /** Starts the schedule; the first publish is one interval from now. No-op without apps. */
  start(): void {
    if (this.#closing !== null || this.#timer !== null || this.#slots.length === 0) return;
    this.#nextDue = performance.now();
    this.#arm();
    for (const slot of this.#slots) this.#resolve(slot);
    this.#logger.info({ apps: this.#slots.map((s) => s.target.display), intervalMs: this.#options.intervalMs }, 'publishing to apps');
  }

  /** Sends a shortcut report to every app now, ahead of queued periodic reports. */
  publishShortcut(body: PublishBody): void {
    if (this.#closing !== null) return;
    this.#counters.shortcuts++;
    const shortcut = body.shortcut ? body : { ...body, shortcut: true };
    for (const slot of this.#slots) slot.client?.enqueue(shortcut);
  }

  /** Per-app health, in configuration order. */
  get stats(): PublishAppStats[] {
    return this.#slots.map((slot) => ({
      ...(slot.client?.stats ?? unresolvedStats(slot)),
      appId: slot.identity?.id ?? null,
      sameAppAs: slot.sameAppAs,
    }));
  }

  get scheduleStats(): PublishScheduleStats {
    return { ...this.#counters };
  }

  /** Stops the schedule and closes every app client (aborting in-flight requests). Idempotent. */
  close(): Promise<void> {
    if (this.#closing !== null) return this.#closing;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    for (const slot of this.#slots) if (slot.timer !== null) clearTimeout(slot.timer);
    this.#closed.abort();
    this.#closing = Promise.all(this.#slots.map((s) => s.client?.close() ?? Promise.resolve())).then(() => undefined);
    return this.#closing;
  }

  /** Asks the app behind `slot` who it is, retrying with backoff; then publishes to it unless another URL is the same app. */
  #resolve(slot: AppSlot): void {
    slot.timer = null;
    if (this.#closing !== null) return;
    fetchAppIdentity(slot.target, slot.headers, this.#options.timeoutMs, this.#closed.signal).then(
      (identity) => {
        if (this.#closing !== null) return;
        slot.identity = identity;
        const owner = this.#slots.find((other) => other !== slot && other.client !== null && other.identity?.id === identity.id);
        if (owner !== undefined) {
          slot.sameAppAs = owner.target.display;
          this.#logger.warn(
            { url: slot.target.display, sameAs: owner.target.display, appId: identity.id },
            'two app URLs are the same app; publishing to it once',
          );
          return;
        }
        slot.client = new AppClient({ ...this.#clientOptions(), url: slot.url });
        this.#logger.info({ url: slot.target.display, appId: identity.id, appVersion: identity.version }, 'app identified');
        this.#options.onApp?.({ identity, target: slot.target, headers: slot.headers });
      },
      (err: unknown) => {
        if (this.#closing !== null) return;
        slot.failures++;
        slot.lastError = err instanceof HostError ? err : new HostError(ErrorCode.APP_UNREACHABLE, String(err));
        if (slot.failures === 1) this.#logger.warn({ url: slot.target.display, err: slot.lastError }, 'app identity unknown; retrying before publishing');
        const delay = backoffDelay(slot.failures, this.#options.retryInitialMs ?? 1_000, this.#options.retryMaxMs ?? 60_000);
        slot.timer = setTimeout(() => this.#resolve(slot), delay);
      },
    );
  }

  #clientOptions(): Omit<AppClientOptions, 'url'> {
    const o = this.#options;
    return {
      probeId: o.probeId,
      version: o.version,
      ...(o.token !== undefined ? { token: o.token } : {}),
      timeoutMs: o.timeoutMs,
      queueSize: o.queueSize,
      ...(o.retryInitialMs !== undefined ? { retryInitialMs: o.retryInitialMs } : {}),
      ...(o.retryMaxMs !== undefined ? { retryMaxMs: o.retryMaxMs } : {}),
      logger: o.logger,
    };
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
          for (const slot of this.#slots) slot.client?.enqueue(body);
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

function unresolvedStats(slot: AppSlot): AppStats {
  return {
    url: slot.target.display,
    sent: 0,
    failed: 0,
    dropped: 0,
    queued: 0,
    lastOkAt: null,
    lastError: slot.lastError?.message ?? null,
    lastErrorCode: slot.lastError?.code ?? null,
    lastLatencyMs: null,
    consecutiveFailures: slot.failures,
    inFlight: false,
  };
}
