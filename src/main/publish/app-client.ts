/**
 * Publishes ready-made report bodies to ONE Scope app (docs/publishing.md), the TS counterpart of
 * upstream's `probe/appclient/app_client.go` publish loop.
 *
 * One request at a time over one keep-alive connection (an agent of one socket): the app
 * gets reports in order and a slow app costs one socket, not a pile of them. Everything is
 * callback/promise driven — a hung app holds only its own client's in-flight slot, never the
 * event loop, the other apps or the caller of `enqueue()`.
 *
 * Life of a body: `enqueue()` → bounded `SendQueue` (rules in send-queue.ts) → in flight →
 * 200: done | anything else: failed, kept for a retry after `backoffDelay()`. A retry never sends
 * stale data: when a newer periodic body is queued by the time the request failed or while
 * waiting to retry, the failed body is dropped (counted) and the queue is sent instead.
 *
 * Nothing here parses or encodes reports: bodies arrive gzipped (the lead's piscina task).
 */
import type { Logger } from 'pino';
import { ErrorCode, HostError } from '../../shared/errors.js';
import type { Agent } from 'node:http';
import { appRequest, discard, keepAliveAgent, readText } from './app-http.js';
import { parseAppUrl, probeHeaders, type AppTarget } from './app-url.js';
import { backoffDelay } from './backoff.js';
import { SendQueue } from './send-queue.js';

export interface AppClientOptions {
  /** Base URL of the app, e.g. `http://127.0.0.1:4040` or `http://host:4040/scope`. */
  url: string;
  /** `X-Scope-Probe-ID`: upstream uses a random int63 in hex, stable for the process's life. */
  probeId: string;
  /** `X-Scope-Probe-Version`, and `User-Agent: Scope_Probe/<version> scope-plugin-host/<version>`. */
  version: string;
  /** Sent as `Authorization: Scope-Probe token=<token>`. Credentials in the URL's user part win. */
  token?: string;
  /** Deadline for one whole request, connect to last body byte (upstream: 12 000). */
  timeoutMs: number;
  /** Bodies waiting behind the in-flight one (upstream: 2). */
  queueSize: number;
  /** First retry delay (upstream: 1000). */
  retryInitialMs?: number;
  /** Retry delay cap (upstream: 60 000). */
  retryMaxMs?: number;
  logger: Logger;
}

export interface PublishBody {
  /** gzip of the report JSON; shared between apps, never modified. */
  gzipped: Buffer;
  /** A shortcut report (docs/spec/plugin-protocol.md#shortcut-reports): queued ahead of periodic ones. */
  shortcut: boolean;
  /** For logs only; not sent (upstream has no such header). */
  reportId?: string;
}

export interface AppStats {
  url: string;
  /** Bodies the app accepted (HTTP 200). */
  sent: number;
  /** Failed requests (each retry that fails counts again). */
  failed: number;
  /** Bodies never delivered: evicted from a full queue, superseded while retrying, or discarded at close. */
  dropped: number;
  /** Bodies waiting (queue + one held for retry), not counting the one in flight. */
  queued: number;
  lastOkAt: number | null;
  lastError: string | null;
  lastErrorCode: ErrorCode | null;
  lastLatencyMs: number | null;
  consecutiveFailures: number;
  /** A request is on the wire right now. */
  inFlight: boolean;
}

const DEFAULT_RETRY_INITIAL_MS = 1_000;
const DEFAULT_RETRY_MAX_MS = 60_000;
/** How much of a non-200 answer goes into the error (upstream puts the whole body). */
const ERROR_BODY_BYTES = 200;

export class AppClient {
  readonly #target: AppTarget;
  readonly #headers: Record<string, string>;
  readonly #timeoutMs: number;
  readonly #retryInitialMs: number;
  readonly #retryMaxMs: number;
  readonly #logger: Logger;
  readonly #agent: Agent;
  readonly #queue: SendQueue<PublishBody>;

