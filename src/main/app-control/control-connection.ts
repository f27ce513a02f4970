/**
 * The control websocket to ONE Scope app (docs/spec/app-protocol.md#the-control-websocket): we
 * dial `<app>/api/control/ws` with the probe headers and serve `control.Handle` calls on it, as
 * upstream's probe does. Pings are answered (the `ws` library pongs by itself), we ping the app
 * and drop a connection silent for `idleTimeoutMs`, a connection that ends is dialled again at
 * once, and a failed dial backs off from `retryInitialMs` doubling to `retryMaxMs`.
 *
 * Every call is answered on its own: a click on a slow plugin never holds another click, and
 * nothing here waits on polling, publishing or another app's connection.
 */
import type { Logger } from 'pino';
import WebSocket from 'ws';
import { backoffDelay } from '../publish/backoff.js';
import type { AppIdentity } from '../publish/app-identity.js';
import type { ResolvedApp } from '../publish/publisher.js';
import { RpcCallReader, RpcFramingError, rpcResponse } from './rpc-codec.js';

import type { ControlAnswer } from '../core/control-result.js';

/** What a click's handler answers: the `xfer.Response` fields (`value`, `error`, `pipe`, ...). */
export type { ControlAnswer };
/** Serves one click from `app`: `body` is the call's JSON-decoded body, not yet validated. */
export type ControlHandler = (body: unknown, app: ResolvedApp) => Promise<ControlAnswer>;

export interface ControlConnectionOptions {
  /** The app: its URL, probe headers and id from `GET /api`. */
  readonly app: ResolvedApp;
  /** Asks the app who it is again before each redial: a restarted app has a new id, the `AppID` of its clicks. */
  readonly identify?: () => Promise<AppIdentity>;
  readonly handle: ControlHandler;
  readonly logger: Logger;
  /** Upstream: 12 000. */
  readonly handshakeTimeoutMs?: number;
  /** Upstream: 1000 doubling to 60 000. */
  readonly retryInitialMs?: number;
  readonly retryMaxMs?: number;
  /** Upstream pings every (60 s − 10 s) × 2/3 ≈ 33 s and gives up on a peer silent for 60 s; silence is checked at each ping. */
  readonly pingIntervalMs?: number;
  readonly idleTimeoutMs?: number;
  /** A connection the app ends sooner than this counts as a failed dial, so a refusing app is not hammered. */
  readonly stableAfterMs?: number;
}

export interface ControlConnectionStats {
  readonly url: string;
  readonly appId: string;
  /** The websocket is open and serving clicks. */
  readonly connected: boolean;
  readonly connects: number;
  readonly failedDials: number;
  readonly calls: number;
  readonly lastError: string | null;
  readonly connectedSince: number | null;
}

const SERVICE_METHOD = 'control.Handle';

export class ControlConnection {
  readonly #o: Required<Omit<ControlConnectionOptions, 'identify'>> & Pick<ControlConnectionOptions, 'identify'>;
  /** The app as last identified. */
  #app: ResolvedApp;
  #identifying = false;
  readonly #log: Logger;
  #socket: WebSocket | null = null;
  #openedAt: number | null = null;
  #retryTimer: NodeJS.Timeout | null = null;
  #pingTimer: NodeJS.Timeout | null = null;
  #lastHeard = 0;
  #failures = 0;
  #closed = false;
  #connects = 0;
  #failedDials = 0;
  #calls = 0;
  #lastError: string | null = null;

