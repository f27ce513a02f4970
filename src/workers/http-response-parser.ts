/**
 * Incremental HTTP/1.1 response parser for plugin answers: bytes in, a head, body slices and an
 * end out. It replaces undici's llhttp (WebAssembly), which with its dispatcher was about a third
 * of a shard's CPU per 2 KB poll (docs/benchmarks.md); a plugin answer needs far less of HTTP.
 *
 * What it accepts is what Go's net/http client (upstream's) accepts, because plugins were written
 * against that: HTTP/1.x status lines with or without a reason, CRLF or bare LF line ends,
 * Content-Length, `Transfer-Encoding: chunked` (extensions and trailers ignored), bodies ended by
 * the connection closing, 1xx interim responses skipped (at most 5, as Go), 204/304 without a
 * body, and the server's `Keep-Alive: timeout=N` idle hint (as undici and browsers honour it).
 * Anything else is a `ParseError` naming the offending text, never a guess: duplicate differing
 * Content-Lengths, a transfer coding other than chunked, a bad chunk size, a header line without
 * a name, a head over `maxHeadBytes`.
 *
 * The common answer (a head and a Content-Length body in one read) costs one `indexOf` per head
 * line, one latin1 decode of the head and one `subarray` of the body: no copies.
 */

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

export type ParseErrorCode = 'HTTP_MALFORMED' | 'HTTP_HEADERS_OVERFLOW' | 'HTTP_EOF';

/** A response that is not HTTP we accept, or a connection that ended inside one. */
export class ParseError extends Error {
  readonly code: ParseErrorCode;
  /** The offending text (a status, header or chunk-size line), for the status message. */
  readonly data: string;

  constructor(code: ParseErrorCode, message: string, data = '') {
    super(message);
    this.name = 'ParseError';
    this.code = code;
    this.data = data;
  }
}

