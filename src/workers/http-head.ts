/**
 * The parts of a plugin answer's head read by Go's rules (net/http ReadResponse and
 * net/textproto ReadMIMEHeader of Go 1.19, upstream's client): the status line, header fields,
 * the framing fields' values, and Go's quoting for error texts. Used by http-response-parser.ts.
 */

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

/** Go parses Content-Length as an unsigned 63-bit number. */
const MAX_CONTENT_LENGTH = 2n ** 63n - 1n;
const LF = 10;
const CR = 13;
const SP = 32;
const HT = 9;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const DIGITS = /^[0-9]+$/;
/** The header fields the framing depends on (lower case). */
const FRAMING_FIELDS = new Set(['content-length', 'transfer-encoding', 'content-encoding', 'connection', 'keep-alive']);

export interface StatusLine {
  readonly line: string;
  readonly code: number;
  readonly reason: string;
  /** Below HTTP/1.1: Go ignores Transfer-Encoding and closes unless told keep-alive. */
  readonly http10: boolean;
  /** HTTP/0.x: Go never reuses the connection. */
  readonly http09: boolean;
}

/**
 * The status line as Go's ReadResponse splits it, checks in its order: a space after the
 * protocol, a three-character code that parses as a non-negative integer, then HTTP/X.Y.
 */
export function parseStatusLine(line: string): StatusLine {
  const space = line.indexOf(' ');
  if (space < 0) throw malformed(`malformed HTTP response ${goQuote(line)}`, line);
  const proto = line.slice(0, space);
  let rest = space + 1;
  while (line.charCodeAt(rest) === SP) rest++;
  const status = line.slice(rest);
  const space2 = status.indexOf(' ');
  const code = space2 < 0 ? status : status.slice(0, space2);
  if (code.length !== 3 || !/^[+-]?[0-9]+$/.test(code) || Number(code) < 0) throw malformed(`malformed HTTP status code ${goQuote(code)}`, line);
  const version = /^HTTP\/([0-9])\.([0-9])$/.exec(proto);
  if (version === null) throw malformed(`malformed HTTP version ${goQuote(proto)}`, line);
  const major = Number(version[1]);
  const minor = Number(version[2]);
  return {
    line,
    code: Number(code),
    reason: space2 < 0 ? '' : status.slice(space2 + 1),
    http10: major < 1 || (major === 1 && minor === 0),
    http09: major < 1,
  };
}

export interface Fields {
  readonly get: (lowerName: string) => string[] | undefined;
  /** Index just past the empty line that ended the fields (or the text's length). */
  readonly end: number;
}

/**
 * Header fields from `start` as Go's textproto reads them: lines end in LF with an optional CR,
 * a line starting with space or tab continues the previous field, a value loses leading and
 * trailing spaces and tabs (nothing else), a field name is a token. Only framing fields are kept.
 */
export function readFields(text: string, start: number): Fields {
  const kept = new Map<string, string[]>();
  let last: { name: string; values: string[] } | null = null;
  let pos = start;
  while (pos < text.length) {
    let nl = text.indexOf('\n', pos);
    if (nl < 0) nl = text.length;
    const line = stripCR(text.slice(pos, nl));
    pos = nl + 1;
    if (line === '') return { get: (n) => kept.get(n), end: pos };
    const first = line.charCodeAt(0);
    if (first === SP || first === HT) {
      if (last === null) throw malformed(`malformed MIME header initial line: ${line}`, line);
      const i = last.values.length - 1;
      last.values[i] = `${last.values[i]} ${trimOWS(line)}`;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon < 0) throw malformed(`malformed MIME header: missing colon: ${goQuote(line)}`, line);
    const name = line.slice(0, colon);
    if (!TOKEN.test(name)) throw malformed(`malformed MIME header line: ${line}`, line);
    const lower = name.toLowerCase();
    if (!FRAMING_FIELDS.has(lower)) {
      last = { name: lower, values: [''] };
      continue;
    }
    let values = kept.get(lower);
    if (values === undefined) kept.set(lower, (values = []));
    values.push(trimOWS(line.slice(colon + 1)));
    last = { name: lower, values };
  }
  return { get: (n) => kept.get(n), end: pos };
}