  constructor(options: ControlConnectionOptions) {
    this.#o = {
      handshakeTimeoutMs: 12_000,
      retryInitialMs: 1_000,
      retryMaxMs: 60_000,
      pingIntervalMs: 30_000,
      idleTimeoutMs: 60_000,
      stableAfterMs: 1_000,
      ...options,
    };
    this.#app = options.app;
    this.#log = options.logger.child({ component: 'app-control', app: options.app.target.display });
  }

  start(): void {
    if (!this.#closed && this.#socket === null && this.#retryTimer === null && !this.#identifying) this.#dial();
  }

  get stats(): ControlConnectionStats {
    return {
      url: this.#app.target.display,
      appId: this.#app.identity.id,
      connected: this.#openedAt !== null,
      connects: this.#connects,
      failedDials: this.#failedDials,
      calls: this.#calls,
      lastError: this.#lastError,
      connectedSince: this.#openedAt,
    };
  }

  close(): void {
    this.#closed = true;
    if (this.#retryTimer !== null) clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
    this.#stopPing();
    this.#socket?.terminate();
    this.#socket = null;
    this.#openedAt = null;
  }

  #dial(): void {
    const socket = new WebSocket(this.#app.target.controlUrl, {
      headers: { ...this.#app.headers },
      handshakeTimeout: this.#o.handshakeTimeoutMs,
      perMessageDeflate: false,
      followRedirects: false,
    });
    this.#socket = socket;
    const reader = new RpcCallReader();
    let refused: string | null = null;
    socket.on('open', () => {
      this.#openedAt = Date.now();
      this.#connects++;
      this.#lastHeard = performance.now();
      this.#startPing(socket);
      this.#log.info({ failedDials: this.#failures }, 'control connection to app open');
    });
    socket.on('message', (data, isBinary) => {
      this.#lastHeard = performance.now();
      if (isBinary) return this.#fail(socket, 'app sent a binary control message');
      let call;
      try {
        // With ws's default binaryType ('nodebuffer') a message arrives as one Buffer.
        call = reader.push((data as Buffer).toString());
      } catch (err) {
        if (err instanceof RpcFramingError) return this.#fail(socket, err.message);
        throw err;
      }
      if (call !== null) this.#serve(socket, call.seq, call.serviceMethod, call.body);
    });
    socket.on('pong', () => {
      this.#lastHeard = performance.now();
    });
    socket.on('ping', () => {
      this.#lastHeard = performance.now();
    });
    socket.on('unexpected-response', (_req, res) => {
      refused = `app answered HTTP ${res.statusCode} to the control websocket`;
      res.resume();
      socket.terminate();
    });
    socket.on('error', (err) => {
      // Terminating a refused upgrade reports a generic error; the app's status says more.
      this.#lastError = refused ?? err.message;
    });
    socket.on('close', () => this.#ended(socket));
  }

  #serve(socket: WebSocket, seq: number, method: string, body: unknown): void {
    this.#calls++;
    const send = (error: string, value: unknown) => {
      if (socket.readyState !== WebSocket.OPEN) return; // the app lost this call with the connection
      for (const frame of rpcResponse(seq, method, error, value)) socket.send(frame);
    };
    if (method !== SERVICE_METHOD) return send(`rpc: can't find service ${method}`, null);
    this.#o.handle(body, this.#app).then(
      (answer) => send('', answer),
      (err: unknown) => send('', { error: (err as Error).message ?? String(err) }),
    );
  }

  #fail(socket: WebSocket, reason: string): void {
    this.#lastError = reason;
    this.#log.warn({ reason }, 'control connection dropped: bad message from the app');
    socket.terminate();
  }

  #startPing(socket: WebSocket): void {
    this.#stopPing();
    this.#pingTimer = setInterval(
      () => {
        if (performance.now() - this.#lastHeard > this.#o.idleTimeoutMs) {
          this.#lastError = `app silent for ${this.#o.idleTimeoutMs} ms`;
          socket.terminate();
          return;
        }
        if (socket.readyState === WebSocket.OPEN) socket.ping();
      },
      Math.min(this.#o.pingIntervalMs, this.#o.idleTimeoutMs / 2),
    );
    this.#pingTimer.unref();
  }

  #stopPing(): void {
    if (this.#pingTimer !== null) clearInterval(this.#pingTimer);
    this.#pingTimer = null;
  }

  /** Reconnects at once after a connection that worked; backs off after a failed dial. */
  #ended(socket: WebSocket): void {
    if (socket !== this.#socket) return;
    this.#socket = null;
    this.#stopPing();
    const wasOpen = this.#openedAt;
    this.#openedAt = null;
    if (this.#closed) return;
    if (wasOpen !== null && Date.now() - wasOpen >= this.#o.stableAfterMs) {
      this.#failures = 0;
      this.#log.info('control connection to app ended; reconnecting');
      this.#redial();
      return;
    }
    this.#failed();
  }

  /** A failed dial (or identity request): the next attempt after the backoff. */
  #failed(): void {
    this.#failures++;
    this.#failedDials++;
    if (this.#failures === 1) this.#log.warn({ err: this.#lastError }, 'control connection to app failing');
    const delay = backoffDelay(this.#failures, this.#o.retryInitialMs, this.#o.retryMaxMs);
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = null;
      if (!this.#closed) this.#redial();
    }, delay);
  }

  /** Dials again, asking the app's identity first when told how. */
  #redial(): void {
    const identify = this.#o.identify;
    if (identify === undefined) return this.#dial();
    this.#identifying = true;
    identify().then(
      (identity) => {
        this.#identifying = false;
        if (this.#closed) return;
        if (identity.id !== this.#app.identity.id) this.#log.info({ appId: identity.id, was: this.#app.identity.id }, 'app has a new id (restarted)');
        this.#app = { ...this.#app, identity };
        this.#dial();
      },
      (err: unknown) => {
        this.#identifying = false;
        if (this.#closed) return;
        this.#lastError = (err as Error).message ?? String(err);
        this.#failed();
      },
    );
  }
}