  // Send state, owned by #pump/#send. Invariant: at most one of #inFlight, #retryTimer is set,
  // and #retryBody is only set while #retryTimer is.
  #inFlight: AbortController | null = null;
  #retryTimer: NodeJS.Timeout | null = null;
  #retryBody: PublishBody | null = null;
  #closing: Promise<void> | null = null;

  // Health, for stats and for logging once per state change.
  #sent = 0;
  #failed = 0;
  #dropped = 0;
  #lastOkAt: number | null = null;
  #lastError: HostError | null = null;
  #lastLatencyMs: number | null = null;
  #consecutiveFailures = 0;
  #failingSince: number | null = null;

  constructor(options: AppClientOptions) {
    const retryInitialMs = options.retryInitialMs ?? DEFAULT_RETRY_INITIAL_MS;
    const retryMaxMs = options.retryMaxMs ?? DEFAULT_RETRY_MAX_MS;
    for (const [name, value] of [
      ['timeoutMs', options.timeoutMs],
      ['retryInitialMs', retryInitialMs],
      ['retryMaxMs', retryMaxMs],
    ] as const) {
      if (!Number.isFinite(value) || value <= 0) {
        throw new HostError(ErrorCode.CONFIG_INVALID, `${name} must be a positive number, got ${value}`);
      }
    }
    if (retryMaxMs < retryInitialMs) {
      throw new HostError(ErrorCode.CONFIG_INVALID, `retryMaxMs (${retryMaxMs}) must be >= retryInitialMs (${retryInitialMs})`);
    }
    if (!Number.isInteger(options.queueSize) || options.queueSize < 1) {
      throw new HostError(ErrorCode.CONFIG_INVALID, `queueSize must be an integer >= 1, got ${options.queueSize}`);
    }
    this.#target = parseAppUrl(options.url);
    this.#timeoutMs = options.timeoutMs;
    this.#retryInitialMs = retryInitialMs;
    this.#retryMaxMs = retryMaxMs;
    this.#logger = options.logger;
    this.#queue = new SendQueue(options.queueSize);
    this.#headers = {
      'content-type': 'application/json',
      'content-encoding': 'gzip',
      ...probeHeaders(this.#target, options),
    };
    this.#agent = keepAliveAgent(this.#target.origin);
  }

  /** The app's URL as configured (credentials stripped). */
  get url(): string {
    return this.#target.display;
  }

  /** Queues `body` for this app and starts sending if idle. Never blocks, never throws. */
  enqueue(body: PublishBody): void {
    if (this.#closing !== null) {
      this.#drop(body, 'closed');
      return;
    }
    const evicted = this.#queue.push(body);
    if (evicted !== undefined) this.#drop(evicted, 'queue full');
    // Latest wins: a body waiting for its retry is stale once a newer periodic body exists.
    if (this.#retryBody !== null && !body.shortcut) {
      this.#drop(this.#retryBody, 'superseded');
      this.#retryBody = null;
    }
    this.#pump();
  }

  get stats(): AppStats {
    return {
      url: this.#target.display,
      sent: this.#sent,
      failed: this.#failed,
      dropped: this.#dropped,
      queued: this.#queue.length + (this.#retryBody !== null ? 1 : 0),
      lastOkAt: this.#lastOkAt,
      lastError: this.#lastError?.message ?? null,
      lastErrorCode: this.#lastError?.code ?? null,
      lastLatencyMs: this.#lastLatencyMs,
      consecutiveFailures: this.#consecutiveFailures,
      inFlight: this.#inFlight !== null,
    };
  }

  /** Stops retries, aborts the in-flight request, discards queued bodies. Idempotent. */
  close(): Promise<void> {
    if (this.#closing !== null) return this.#closing;
    if (this.#retryTimer !== null) clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
    const discarded = this.#queue.clear();
    if (this.#retryBody !== null) discarded.push(this.#retryBody);
    this.#retryBody = null;
    this.#dropped += discarded.length;
    this.#inFlight?.abort(new HostError(ErrorCode.SHUTTING_DOWN, 'app client closed'));
    this.#agent.destroy();
    this.#closing = Promise.resolve();
    return this.#closing;
  }

  /** Starts the next request if nothing is in flight and no retry is pending. */
  #pump(): void {
    if (this.#closing !== null || this.#inFlight !== null || this.#retryTimer !== null) return;
    const body = this.#queue.shift();
    if (body !== undefined) this.#start(body);
  }

  /** Runs #send detached; it handles its own errors, this only guards against bugs (no unhandled rejection). */
  #start(body: PublishBody): void {
    this.#send(body).catch((err: unknown) => {
      this.#logger.error({ url: this.url, err }, 'app publish loop failed unexpectedly');
    });
  }

