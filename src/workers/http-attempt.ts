/**
 * One HTTP request/response over a plugin's connection: the handler that turns the parser's
 * events into an answer, and enforces what we accept on top of HTTP.
 *
 * It needs the server's reason phrase (upstream shows `500 Internal Server Error` from the status
 * line), the moment the first response byte arrives (a stale keep-alive connection may only be
 * retried before it), and byte counting that stops the transfer the moment the (decompressed)
 * body passes the cap, without a stream in between.
 *
 * The attempt never owns the deadline: the exchange in plugin-client.ts aborts it.
 */
import { createGunzip, type Gunzip } from 'node:zlib';
import { ErrorCode, errorData, type ErrorData } from '../shared/errors.js';
import type { ResponseHead } from './http-response-parser.js';
import { reasonPhrase } from './http-status.js';
import type { ExchangeHandler } from './plugin-connection.js';
import { gunzipError, tooLargeError, transportError, type ExchangeState, type Phase } from './transport-errors.js';

/** A non-200 body is read this far so the connection can be reused, then dropped. */
const DRAIN_LIMIT_BYTES = 64 * 1024;

export type AttemptEnd =
  | { readonly kind: 'response'; readonly statusCode: number; readonly statusText: string; readonly body: Buffer }
  | {
      readonly kind: 'failed';
      readonly error: ErrorData;
      /** Failed on a reused keep-alive connection before any response byte: safe to retry a GET. */
      readonly stale: boolean;
    };

export interface AttemptOptions {
  readonly verb: string;
  readonly url: string;
  readonly socketPath: string;
  readonly timeoutMs: number;
  readonly maxResponseBytes: number;
  readonly onEnd: (end: AttemptEnd) => void;
  /** Stops the transfer: the connection under the attempt is dropped. */
  readonly abandon: (attempt: HttpAttempt) => void;
}

/** Error codes meaning "the connection went away", the ones a stale pooled connection produces. */
const CONNECTION_GONE = new Set(['HTTP_EOF', 'ECONNRESET', 'EPIPE']);

export class HttpAttempt implements ExchangeHandler {
  readonly #options: AttemptOptions;
  #phase: Phase = 'connect';
  #responseBegun = false;
  #reused = false;
  #bodyBytes = 0;
  #decodedBytes = 0;
  #expectedBytes: number | undefined;
  #statusCode = 0;
  #statusText = '';
  /** Status was not 200: read and discard the body, the answer is the status alone. */
  #draining = false;
  #chunks: Buffer[] = [];
  #gunzip: Gunzip | null = null;
  #done = false;

  constructor(options: AttemptOptions) {
    this.#options = options;
  }

  /** Snapshot for error messages (how far the exchange got). */
  state(): ExchangeState {
    return {
      verb: this.#options.verb,
      url: this.#options.url,
      socketPath: this.#options.socketPath,
      timeoutMs: this.#options.timeoutMs,
      phase: this.#phase,
      responseBegun: this.#responseBegun,
      bodyBytes: this.#bodyBytes,
      expectedBytes: this.#expectedBytes,
    };
  }

