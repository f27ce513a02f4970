/**
 * HTTP client for one plugin socket: `GET /`, `GET /report` and `POST /control` under one deadline
 * each, a cap on the decompressed body, and never a thrown error — every failure comes back as an
 * `HttpResult` carrying a stable code and an upstream-shaped message.
 *
 * Design notes:
 * - HTTP/1.1 of our own (plugin-connection.ts, http-response-parser.ts), not undici: a plugin's
 *   answer needs a small part of HTTP, and undici with its WebAssembly parser cost a large share of
 *   a shard's CPU per poll (docs/decisions/061-plugin-http-client.md). Requests are prepared
 *   bytes, written in one call.
 * - One connection per client, so one per socket: a connection can never be reused for another
 *   plugin (Prometheus' `clientForTarget` reasoning), and one request at a time on it.
 * - The deadline is one timer per exchange, cleared when the exchange settles (cheaper than
 *   `AbortSignal.timeout`); when it fires the connection is dropped. Why these costs matter:
 *   docs/decisions/083-poll-timing-and-exchange-state.md.
 * - Keep-alive: the connection stays open between polls for as long as the plugin keeps it. A
 *   plugin may close an idle connection at any moment; a GET that dies on such a reused
 *   connection before any byte of the response is retried once on a fresh one, inside the same
 *   deadline (Go does the same).
 * - The actor never overlaps requests on one client; a second concurrent call is refused as data.
 */
import { performance } from 'node:perf_hooks';
import { ErrorCode, errorData, type ErrorData } from '../shared/errors.js';
import { HttpAttempt, type AttemptEnd } from './http-attempt.js';
import { PluginConnection } from './plugin-connection.js';
import { socketPathFits } from '../shared/socket-path.js';
import { MAX_HEADER_BYTES, closedClientError, socketPathTooLongError, timeoutError } from './transport-errors.js';

export interface PluginClientOptions {
  socketPath: string;
  probeId: string;
  apiVersion: string;
  /** One deadline over connect + headers + body + gunzip (upstream: 500 ms). */
  timeoutMs: number;
  /** Cap on the decompressed body (upstream: 50 MiB); beyond it `response must be shorter than 50MB`. */
  maxResponseBytes: number;
}

export type HttpResult =
  /**
   * The plugin answered with a complete HTTP response, whatever its status: body complete and
   * decompressed (gzip) for 200; for non-200 the body is drained and empty.
   */
  | { answered: true; statusCode: number; statusText: string; body: Buffer; latencyMs: number }
  /** transport / timeout / too-large / protocol / gzip failure. */
  | { answered: false; error: ErrorData; latencyMs: number };

interface RequestSpec {
  readonly method: 'GET' | 'POST';
  /** The whole request, head and body, as written to the socket. */
  readonly bytes: Buffer;
  /** Go's url.Error spelling of the method: `Get`, `Post`. */
  readonly verb: string;
  readonly url: string;
}

export class PluginClient {
  #options: PluginClientOptions;
  readonly #query: string;
  /** False for a path Node would cut short (socket-path.ts): then nothing is ever dialled. */
  readonly #pathFits: boolean;
  /** `GET /report` and `GET /`, prepared once: a poll writes the same bytes every time. */
  readonly #gets = new Map<string, RequestSpec>();
  #connection: PluginConnection | null = null;
  /** The exchange on the wire, so that `destroy()` can end it. */
  #inFlight: HttpAttempt | null = null;
  /** Set by a graceful close waiting for the exchange in flight; called when it settles. */
  #whenIdle: (() => void) | null = null;
  #closing: Promise<void> | null = null;

  constructor(options: PluginClientOptions) {
    this.#options = options;
    // Keys sorted, values escaped like Go url.Values.Encode
    // (docs/spec/plugin-protocol.md#report-request).
    this.#query = new URLSearchParams({ api_version: options.apiVersion, probe_id: options.probeId }).toString();
    this.#pathFits = socketPathFits(options.socketPath);
  }

  /** A config reload's new deadline and body cap, for the next exchange. */
  setLimits(limits: Pick<PluginClientOptions, 'timeoutMs' | 'maxResponseBytes'>): void {
    this.#options = { ...this.#options, ...limits };
  }

  get socketPath(): string {
    return this.#options.socketPath;
  }