  async #send(body: PublishBody): Promise<void> {
    const abort = new AbortController();
    this.#inFlight = abort;
    const timer = setTimeout(() => {
      abort.abort(new HostError(ErrorCode.APP_TIMEOUT, `no answer from the app within ${this.#timeoutMs} ms`));
    }, this.#timeoutMs);
    const started = performance.now();
    let error: HostError | null = null;
    try {
      const response = await appRequest(`${this.#target.origin}${this.#target.reportPath}`, {
        method: 'POST',
        headers: this.#headers,
        body: body.gzipped,
        signal: abort.signal,
        agent: this.#agent,
      });
      if (response.statusCode === 200) {
        await discard(response);
      } else {
        const text = (await readText(response, ERROR_BODY_BYTES)).trim();
        error = new HostError(ErrorCode.APP_HTTP_STATUS, `app answered HTTP ${response.statusCode}${text !== '' ? `: ${text}` : ''}`);
      }
    } catch (err) {
      error = toPublishError(err, abort.signal);
    } finally {
      clearTimeout(timer);
      this.#inFlight = null;
    }
    if (this.#closing !== null) return;
    const latencyMs = performance.now() - started;
    if (error === null) this.#onSuccess(body, latencyMs);
    else this.#onFailure(body, error);
    this.#pump();
  }

  #onSuccess(body: PublishBody, latencyMs: number): void {
    this.#sent++;
    this.#lastOkAt = Date.now();
    this.#lastLatencyMs = latencyMs;
    if (this.#failingSince !== null) {
      this.#logger.info({ url: this.url, failures: this.#consecutiveFailures, failingForMs: Date.now() - this.#failingSince }, 'app publish recovered');
      this.#failingSince = null;
    }
    this.#consecutiveFailures = 0;
    this.#logger.trace({ url: this.url, reportId: body.reportId, latencyMs }, 'app publish ok');
  }

  #onFailure(body: PublishBody, error: HostError): void {
    this.#failed++;
    this.#consecutiveFailures++;
    this.#lastError = error;
    if (this.#failingSince === null) {
      this.#failingSince = Date.now();
      this.#logger.warn({ url: this.url, err: error }, 'app publish failing');
    }
    // Latest wins: a newer periodic body already queued replaces the failed one.
    if (this.#queue.hasPeriodic()) this.#drop(body, 'superseded');
    else this.#retryBody = body;
    const delay = backoffDelay(this.#consecutiveFailures, this.#retryInitialMs, this.#retryMaxMs);
    this.#retryTimer = setTimeout(() => this.#retry(), delay);
  }

  #retry(): void {
    this.#retryTimer = null;
    const body = this.#retryBody;
    this.#retryBody = null;
    if (body !== null) this.#start(body);
    else this.#pump();
  }

  #drop(body: PublishBody, reason: 'queue full' | 'superseded' | 'closed'): void {
    this.#dropped++;
    this.#logger.debug({ url: this.url, reportId: body.reportId, shortcut: body.shortcut, reason }, 'app publish dropped a report');
  }
}

/** Maps whatever the request threw to a coded error: our own deadline, or the app being unreachable. */
function toPublishError(err: unknown, signal: AbortSignal): HostError {
  if (signal.aborted && signal.reason instanceof HostError) return signal.reason;
  const code = (err as { code?: unknown } | null)?.code;
  const message = err instanceof Error ? err.message : String(err);
  return new HostError(ErrorCode.APP_UNREACHABLE, typeof code === 'string' ? `${code}: ${message}` : message, { cause: err });
}
