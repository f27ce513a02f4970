/**
 * One connection to a plugin's unix socket, carrying one request at a time (HTTP/1.1 keep-alive,
 * no pipelining). It writes prepared request bytes, feeds what comes back to a `ResponseParser`
 * and hands the result to the exchange's handler. Whatever goes wrong (socket error, EOF, a
 * malformed answer, the exchange giving up) ends the connection: the next request opens a fresh
 * one. So there is never any state to repair, and never a byte of one answer read as another's.
 *
 * A server that announces how long it keeps an idle connection (`Keep-Alive: timeout=N`) is
 * taken at its word, less a second's margin (undici takes two; on a local socket the race is
 * sub-millisecond, and the stale-connection retry covers the rest): past that the connection is
 * not reused, so a poll does not race the plugin closing it.
 */
import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { ResponseParser, type ResponseHead, type ResponseSink } from './http-response-parser.js';

/** Margin taken off a server's keep-alive hint, so a reuse never meets the close halfway. */
const KEEP_ALIVE_MARGIN_MS = 1000;

export interface ExchangeHandler {
  /** The request is on its way: written to a connected socket. `reused`: the connection served a request before. */
  onSent(reused: boolean): void;
  onBegin(): void;
  onHead(head: ResponseHead): void;
  onBody(chunk: Buffer): void;
  /** The answer is complete. */
  onEnd(): void;
  /** The exchange failed on the wire (socket error, EOF, `ParseError`); the connection is gone. */
  onError(err: Error): void;
}

export class PluginConnection implements ResponseSink {
  readonly #socket: Socket;
  readonly #parser: ResponseParser;
  /** Settles when the socket is closed and its handle released. */
  readonly closed: Promise<void>;
  #handler: ExchangeHandler | null = null;
  #connected = false;
  #dead = false;
  #requests = 0;
  /** From the server's keep-alive hint: not reused after this (ms on the `#now` clock). */
  #reuseUntil = Infinity;
  #keepAliveMs: number | undefined;

  readonly #now: () => number;

  /** `testClock`: for tests only, replaces performance.now() when judging the keep-alive hint. */
  constructor(socketPath: string, maxHeadBytes: number, testClock?: () => number) {
    this.#now = testClock ?? (() => performance.now());
    this.#parser = new ResponseParser(this, maxHeadBytes);
    const socket = connect(socketPath);
    this.#socket = socket;
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.on('connect', () => {
      this.#connected = true;
      this.#handler?.onSent(this.#requests++ > 0);
    });
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('end', () => this.#onEnd());
    socket.on('error', (err) => this.#fail(err));
    socket.on('close', () => this.#onEnd());
  }

  /** Can carry a new request now: alive, idle, and not past the server's keep-alive hint. */
  get usable(): boolean {
    return !this.#dead && this.#handler === null && (this.#reuseUntil === Infinity || this.#now() < this.#reuseUntil);
  }

  /** Sends `request` (a complete request: head and body); `handler` hears the rest. */
  send(request: Buffer, handler: ExchangeHandler): void {
    if (!this.usable) throw new Error('plugin connection is not usable');
    this.#handler = handler;
    this.#keepAliveMs = undefined;
    this.#parser.reset();
    // Written before `connect` completes, the bytes wait in the socket until it does.
    this.#socket.write(request);
    if (this.#connected) handler.onSent(this.#requests++ > 0);
  }

  /** Ends `handler`'s exchange without another callback to it, and the connection with it. */
  abandon(handler: ExchangeHandler): void {
    if (this.#handler !== handler) return; // already over
    this.#handler = null;
    this.#parser.stop();
    this.destroy();
  }

  destroy(): void {
    this.#dead = true;
    this.#socket.destroy();
  }

  // --- ResponseSink (called by the parser, inside #onData / #onEnd) ------------------------------

  onBegin(): void {
    this.#handler?.onBegin();
  }

  onHead(head: ResponseHead): void {
    this.#keepAliveMs = head.keepAliveMs;
    this.#handler?.onHead(head);
  }

  onBody(chunk: Buffer): void {
    this.#handler?.onBody(chunk);
  }

  onComplete(reusable: boolean): void {
    const handler = this.#handler;
    this.#handler = null;
    // The latest answer's hint rules (none: as long as the plugin keeps the connection).
    const hint = this.#keepAliveMs;
    if (hint !== undefined && hint <= KEEP_ALIVE_MARGIN_MS) reusable = false;
    this.#reuseUntil = hint === undefined ? Infinity : this.#now() + hint - KEEP_ALIVE_MARGIN_MS;
    if (!reusable) this.destroy();
    handler?.onEnd();
  }

  // --- socket events ------------------------------------------------------------------------------

  #onData(chunk: Buffer): void {
    if (this.#handler === null) {
      // Bytes nobody asked for (after a complete answer, or while idle): the framing is lost.
      this.destroy();
      return;
    }
    try {
      this.#parser.execute(chunk);
    } catch (err) {
      this.#fail(err as Error);
    }
  }

  /** EOF or close: completes a close-delimited answer, fails one cut short. */
  #onEnd(): void {
    this.#dead = true;
    if (this.#handler !== null) {
      try {
        this.#parser.finish();
      } catch (err) {
        this.#fail(err as Error);
        return;
      }
    }
    this.#socket.destroy();
  }

  #fail(err: Error): void {
    const handler = this.#handler;
    this.#handler = null;
    this.destroy();
    handler?.onError(err);
  }
}