/** Go's parseTransferEncoding (HTTP/1.1): exactly one field, ASCII-case-insensitively `chunked`. */
export function chunkedCoding(values: string[]): true {
  if (values.length !== 1) throw malformed(`too many transfer encodings: ${goQuoteList(values)}`, values.join(', '));
  const value = values[0]!;
  if (value.length !== 7 || value.toLowerCase() !== 'chunked' || !/^[a-zA-Z]+$/.test(value)) {
    throw malformed(`unsupported transfer encoding: ${goQuote(value)}`, value);
  }
  return true;
}

/** Go's parseContentLength on an already trimmed value: decimal digits only, at most 2^63-1. */
export function parseContentLength(value: string): number {
  if (!DIGITS.test(value) || BigInt(value) > MAX_CONTENT_LENGTH) throw malformed(`bad Content-Length ${goQuote(value)}`, value);
  return Number(value);
}

/** Go's textproto.TrimString: space, tab, CR and LF at either end; not \v, \f or U+00A0. */
export function trimString(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && isGoSpace(s.charCodeAt(a))) a++;
  while (b > a && isGoSpace(s.charCodeAt(b - 1))) b--;
  return s.slice(a, b);
}

/** Spaces and tabs at either end, as textproto trims a header line. */
function trimOWS(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && (s.charCodeAt(a) === SP || s.charCodeAt(a) === HT)) a++;
  while (b > a && (s.charCodeAt(b - 1) === SP || s.charCodeAt(b - 1) === HT)) b--;
  return s.slice(a, b);
}

export function isGoSpace(c: number): boolean {
  return c === SP || c === HT || c === CR || c === LF;
}

/** Go's %q of a byte string (here latin1: one char per byte), so error texts read as Go's. */
export function goQuote(latin1: string): string {
  const bytes = Buffer.from(latin1, 'latin1');
  let out = '"';
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    if (b < 0x80) {
      out += ASCII_ESCAPES[b] ?? (b < 0x20 || b === 0x7f ? `\\x${hex2(b)}` : String.fromCharCode(b));
      i++;
      continue;
    }
    const len = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    const seq = bytes.subarray(i, i + len);
    const decoded = len > 1 && seq.length === len ? seq.toString('utf8') : '\ufffd';
    const cp = decoded.codePointAt(0)!;
    if (decoded === '\ufffd' || Buffer.byteLength(decoded) !== len) {
      out += `\\x${hex2(b)}`;
      i++;
    } else {
      out += /[\p{L}\p{M}\p{N}\p{P}\p{S}\u0020]/u.test(decoded)
        ? decoded
        : cp > 0xffff
          ? `\\U${cp.toString(16).padStart(8, '0')}`
          : `\\u${cp.toString(16).padStart(4, '0')}`;
      i += len;
    }
  }
  return `${out}"`;
}

/** Go's %q of a []string: `["a" "b"]`. */
export function goQuoteList(values: readonly string[]): string {
  return `[${values.map(goQuote).join(' ')}]`;
}

const ASCII_ESCAPES: Record<number, string> = { 7: '\\a', 8: '\\b', 9: '\\t', 10: '\\n', 11: '\\v', 12: '\\f', 13: '\\r', 34: '\\"', 92: '\\\\' };

function hex2(b: number): string {
  return b.toString(16).padStart(2, '0');
}

export function stripCR(line: string): string {
  return line.charCodeAt(line.length - 1) === CR ? line.slice(0, -1) : line;
}

export function malformed(reason: string, data: string): ParseError {
  return new ParseError('HTTP_MALFORMED', reason, data);
}
