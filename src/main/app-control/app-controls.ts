/**
 * One control websocket per Scope app (by app id, so two URLs of one app share one), each
 * serving clicks through the same handler. Connections are independent: an app that is down,
 * slow or hung only ever holds its own socket and timers.
 */
import type { Logger } from 'pino';
import { fetchAppIdentity } from '../publish/app-identity.js';
import type { ResolvedApp } from '../publish/publisher.js';
import { ControlConnection, type ControlConnectionOptions, type ControlConnectionStats, type ControlHandler } from './control-connection.js';

export interface AppControlsOptions {
  readonly handle: ControlHandler;
  readonly logger: Logger;
  /** Deadline of the `GET /api` asked before each redial. */
  readonly identityTimeoutMs: number;
  /** Timing overrides (tests); upstream's values by default. */
  readonly timing?: Pick<
    ControlConnectionOptions,
    'retryInitialMs' | 'retryMaxMs' | 'pingIntervalMs' | 'idleTimeoutMs' | 'handshakeTimeoutMs' | 'stableAfterMs'
  >;
}

export class AppControls {
  readonly #options: AppControlsOptions;
  readonly #connections = new Map<string, ControlConnection>();
  #closed = false;

  constructor(options: AppControlsOptions) {
    this.#options = options;
  }

  /** Starts serving clicks from `app` (once per app id). */
  attach(app: ResolvedApp): void {
    if (this.#closed || this.#connections.has(app.identity.id)) return;
    const connection = new ControlConnection({
      ...this.#options.timing,
      app,
      identify: () => fetchAppIdentity(app.target, app.headers, this.#options.identityTimeoutMs),
      handle: this.#options.handle,
      logger: this.#options.logger,
    });
    this.#connections.set(app.identity.id, connection);
    connection.start();
  }

  /** Per app, in the order they were identified. */
  get stats(): ControlConnectionStats[] {
    return [...this.#connections.values()].map((c) => c.stats);
  }

  close(): void {
    this.#closed = true;
    for (const c of this.#connections.values()) c.close();
  }
}
