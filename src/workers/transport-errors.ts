/**
 * Turns what goes wrong on the wire into stable `ErrorData` whose message reads like upstream's
 * Go errors (`Get "http://plugin/report?…": dial unix /x.sock: connect: connection refused`), so a
 * plugin author recognises it, while saying enough (socket path, errno, how far the exchange got)
 * that every kind of breakage gets a status of its own. The code is what programs look at.
 */
import { ErrorCode, errorData, type ErrorData } from '../shared/errors.js';
import { MAX_SOCKET_PATH_BYTES, socketPathBytes } from '../shared/socket-path.js';

/** Upstream's fixed text, whatever the configured limit (docs/spec/plugin-protocol.md#size-cap). */
export const TOO_LARGE_MESSAGE = 'response must be shorter than 50MB';

/**
 * Largest response head (and, separately, chunked trailer section) we accept. Go allows 1 MiB; a
 * plugin needs a few hundred bytes, and a smaller cap bounds what a hostile plugin can make a
 * worker hold before any body check applies.
 */
export const MAX_HEADER_BYTES = 64 * 1024;

/** How far one exchange got; decides the wording of timeouts and broken connections. */
export type Phase = 'connect' | 'headers' | 'body' | 'gunzip';

export interface ExchangeState {
  /** `Get` or `Post`, as Go's url.Error prints the method. */
  readonly verb: string;
  /** `http://plugin/report?api_version=1&probe_id=…` */
  readonly url: string;
  readonly socketPath: string;
  readonly timeoutMs: number;
  readonly phase: Phase;
  /** At least one byte of the response arrived. */
  readonly responseBegun: boolean;
  /** Raw (still compressed) body bytes received. */
  readonly bodyBytes: number;
  /** Content-Length announced by the server, if any. */
  readonly expectedBytes: number | undefined;
}

/** Go's texts for the errnos a unix-socket dial or read can meet. */
const ERRNO_TEXT: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOTSOCK: 'socket operation on non-socket',
  ENOTDIR: 'not a directory',
  EAGAIN: 'resource temporarily unavailable',
  ECONNRESET: 'connection reset by peer',
  EPIPE: 'broken pipe',
  ETIMEDOUT: 'connection timed out',
  EINVAL: 'invalid argument',
  ENAMETOOLONG: 'file name too long',
  ELOOP: 'too many levels of symbolic links',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files in system',
  EPROTOTYPE: 'protocol wrong type for socket',
};

function errnoText(code: string | undefined): string {
  if (code === undefined) return 'unknown error';
  return ERRNO_TEXT[code] ?? code.toLowerCase();
}

function prefix(s: ExchangeState): string {
  return `${s.verb} "${s.url}": `;
}

function where(s: ExchangeState): string {
  switch (s.phase) {
    case 'connect':
      return `while dialing unix ${s.socketPath}`;
    case 'headers':
      return s.responseBegun ? `while reading response headers from unix ${s.socketPath}` : `while awaiting headers from unix ${s.socketPath}`;
    case 'body':
      return `while reading body from unix ${s.socketPath} (${bodyProgress(s)} so far)`;
    case 'gunzip':
      return `while decompressing body from unix ${s.socketPath}`;
  }
}

function bodyProgress(s: ExchangeState): string {
  return s.expectedBytes === undefined ? `${s.bodyBytes} body bytes` : `${s.bodyBytes} of ${s.expectedBytes} body bytes`;
}

/** Where a connection died, after the request was written. */
function closedWhere(s: ExchangeState): string {
  if (!s.responseBegun) return 'before any response';
  if (s.phase === 'headers') return 'inside the response headers';
  return `after ${bodyProgress(s)}`;
}

/** The deadline fired: upstream's `context deadline exceeded`, plus how far we got. */
export function timeoutError(s: ExchangeState): ErrorData {
  return errorData(ErrorCode.TIMEOUT, `${prefix(s)}context deadline exceeded (no complete answer within ${s.timeoutMs} ms) ${where(s)}`);
}