/** Go's transport gives up after 5 informational (1xx) answers to one request. */
const MAX_INTERIM_RESPONSES = 5;
/** A chunk-size line is a few hex digits; this bounds what a hostile one can make us buffer. */
const MAX_CHUNK_LINE = 4096;
/** Go refuses more than 16 hex digits (`http chunk length too large`); we refuse what a JS number cannot hold exactly. */
const MAX_CHUNK_SIZE = Number.MAX_SAFE_INTEGER;
const LF = 10;
const CR = 13;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const DIGITS = /^[0-9]+$/;
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
  /** Trailer bytes so far: they count against the head limit. */
  #trailerBytes = 0;
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
    this.#trailerBytes = 0;
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
          const line = this.#readLine(chunk, off, MAX_CHUNK_LINE, `chunk size line longer than ${MAX_CHUNK_LINE} bytes`);
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
          // Go requires exactly CRLF after chunk data; bare LF is accepted like on every other line.
          const line = this.#readLine(chunk, off, 0, 'chunk data longer than its size');
          off = line.off;
          if (line.text !== null) this.#state = 'chunk-size';
          break;
        }
        case 'trailers': {
          // Bounded by the count below, not per line: trailers as a whole share the head's limit.
          const before = off;
          const line = this.#readLine(chunk, off, Infinity, '');
          off = line.off;
          this.#trailerBytes += off - before;
          if (this.#trailerBytes > this.#maxHeadBytes) throw overflow(this.#maxHeadBytes);
          if (line.text === '') this.#complete(off === end);
          break;
        }
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
    let lineEnd = text.indexOf('\n');
    const status = parseStatusLine(stripCR(text.slice(0, lineEnd)));
    let contentLength: string | undefined;
    let transferEncoding: string | undefined;
    let contentEncoding = '';
    let connection = '';
    let keepAlive = '';
    for (;;) {
      const start = lineEnd + 1;
      lineEnd = text.indexOf('\n', start);
      const line = stripCR(text.slice(start, lineEnd));
      if (line === '') break;
      const colon = line.indexOf(':');
      const name = colon > 0 ? line.slice(0, colon) : '';
      if (!TOKEN.test(name)) throw malformed('malformed MIME header line', line);
      const value = line.slice(colon + 1).trim();
      switch (name.length) {
        case 10: {
          const lower = name.toLowerCase();
          if (lower === 'connection') connection = value.toLowerCase();
          else if (lower === 'keep-alive') keepAlive = value;
          break;
        }
        case 14:
          if (name.toLowerCase() === 'content-length') {
            if (contentLength !== undefined && contentLength !== value) {
              throw malformed(`message cannot contain multiple Content-Length headers; got "${contentLength}" and "${value}"`, line);
            }
            contentLength = value;
          }
          break;
        case 16:
          if (name.toLowerCase() === 'content-encoding') contentEncoding = value.toLowerCase();
          break;
        case 17:
          if (name.toLowerCase() === 'transfer-encoding') {
            if (transferEncoding !== undefined) throw malformed('too many transfer encodings', line);
            transferEncoding = value;
          }
          break;
      }
    }

    if (status.code < 200) {
      if (status.code === 101) throw malformed('unexpected 101 Switching Protocols (no upgrade was asked for)', status.line);
      if (++this.#interim > MAX_INTERIM_RESPONSES) throw malformed('too many 1xx informational responses', status.line);
      return; // the real answer follows; still in 'head'
    }
    this.#keepAlive = status.http10 ? connection.includes('keep-alive') : !connection.includes('close');

    let length: number | undefined;
    let state: State;
    if (status.code === 204 || status.code === 304) {
      state = 'length';
      this.#remaining = 0;
    } else if (transferEncoding !== undefined) {
      // Go (and nginx) support one transfer coding, chunked; a Content-Length beside it is ignored.
      if (transferEncoding.toLowerCase() !== 'chunked') throw malformed(`unsupported transfer encoding: "${transferEncoding}"`, transferEncoding);
      state = 'chunk-size';
    } else if (contentLength !== undefined) {
      if (!DIGITS.test(contentLength) || contentLength.length > 15) throw malformed(`bad Content-Length "${contentLength}"`, contentLength);
      length = Number(contentLength);
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

  #chunkSize(text: string): void {
    const semicolon = text.indexOf(';');
    const digits = (semicolon < 0 ? text : text.slice(0, semicolon)).trim();
    if (!HEX.test(digits)) throw malformed('invalid byte in chunk length', text);
    const size = digits.length > 14 ? Infinity : parseInt(digits, 16);
    if (size > MAX_CHUNK_SIZE) throw malformed('http chunk length too large', text);
    if (size === 0) {
      this.#state = 'trailers';
    } else {
      this.#remaining = size;
      this.#state = 'chunk-data';
    }
  }

  /**
   * Reads one line from `off`, across reads. `text` is the line without its line end, or null
   * when the chunk ended first. A line longer than `limit` (CR aside) is malformed: `tooLong`.
   */
  #readLine(chunk: Buffer, off: number, limit: number, tooLong: string): { off: number; text: string | null } {
    const nl = chunk.indexOf(LF, off);
    const upto = nl < 0 ? chunk.length : nl;
    this.#line += chunk.toString('latin1', off, upto);
    if (this.#line.length > limit + 1 || (nl >= 0 && stripCR(this.#line).length > limit)) throw malformed(tooLong, this.#line);
    if (nl < 0) return { off: chunk.length, text: null };
    const text = stripCR(this.#line);
    this.#line = '';
    return { off: nl + 1, text };
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

interface StatusLine {
  readonly line: string;
  readonly code: number;
  readonly reason: string;
  readonly http10: boolean;
}

/** `HTTP/1.1 200 OK`, as Go's ReadResponse splits it: protocol, 3-digit code, optional reason. */
function parseStatusLine(line: string): StatusLine {
  const space = line.indexOf(' ');
  const proto = space < 0 ? line : line.slice(0, space);
  if (proto !== 'HTTP/1.1' && proto !== 'HTTP/1.0') {
    throw malformed(proto.startsWith('HTTP/') ? `unsupported protocol version "${proto}"` : 'not an HTTP/1.x status line', line);
  }
  const rest = space < 0 ? '' : line.slice(space + 1);
  const space2 = rest.indexOf(' ');
  const code = space2 < 0 ? rest : rest.slice(0, space2);
  if (code.length !== 3 || !DIGITS.test(code) || code < '100') throw malformed(`malformed HTTP status code "${code}"`, line);
  return { line, code: Number(code), reason: space2 < 0 ? '' : rest.slice(space2 + 1), http10: proto === 'HTTP/1.0' };
}

/** `timeout=5, max=100` → 5000; anything unreadable → undefined (no hint). */
function keepAliveHint(value: string): number | undefined {
  const m = /(?:^|[,;\s])timeout\s*=\s*(\d{1,9})(?:$|[,;\s])/i.exec(value);
  return m === null ? undefined : Number(m[1]) * 1000;
}

function stripCR(line: string): string {
  return line.charCodeAt(line.length - 1) === CR ? line.slice(0, -1) : line;
}

function malformed(reason: string, data: string): ParseError {
  return new ParseError('HTTP_MALFORMED', reason, data);
}

function overflow(limit: number): ParseError {
  return new ParseError('HTTP_HEADERS_OVERFLOW', `response headers exceeded ${limit} bytes`);
}
