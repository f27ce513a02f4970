/**
 * HTTP client for one plugin socket: `GET /`, `GET /report` and `POST /control` under one deadline
 * each, a cap on the decompressed body, and never a thrown error — every failure comes back as an
 * `HttpResult` carrying a stable code and an upstream-shaped message.
 *
 * Design notes (measurements in engineering-notes.md §4):
 * - One undici `Client` per socket (`socketPath`): ~20% less CPU than node:http, and one client per
 *   socket means a pooled connection can never be reused for another plugin (Prometheus'
 *   `clientForTarget` reasoning).
 * - The deadline is one timer per exchange that aborts the request through its dispatch controller
 *   and is cleared when the exchange settles (cheaper than `AbortSignal.timeout`); undici's
 *   `headersTimeout`/`bodyTimeout` run on ~1 s resolution "fast timers", so they are backstops only.
 * - Keep-alive is kept for 30 s so a poll every few seconds reuses its connection. A plugin may close
 *   an idle connection at any moment; a GET that dies on such a reused connection before any byte
 *   of the response is retried once on a fresh one, inside the same deadline (Go does the same).
 * - The actor never overlaps requests on one client; a second concurrent call is refused as data.
 */
import { performance } from 'node:perf_hooks';
import { Client } from 'undici';
import { ErrorCode, errorData, type ErrorData } from '../shared/errors.js';
import { HttpAttempt, type AttemptEnd } from './http-attempt.js';
import { MAX_HEADER_BYTES, closedClientError, timeoutError } from './transport-errors.js';

export interface PluginClientOptions {
  socketPath: string;
  probeId: string;
  apiVersion: string;
  /** One deadline over connect + headers + body + gunzip (upstream: 500 ms). */
  timeoutMs: number;
  /** Cap on the decompressed body (upstream: 50 MiB); beyond it `response must be shorter than 50MB`. */
  maxResponseBytes: number;
  /** How long an idle connection is kept for the next request (default 30 s). */
  keepAliveTimeoutMs?: number;
}

export type HttpResult =
  /** body complete and decompressed (gzip) for 200; for non-200 the body is drained and empty. */
  | { ok: true; statusCode: number; statusText: string; body: Buffer; latencyMs: number }
  /** transport / timeout / too-large / protocol / gzip failure. */
  | { ok: false; error: ErrorData; latencyMs: number };

const DEFAULT_KEEP_ALIVE_MS = 30_000;

interface RequestSpec {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly body?: string;
  readonly headers: Record<string, string>;
  /** Go's url.Error spelling of the method: `Get`, `Post`. */
  readonly verb: string;
  readonly url: string;
}

export class PluginClient {
  readonly #o: Required<PluginClientOptions>;
  readonly #query: string;
  #client: Client | null = null;
  /** Requests dispatched on the current connection; reset by undici's `connect` event. */
  #requestsOnConnection = 0;
  /**
   * The attempt on the wire; `destroy()` ends the exchange through it. Not a per-request closure
   * kept here: with one stored on this long-lived object at every exchange, a request cost ≈ 9 µs
   * more CPU (1000 sockets polled at once: 40–46 vs 31–33 µs; `bench/tools/poll-cost.ts`, 200
   * sockets 16 at a time: 37 vs 31 µs).
   */
  #inFlight: HttpAttempt | null = null;
  #closing: Promise<void> | null = null;
  #destroyed = false;
  /** Clients given up on (destroyed after a request got stuck before it was even dispatched). */
  #discarded = new Set<Promise<void>>();

  constructor(options: PluginClientOptions) {
    this.#o = { keepAliveTimeoutMs: DEFAULT_KEEP_ALIVE_MS, ...options };
    // Keys sorted, values escaped like Go's url.Values.Encode (plugin-protocol check 32).
    this.#query = new URLSearchParams({ api_version: options.apiVersion, probe_id: options.probeId }).toString();
  }

  get socketPath(): string {
    return this.#o.socketPath;
  }