/** Go's words for a path that does not fit `sun_path`, which it refuses before any system call. */
export function socketPathTooLongError(s: Pick<ExchangeState, 'verb' | 'url' | 'socketPath'>): ErrorData {
  return errorData(
    ErrorCode.SOCKET_PATH_TOO_LONG,
    `${s.verb} "${s.url}": dial unix ${s.socketPath}: connect: invalid argument ` +
      `(socket path is ${socketPathBytes(s.socketPath)} bytes; a unix socket address holds at most ${MAX_SOCKET_PATH_BYTES})`,
  );
}

export function tooLargeError(): ErrorData {
  return errorData(ErrorCode.TOO_LARGE, TOO_LARGE_MESSAGE);
}

export function closedClientError(s: Pick<ExchangeState, 'verb' | 'url'>): ErrorData {
  return errorData(ErrorCode.SHUTTING_DOWN, `${s.verb} "${s.url}": plugin client closed`);
}

/** A zlib failure on a gzip body; upstream would report it through its decoder. */
export function gunzipError(err: unknown): ErrorData {
  const e = err as { code?: string; message?: string };
  let text: string;
  if (e.code === 'Z_BUF_ERROR' || /unexpected end of file/i.test(e.message ?? '')) text = 'unexpected EOF';
  else if (/incorrect header check/i.test(e.message ?? '')) text = 'gzip: invalid header';
  else text = `gzip: ${e.message ?? String(err)}`;
  return errorData(ErrorCode.DECODE, `decoding error: ${text}`);
}

/** Printable start of what the peer sent, for `malformed HTTP response "…"`. */
function snippet(data: string): string {
  return JSON.stringify(data.length > 40 ? `${data.slice(0, 40)}…` : data);
}

/** Any error the socket, the response parser or our handler reported for one exchange. */
export function transportError(err: unknown, s: ExchangeState): ErrorData {
  const e = (err ?? {}) as { code?: string; syscall?: string; message?: string; name?: string; data?: unknown };
  const code = e.code;

  if (s.phase === 'connect' || e.syscall === 'connect') {
    if (code !== undefined && !code.startsWith('HTTP_')) {
      return errorData(ErrorCode.CONNECT, `${prefix(s)}dial unix ${s.socketPath}: connect: ${errnoText(code)}`);
    }
  }
  switch (code) {
    case 'HTTP_EOF':
      return errorData(
        ErrorCode.PROTOCOL,
        `${prefix(s)}read unix ${s.socketPath}: ${s.responseBegun ? 'unexpected EOF' : 'EOF'} (connection closed ${closedWhere(s)})`,
      );
    case 'ECONNRESET':
    case 'EPIPE':
      return errorData(ErrorCode.PROTOCOL, `${prefix(s)}read unix ${s.socketPath}: ${errnoText(code)} (${closedWhere(s)})`);
    case 'HTTP_HEADERS_OVERFLOW':
      return errorData(ErrorCode.PROTOCOL, `${prefix(s)}server response headers from unix ${s.socketPath} exceeded ${MAX_HEADER_BYTES} bytes; aborted`);
    case 'HTTP_MALFORMED':
      return errorData(
        ErrorCode.PROTOCOL,
        `${prefix(s)}malformed HTTP response ${snippet(typeof e.data === 'string' ? e.data : '')} from unix ${s.socketPath}: ${e.message ?? ''}`,
      );
    default:
      break;
  }
  if (code !== undefined && ERRNO_TEXT[code] !== undefined) {
    return errorData(ErrorCode.PROTOCOL, `${prefix(s)}read unix ${s.socketPath}: ${errnoText(code)} (${closedWhere(s)})`);
  }
  return errorData(ErrorCode.PROTOCOL, `${prefix(s)}unix ${s.socketPath}: ${code ?? e.name ?? 'Error'}: ${e.message ?? String(err)} ${where(s)}`);
}