  /**
   * Stops the attempt without reporting (the caller already settled). Its connection is dropped,
   * which is what we want for a plugin that missed its deadline.
   */
  abort(): void {
    if (this.#done) return;
    this.#done = true;
    this.#stop();
  }

  /** Ends the attempt now with `end` (the client is destroyed under it): stops the transfer, then reports. */
  cancel(end: AttemptEnd): void {
    if (this.#done) return;
    this.#done = true;
    this.#stop();
    this.#options.onEnd(end);
  }

  /** The status code known so far (0 before headers); a draining non-200 can still answer. */
  partialResponse(): AttemptEnd | null {
    if (!this.#draining) return null;
    return { kind: 'response', statusCode: this.#statusCode, statusText: this.#statusText, body: Buffer.alloc(0) };
  }

  // --- ExchangeHandler (the connection's events) ---------------------------------------------

  onSent(reused: boolean): void {
    this.#phase = 'headers';
    this.#reused = reused;
  }

  onBegin(): void {
    this.#responseBegun = true;
  }

  onHead(head: ResponseHead): void {
    if (this.#done) return;
    this.#phase = 'body';
    this.#statusCode = head.statusCode;
    this.#statusText = reasonPhrase(head.statusCode, head.statusText);
    this.#expectedBytes = head.contentLength;
    if (head.statusCode !== 200) {
      this.#draining = true;
      return;
    }
    if (this.#expectedBytes !== undefined && this.#expectedBytes > this.#options.maxResponseBytes) {
      this.#fail(tooLargeError());
      return;
    }
    const encoding = head.contentEncoding;
    if (encoding === 'gzip' || encoding === 'x-gzip') {
      this.#startGunzip();
    } else if (encoding !== '' && encoding !== 'identity') {
      this.#fail(errorData(ErrorCode.DECODE, `decoding error: unsupported Content-Encoding ${JSON.stringify(encoding)} (only gzip is accepted)`));
    }
  }

  onBody(chunk: Buffer): void {
    if (this.#done) return;
    this.#bodyBytes += chunk.length;
    if (this.#draining) {
      if (this.#bodyBytes > DRAIN_LIMIT_BYTES) this.#answer(this.partialResponse()!);
      return;
    }
    // Raw bytes count too: a compressed body is never allowed to be larger than the cap either.
    if (this.#bodyBytes > this.#options.maxResponseBytes) {
      this.#fail(tooLargeError());
      return;
    }
    if (this.#gunzip !== null) {
      this.#gunzip.write(chunk);
    } else {
      this.#decodedBytes += chunk.length;
      this.#chunks.push(chunk);
    }
  }

  onEnd(): void {
    if (this.#done) return;
    if (this.#draining) {
      this.#answer(this.partialResponse()!);
    } else if (this.#gunzip !== null) {
      this.#phase = 'gunzip';
      this.#gunzip.end();
    } else {
      this.#answer(this.#complete());
    }
  }

  onError(err: Error): void {
    if (this.#done) return;
    const partial = this.partialResponse();
    if (partial !== null) {
      // We already know the status; a broken non-200 body changes nothing about the answer.
      this.#answer(partial);
      return;
    }
    const code = (err as { code?: string }).code ?? '';
    const stale = this.#reused && !this.#responseBegun && this.#phase === 'headers' && CONNECTION_GONE.has(code);
    this.#fail(transportError(err, this.state()), stale);
  }

  // --- internals ----------------------------------------------------------------------------

  #startGunzip(): void {
    const gunzip = createGunzip();
    this.#gunzip = gunzip;
    gunzip.on('data', (out: Buffer) => {
      if (this.#done) return;
      this.#decodedBytes += out.length;
      // Counting what zlib produces is the gzip-bomb guard: stop as soon as the cap is passed.
      if (this.#decodedBytes > this.#options.maxResponseBytes) {
        this.#fail(tooLargeError());
        return;
      }
      this.#chunks.push(out);
    });
    gunzip.on('error', (err) => {
      if (!this.#done) this.#fail(gunzipError(err));
    });
    gunzip.on('end', () => {
      if (!this.#done) this.#answer(this.#complete());
    });
  }

  #complete(): AttemptEnd {
    const body = this.#chunks.length === 1 ? this.#chunks[0]! : Buffer.concat(this.#chunks, this.#decodedBytes);
    this.#chunks = [];
    return { kind: 'response', statusCode: this.#statusCode, statusText: this.#statusText, body };
  }

  #answer(end: AttemptEnd): void {
    this.#done = true;
    // A drained non-200 that was cut short leaves an unread body: drop the connection.
    if (this.#draining) this.#stop();
    this.#options.onEnd(end);
  }

  #fail(error: ErrorData, stale = false): void {
    this.#done = true;
    this.#stop();
    this.#options.onEnd({ kind: 'failed', error, stale });
  }

  #stop(): void {
    this.#chunks = [];
    if (this.#gunzip !== null) {
      this.#gunzip.removeAllListeners('data');
      this.#gunzip.on('error', () => {}); // a late zlib error after destroy must not crash the worker
      this.#gunzip.destroy();
      this.#gunzip = null;
    }
    // No-op when the connection already completed or failed the exchange.
    this.#options.abandon(this);
  }
}
