/**
 * Incremental HTTP/1.1 response parser for plugin answers: bytes in, a head, body slices and an
 * end out. Not undici's llhttp (WebAssembly): a plugin answer needs far less of HTTP, and undici
 * with its dispatcher cost a large share of a shard's CPU per poll
 * (docs/decisions/061-plugin-http-client.md).
 *
 * What it accepts, and the words it refuses with, are those of Go's net/http client (upstream's,
 * Go 1.19) reading a whole body, because plugins were written against it; test/unit/workers/http-framing.test.ts
 * holds the case table with Go's outcome for each. In short: a status line as Go's ReadResponse
 * splits it; header lines ending in CRLF or bare LF, continuation lines joined, values trimmed of
 * spaces and tabs only; Content-Length trimmed of space, tab, CR and LF, then decimal digits only
 * (equal duplicates allowed); `Transfer-Encoding` honoured on HTTP/1.1 only, as exactly one field
 * equal to `chunked` ignoring ASCII case, overriding Content-Length; chunk-size lines trimmed at the
 * end only, extensions ignored, CRLF exactly after chunk data; 1xx interim answers skipped (at most
 * 5); 204/304 without a body; bodies ended by the connection closing; the server's
 * `Keep-Alive: timeout=N` idle hint (as undici and browsers honour it). Anything else is a
 * `ParseError` naming the offending text, never a guess.
 *
 * The common answer (a head and a Content-Length body in one read) costs one `indexOf` per head
 * line, one latin1 decode of the head and one `subarray` of the body: no copies.
 */

import {
  ParseError,
  chunkedCoding,
  goQuoteList,
  isGoSpace,
  malformed,
  parseContentLength,
  parseStatusLine,
  readFields,
  stripCR,
  trimString,
} from './http-head.js';

export interface ResponseHead {
  readonly statusCode: number;
  /** The reason phrase as sent ('' when the status line has none). */
  readonly statusText: string;
  /** Announced Content-Length; undefined for chunked and close-delimited bodies. */
  readonly contentLength: number | undefined;
  /** Content-Encoding, trimmed and lower-cased ('' when absent). */
  readonly contentEncoding: string;
  /** The server's `Keep-Alive: timeout=N` hint in ms: it closes an idle connection after that long. */
  readonly keepAliveMs: number | undefined;
}

export interface ResponseSink {
  /** The first byte of the response arrived. */
  onBegin(): void;
  /** The final (non-1xx) head. */
  onHead(head: ResponseHead): void;
  /**
   * A slice of the (still encoded) body: a view of the chunk given to `execute`, so it stays
   * valid as long as the caller does not reuse that chunk (a socket's 'data' chunks are fresh).
   */
  onBody(chunk: Buffer): void;
  /** The response is complete; `reusable` says whether the connection may carry another request. */
  onComplete(reusable: boolean): void;
}

export { ParseError, type ParseErrorCode } from './http-head.js';

/** Go's transport gives up after 5 informational (1xx) answers to one request. */
const MAX_INTERIM_RESPONSES = 5;
/** Go reads a chunk-size line, LF included, into a 4 KB buffer and refuses a longer one. */
const MAX_CHUNK_LINE = 4096;
/** Go looks for the end of a trailer within its 4 KB read buffer. */
const MAX_TRAILER = 4096;
const LF = 10;
const CR = 13;
const HEX = /^[0-9a-fA-F]+$/;

type State = 'head' | 'length' | 'close' | 'chunk-size' | 'chunk-data' | 'chunk-end' | 'trailers' | 'done';

export class ResponseParser {
  readonly #sink: ResponseSink;
  readonly #maxHeadBytes: number;
  #state: State = 'head';
  #begun = false;
  #stopped = false;
  #interim = 0;
  /** Head bytes of an unfinished head, kept across reads. */
  #partialHead: Buffer | null = null;
  /** An unfinished chunk-size or trailer line (latin1). */
  #line = '';
  /** Body bytes still to come: Content-Length left, or of the current chunk. */
  #remaining = 0;
  #keepAlive = true;