  get(path: '/' | '/report'): Promise<HttpResult> {
    return this.#exchange({
      method: 'GET',
      path: `${path}?${this.#query}`,
      headers: { 'accept-encoding': 'gzip' },
      verb: 'Get',
      url: `http://plugin${path}?${this.#query}`,
    });
  }

  postControl(body: unknown): Promise<HttpResult> {
    let json: string;
    try {
      json = JSON.stringify(body) ?? 'null';
    } catch (err) {
      return Promise.resolve({
        ok: false,
        error: errorData(ErrorCode.INTERNAL, `cannot encode control request: ${(err as Error).message}`),
        latencyMs: 0,
      });
    }
    return this.#exchange({
      method: 'POST',
      path: `/control?${this.#query}`,
      body: json,
      headers: { 'accept-encoding': 'gzip', 'content-type': 'application/json' },
      verb: 'Post',
      url: `http://plugin/control?${this.#query}`,
    });
  }

  /** Graceful: lets an in-flight request finish, then closes the connection. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= this.#shutdown(false);
    return this.#closing;
  }

  /** Immediate: the in-flight request settles as `plugin client closed`, the connection is cut. Idempotent. */
  destroy(): Promise<void> {
    const inFlight = this.#inFlight;
    if (inFlight !== null) inFlight.cancel({ kind: 'failed', error: closedClientError(inFlight.state()), stale: false });
    if (this.#closing === null) {
      this.#closing = this.#shutdown(true);
    } else if (!this.#destroyed) {
      // A graceful close() is under way: cut it short.
      void this.#client?.destroy().catch(() => {});
    }
    this.#destroyed = true;
    return this.#closing;
  }

  async #shutdown(immediately: boolean): Promise<void> {
    // `#client` stays set (for destroy() during close()); `#closing` keeps new requests out.
    const client = this.#client;
    const done: Promise<unknown>[] = [...this.#discarded];
    if (client !== null) done.push(immediately ? client.destroy() : client.close());
    await Promise.allSettled(done);
  }

  #undici(): Client {
    if (this.#client !== null) return this.#client;
    const backstop = Math.max(2_000, this.#o.timeoutMs * 2);
    const client = new Client('http://plugin', {
      socketPath: this.#o.socketPath,
      keepAliveTimeout: this.#o.keepAliveTimeoutMs,
      keepAliveMaxTimeout: Math.max(this.#o.keepAliveTimeoutMs, 600_000),
      headersTimeout: backstop,
      bodyTimeout: backstop,
      connectTimeout: backstop,
      maxHeaderSize: MAX_HEADER_BYTES,
      pipelining: 1,
    });
    client.on('connect', () => {
      this.#requestsOnConnection = 0;
    });
    // undici also emits these as events; without listeners they would be harmless, but be explicit.
    client.on('connectionError', () => {});
    client.on('disconnect', () => {});
    this.#client = client;
    return client;
  }

  /** Gives up on the current undici client (after a request stuck before dispatch) and starts afresh next time. */
  #discardClient(): void {
    const client = this.#client;
    if (client === null) return;
    this.#client = null;
    const gone = client.destroy().catch(() => {});
    this.#discarded.add(gone);
    void gone.then(() => this.#discarded.delete(gone));
  }

  #exchange(req: RequestSpec): Promise<HttpResult> {
    const started = performance.now();
    const elapsed = () => performance.now() - started;
    if (this.#closing !== null) {
      return Promise.resolve({ ok: false, error: closedClientError(req), latencyMs: 0 });
    }
    if (this.#inFlight !== null) {
      return Promise.resolve({
        ok: false,
        error: errorData(ErrorCode.INTERNAL, `${req.verb} "${req.url}": another request is in flight on this plugin client`),
        latencyMs: 0,
      });
    }
    return new Promise<HttpResult>((resolve) => {
      let attempt: HttpAttempt;
      let retried = false;
      let settled = false;

      const settle = (result: HttpResult): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.#inFlight = null;
        resolve(result);
      };

      const timer = setTimeout(() => {
        const partial = attempt.partialResponse();
        const state = attempt.state();
        const stuckBeforeDispatch = !attempt.started;
        attempt.abort(new Error('deadline exceeded'));
        if (stuckBeforeDispatch) this.#discardClient();
        if (partial !== null) settle(withLatency(partial, elapsed()));
        else settle({ ok: false, error: timeoutError(state), latencyMs: elapsed() });
      }, this.#o.timeoutMs);

      const launch = (): void => {
        attempt = new HttpAttempt({
          verb: req.verb,
          url: req.url,
          socketPath: this.#o.socketPath,
          timeoutMs: this.#o.timeoutMs,
          maxResponseBytes: this.#o.maxResponseBytes,
          onDispatched: () => this.#requestsOnConnection++ > 0,
          onEnd: (end) => {
            if (settled) return;
            if (end.kind === 'failed' && end.stale && !retried && req.method === 'GET') {
              retried = true; // the plugin closed an idle connection under us: one fresh try
              launch();
              return;
            }
            settle(withLatency(end, elapsed()));
          },
        });
        this.#inFlight = attempt;
        const options = {
          method: req.method,
          path: req.path,
          headers: req.headers,
          ...(req.body === undefined ? {} : { body: req.body }),
        };
        try {
          this.#undici().dispatch(options, attempt);
        } catch (err) {
          // undici reports through the handler; this is only for the unexpected.
          settle({
            ok: false,
            error: errorData(ErrorCode.INTERNAL, `${req.verb} "${req.url}": ${(err as Error).message}`),
            latencyMs: elapsed(),
          });
        }
      };
      launch();
    });
  }
}

function withLatency(end: AttemptEnd, latencyMs: number): HttpResult {
  return end.kind === 'response'
    ? { ok: true, statusCode: end.statusCode, statusText: end.statusText, body: end.body, latencyMs }
    : { ok: false, error: end.error, latencyMs };
}
