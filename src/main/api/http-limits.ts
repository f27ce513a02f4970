/**
 * Keeps the HTTP API answering when clients hold connections open: at most `maxConnections` client
 * connections, and when one more arrives the connection idle for the longest is closed to make
 * room (idle: no request in progress, whether it has sent one before or not). Only when every
 * connection is busy is the newcomer turned away. Together with short timeouts this bounds the
 * descriptors the API can take from plugin polling (fd-budget.ts), and a fresh `/healthz` probe
 * always gets a connection however many idle ones a client leaves open.
 *
 * Node's own `server.maxConnections` refuses the newcomer instead, so idle connections that got
 * there first would lock everyone else out.
 */
import type { Server, ServerOptions } from 'node:http';
import type { Socket } from 'node:net';

/** Whole request head within this, counted from the connection's start or the previous answer. */
const HEADERS_TIMEOUT_MS = 5_000;
/** Whole request, head and body. */
const REQUEST_TIMEOUT_MS = 15_000;
/** An idle keep-alive connection is closed after this. */
const KEEP_ALIVE_TIMEOUT_MS = 5_000;
/** How often Node checks the two timeouts above (its default, 30 s, lets a stalled client stay that long). */
const CHECK_INTERVAL_MS = 1_000;

/** For `createServer(options, …)`: the one setting that must be given at creation. */
export const API_SERVER_OPTIONS: ServerOptions = { connectionsCheckingInterval: CHECK_INTERVAL_MS };

export interface ConnectionStats {
  readonly open: number;
  /** Idle connections closed to make room for a new one. */
  readonly evicted: number;
  /** New connections turned away because every open one was busy. */
  readonly refused: number;
}

export class ConnectionLimiter {
  readonly #max: number;
  /** Open connections, least recently active first; the value counts requests in progress. */
  readonly #open = new Map<Socket, number>();
  #evicted = 0;
  #refused = 0;

  constructor(server: Server, maxConnections: number) {
    this.#max = maxConnections;
    server.headersTimeout = HEADERS_TIMEOUT_MS;
    server.requestTimeout = REQUEST_TIMEOUT_MS;
    server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
    server.on('connection', (socket: Socket) => this.#admit(socket));
    server.on('request', (req, res) => {
      const socket = req.socket;
      this.#touch(socket, +1);
      res.once('close', () => this.#touch(socket, -1));
    });
  }

  get stats(): ConnectionStats {
    return { open: this.#open.size, evicted: this.#evicted, refused: this.#refused };
  }

  #admit(socket: Socket): void {
    if (this.#open.size >= this.#max && !this.#evictIdle()) {
      this.#refused++;
      socket.destroy();
      return;
    }
    this.#open.set(socket, 0);
    socket.once('close', () => this.#open.delete(socket));
  }

  /** Closes the least recently active idle connection; false when every connection is busy. */
  #evictIdle(): boolean {
    for (const [socket, busy] of this.#open) {
      if (busy > 0) continue;
      this.#open.delete(socket);
      socket.destroy();
      this.#evicted++;
      return true;
    }
    return false;
  }

  /** A request started (+1) or ended (-1): the connection becomes the most recently active. */
  #touch(socket: Socket, delta: number): void {
    const busy = this.#open.get(socket);
    if (busy === undefined) return;
    this.#open.delete(socket);
    this.#open.set(socket, Math.max(0, busy + delta));
  }
}