  constructor(sink: ResponseSink, maxHeadBytes: number) {
    this.#sink = sink;
    this.#maxHeadBytes = maxHeadBytes;
  }

  /** Ready for the next response on the same connection. */
  reset(): void {
    this.#state = 'head';
    this.#begun = false;
    this.#stopped = false;
    this.#interim = 0;
    this.#partialHead = null;
    this.#line = '';
    this.#remaining = 0;
    this.#keepAlive = true;
  }

  /** No more callbacks for this response (the consumer gave up on it mid-read). */
  stop(): void {
    this.#stopped = true;
  }

  /** Feeds bytes; calls the sink; throws `ParseError` for a malformed response. */
  execute(chunk: Buffer): void {
    let off = 0;
    const end = chunk.length;
    while (off < end && !this.#stopped) {
      switch (this.#state) {
        case 'head':
          off = this.#readHead(chunk, off);
          // A body-less answer (204, 304, Content-Length: 0) is complete with its head.
          if ((this.#state as State) === 'length' && this.#remaining === 0 && !this.#stopped) this.#complete(off === end);
          break;
        case 'length': {
          const take = Math.min(this.#remaining, end - off);
          this.#remaining -= take;
          this.#sink.onBody(off === 0 && take === end ? chunk : chunk.subarray(off, off + take));
          off += take;
          if (this.#remaining === 0) this.#complete(off === end);
          break;
        }
        case 'close':
          this.#sink.onBody(off === 0 ? chunk : chunk.subarray(off));
          off = end;
          break;
        case 'chunk-size': {
          // Go's chunked reader refuses a line that does not fit its 4 KB buffer.
          const line = this.#readLine(chunk, off, MAX_CHUNK_LINE - 2, 'header line too long');
          off = line.off;
          if (line.text !== null) this.#chunkSize(line.text);
          break;
        }
        case 'chunk-data': {
          const take = Math.min(this.#remaining, end - off);
          this.#remaining -= take;
          this.#sink.onBody(chunk.subarray(off, off + take));
          off += take;
          if (this.#remaining === 0) this.#state = 'chunk-end';
          break;
        }
        case 'chunk-end': {
          // Go reads exactly two bytes after chunk data and wants CRLF: a bare LF is refused.
          const take = Math.min(2 - this.#line.length, end - off);
          this.#line += chunk.toString('latin1', off, off + take);
          off += take;
          if (this.#line.length === 2) {
            if (this.#line !== '\r\n') throw malformed('malformed chunked encoding', this.#line);
            this.#line = '';
            this.#state = 'chunk-size';
          }
          break;
        }
        case 'trailers':
          off = this.#readTrailers(chunk, off);
          if ((this.#state as State) === 'done') this.#sink.onComplete(this.#keepAlive && off === end);
          break;
        case 'done':
          // Bytes after a complete answer that nobody asked for: the framing cannot be trusted.
          this.#keepAlive = false;
          return;
      }
    }
  }

  /**
   * The connection ended (EOF). Completes a close-delimited body; throws `ParseError('HTTP_EOF')`
   * when a response was expected or cut short. Nothing happens once the response is done.
   */
  finish(): void {
    if (this.#stopped || this.#state === 'done') return;
    if (this.#state === 'close') {
      this.#complete(false);
      return;
    }
    if (this.#state === 'trailers') {
      // Go's readTrailer: fewer than two bytes is an EOF; more without CRLF CRLF is a long trailer.
      if (this.#line.length >= 2) throw malformed('http: suspiciously long trailer after chunked body', this.#line.slice(0, 64));
      throw new ParseError('HTTP_EOF', 'http: unexpected EOF reading trailer');
    }
    const where = this.#state === 'head' ? (this.#begun ? 'inside the response headers' : 'before any response') : 'in the body';
    throw new ParseError('HTTP_EOF', `connection closed ${where}`);
  }

  // --- head ---------------------------------------------------------------------------------

  /** Consumes head bytes from `off`; returns the new offset (the whole chunk while the head is unfinished). */
  #readHead(chunk: Buffer, off: number): number {
    if (!this.#begun) {
      this.#begun = true;
      this.#sink.onBegin();
    }
    const held = this.#partialHead;
    const buf = held === null ? chunk.subarray(off) : Buffer.concat([held, chunk.subarray(off)]);
    const headEnd = findHeadEnd(buf, held === null ? 0 : Math.max(0, held.length - 2));
    if (headEnd < 0) {
      if (buf.length > this.#maxHeadBytes) throw overflow(this.#maxHeadBytes);
      // A copy: the parser holds no view of a chunk after `execute` returns.
      this.#partialHead = held === null ? Buffer.from(buf) : buf;
      return chunk.length;
    }
    if (headEnd > this.#maxHeadBytes) throw overflow(this.#maxHeadBytes);
    this.#partialHead = null;
    this.#onHeadText(buf.toString('latin1', 0, headEnd));
    return off + headEnd - (held === null ? 0 : held.length);
  }

  #onHeadText(text: string): void {
    const lineEnd = text.indexOf('\n');
    const status = parseStatusLine(stripCR(text.slice(0, lineEnd)));
    const fields = readFields(text, lineEnd + 1);
    const contentLengths = fields.get('content-length');
    const transferEncodings = fields.get('transfer-encoding');
    const contentEncoding = fields.get('content-encoding')?.[0]?.toLowerCase() ?? '';
    const connection = (fields.get('connection') ?? []).join(',').toLowerCase();
    const keepAlive = fields.get('keep-alive')?.[0] ?? '';

    // The checks below run in the order of Go's readTransfer: the transfer coding, then the
    // Content-Length values, then the status; the first failing one is the error.
    // Go ignores Transfer-Encoding on HTTP/1.0 and frames by Content-Length or EOF.
    const chunked = !status.http10 && transferEncodings !== undefined && chunkedCoding(transferEncodings);
    let contentLength = chunked ? undefined : contentLengths;
    if (contentLength !== undefined && contentLength.length > 1) {
      const first = trimString(contentLength[0]!);
      if (contentLength.some((v) => trimString(v) !== first)) {
        throw malformed(
          `http: message cannot contain multiple Content-Length headers; got ${goQuoteList(contentLength)}`,
          `Content-Length: ${contentLength[1]}`,
        );
      }
      contentLength = [first];
    }

    if (status.code >= 100 && status.code < 200) {
      if (status.code === 101) throw malformed('unexpected 101 Switching Protocols (no upgrade was asked for)', status.line);
      if (++this.#interim > MAX_INTERIM_RESPONSES) throw malformed('net/http: too many 1xx informational responses', status.line);
      return; // the real answer follows; still in 'head'
    }
    this.#keepAlive = status.http09
      ? false
      : status.http10
        ? connection.includes('keep-alive') && !connection.includes('close')
        : !connection.includes('close');

    let length: number | undefined;
    let state: State;
    if (status.code === 204 || status.code === 304) {
      state = 'length';
      this.#remaining = 0;
    } else if (chunked) {
      state = 'chunk-size';
    } else if (contentLength !== undefined && trimString(contentLength[0]!) !== '') {
      length = parseContentLength(trimString(contentLength[0]!));
      state = 'length';
      this.#remaining = length;
    } else {
      state = 'close';
      this.#keepAlive = false;
    }
    this.#state = state;
    this.#sink.onHead({
      statusCode: status.code,
      statusText: status.reason,
      contentLength: length,
      contentEncoding,
      keepAliveMs: keepAlive === '' ? undefined : keepAliveHint(keepAlive),
    });
  }

  // --- chunked bodies ---------------------------------------------------------------------------

  /** Go's readChunkLine: trailing [ \t\r\n] trimmed, the extension cut at ';', then strict hex (empty is 0). */
  #chunkSize(text: string): void {
    let end = text.length;
    while (end > 0 && isGoSpace(text.charCodeAt(end - 1))) end--;
    const semicolon = text.indexOf(';');
    const digits = text.slice(0, semicolon < 0 || semicolon > end ? end : semicolon);
    if (digits !== '' && !HEX.test(digits)) throw malformed('invalid byte in chunk length', text);
    if (digits.length > 16) throw malformed('http chunk length too large', text);
    const size = digits === '' ? 0 : parseInt(digits, 16);
    if (size === 0) {
      this.#state = 'trailers';
    } else {
      this.#remaining = size;
      this.#state = 'chunk-data';
    }
  }

  /**
   * Reads one line from `off`, across reads. `text` is the line without its line end, or null
   * when the chunk ended first. A line longer than `limit` bytes (its LF aside) is malformed: `tooLong`.
   */
  #readLine(chunk: Buffer, off: number, limit: number, tooLong: string): { off: number; text: string | null } {
    const nl = chunk.indexOf(LF, off);
    const upto = nl < 0 ? chunk.length : nl;
    this.#line += chunk.toString('latin1', off, upto);
    if (this.#line.length > limit) throw malformed(tooLong, this.#line.slice(0, 64));
    if (nl < 0) return { off: chunk.length, text: null };
    const text = stripCR(this.#line);
    this.#line = '';
    return { off: nl + 1, text };
  }

  /**
   * Go's body.readTrailer: CRLF ends a body without trailers; otherwise a CRLF CRLF must come
   * within 4 KB and the lines before it are read as header fields. Returns the new offset.
   */
  #readTrailers(chunk: Buffer, off: number): number {
    const prior = this.#line.length;
    this.#line += chunk.toString('latin1', off, Math.min(chunk.length, off + MAX_TRAILER - prior));
    if (this.#line.length < 2) return chunk.length;
    if (this.#line.startsWith('\r\n')) return this.#trailersDone(off, prior, 2);
    const blank = this.#line.indexOf('\r\n\r\n');
    if (blank < 0) {
      if (this.#line.length >= MAX_TRAILER) throw malformed('http: suspiciously long trailer after chunked body', this.#line.slice(0, 64));
      return chunk.length;
    }
    // Bytes past the first empty line stay unread in Go and spoil the connection for the next answer.
    if (readFields(this.#line, 0).end < blank + 4) this.#keepAlive = false;
    return this.#trailersDone(off, prior, blank + 4);
  }

  #trailersDone(off: number, prior: number, used: number): number {
    this.#line = '';
    this.#state = 'done';
    return off + used - prior;
  }

  #complete(atEndOfRead: boolean): void {
    this.#state = 'done';
    this.#sink.onComplete(this.#keepAlive && atEndOfRead);
  }
}

/** Index just past the empty line that ends the head, or -1. `from`: where an unfinished head left off. */
function findHeadEnd(buf: Buffer, from: number): number {
  let nl = buf.indexOf(LF, from);
  while (nl >= 0) {
    const next = buf[nl + 1];
    if (next === LF) return nl + 2;
    if (next === CR && buf[nl + 2] === LF) return nl + 3;
    nl = buf.indexOf(LF, nl + 1);
  }
  return -1;
}

/** `timeout=5, max=100` → 5000; anything unreadable → undefined (no hint). */
function keepAliveHint(value: string): number | undefined {
  const m = /(?:^|[,;\s])timeout\s*=\s*(\d{1,9})(?:$|[,;\s])/i.exec(value);
  return m === null ? undefined : Number(m[1]) * 1000;
}

function overflow(limit: number): ParseError {
  return new ParseError('HTTP_HEADERS_OVERFLOW', `response headers exceeded ${limit} bytes`);
}