  get(path: '/' | '/report'): Promise<HttpResult> {
    let req = this.#gets.get(path);
    if (req === undefined) {
      const target = `${path}?${this.#query}`;
      req = { method: 'GET', bytes: requestBytes('GET', target, ''), verb: 'Get', url: `http://plugin${target}` };
      this.#gets.set(path, req);
    }
    return this.#exchange(req);
  }

  postControl(body: unknown): Promise<HttpResult> {
    let json: string;
    try {
      json = JSON.stringify(body) ?? 'null';
    } catch (err) {
      return Promise.resolve({
        answered: false,
        error: errorData(ErrorCode.INTERNAL, `cannot encode control request: ${(err as Error).message}`),
        latencyMs: 0,
      });
    }
    const target = `/control?${this.#query}`;
    return this.#exchange({ method: 'POST', bytes: requestBytes('POST', target, json), verb: 'Post', url: `http://plugin${target}` });
  }

  /** Graceful: lets an in-flight request finish, then closes the connection. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  /** Immediate: the in-flight request settles as `plugin client closed`, the connection is cut. Idempotent. */
  destroy(): Promise<void> {
    const inFlight = this.#inFlight;
    if (inFlight !== null) inFlight.cancel({ kind: 'failed', error: closedClientError(inFlight.state()), stale: false });
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  async #shutdown(): Promise<void> {
    // `#closing` keeps new requests out; a graceful close waits for the exchange in flight
    // (destroy() cancels it, which settles it at once).
    if (this.#inFlight !== null) await new Promise<void>((resolve) => (this.#whenIdle = resolve));
    const connection = this.#connection;
    this.#connection = null;
    if (connection !== null) {
      connection.destroy();
      await connection.closed;
    }
  }

  #connectionFor(): PluginConnection {
    const current = this.#connection;
    if (current !== null && current.usable) return current;
    current?.destroy();
    const fresh = new PluginConnection(this.#options.socketPath, MAX_HEADER_BYTES);
    this.#connection = fresh;
    return fresh;
  }

  #exchange(req: RequestSpec): Promise<HttpResult> {
    const started = performance.now();
    const elapsed = () => performance.now() - started;
    if (this.#closing !== null) {
      return Promise.resolve({ answered: false, error: closedClientError(req), latencyMs: 0 });
    }
    if (!this.#pathFits) {
      return Promise.resolve({ answered: false, error: socketPathTooLongError({ ...req, socketPath: this.#options.socketPath }), latencyMs: 0 });
    }
    if (this.#inFlight !== null) {
      return Promise.resolve({
        answered: false,
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
        this.#whenIdle?.();
      };

      const timer = setTimeout(() => {
        const partial = attempt.partialResponse();
        const state = attempt.state();
        attempt.abort();
        if (partial !== null) settle(withLatency(partial, elapsed()));
        else settle({ answered: false, error: timeoutError(state), latencyMs: elapsed() });
      }, this.#options.timeoutMs);

      const launch = (): void => {
        const connection = this.#connectionFor();
        attempt = new HttpAttempt({
          verb: req.verb,
          url: req.url,
          socketPath: this.#options.socketPath,
          timeoutMs: this.#options.timeoutMs,
          maxResponseBytes: this.#options.maxResponseBytes,
          abandon: (a) => connection.abandon(a),
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
        connection.send(req.bytes, attempt);
      };
      launch();
    });
  }
}

/** A complete request as bytes: the headers upstream's Go client sends, plus a JSON body for POST. */
function requestBytes(method: 'GET' | 'POST', target: string, body: string): Buffer {
  const head = `${method} ${target} HTTP/1.1\r\nHost: plugin\r\nAccept-Encoding: gzip\r\nConnection: keep-alive\r\n`;
  if (method === 'GET') return Buffer.from(`${head}\r\n`, 'latin1');
  const payload = Buffer.from(body, 'utf8');
  return Buffer.concat([Buffer.from(`${head}Content-Type: application/json\r\nContent-Length: ${payload.length}\r\n\r\n`, 'latin1'), payload]);
}

function withLatency(end: AttemptEnd, latencyMs: number): HttpResult {
  return end.kind === 'response'
    ? { answered: true, statusCode: end.statusCode, statusText: end.statusText, body: end.body, latencyMs }
    : { answered: false, error: end.error, latencyMs };
}
