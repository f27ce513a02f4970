/**
 * The response framing table: for each answer, what Go's net/http client (the release upstream's
 * plugin host was built with, Go 1.19) does when it reads the whole body (`io.ReadAll`): the body,
 * or a refusal with Go's error text. test/unit/workers/http-framing.test.ts holds the parser to it;
 * test/service/http-framing-go.test.ts checks it against the real upstream probe where it can run.
 *
 * Where each outcome comes from (Go source, function):
 *  - status line: net/http/response.go ReadResponse, ParseHTTPVersion
 *  - header lines: net/textproto/reader.go ReadMIMEHeader, readContinuedLineSlice, trim
 *    (values lose spaces and tabs only), mustHaveFieldNameColon
 *  - Transfer-Encoding: net/http/transfer.go parseTransferEncoding (ignored below HTTP/1.1; one
 *    field, ascii.EqualFold with "chunked"; it deletes Content-Length)
 *  - Content-Length: net/http/transfer.go fixLength (duplicates compared after
 *    textproto.TrimString, which trims space, tab, CR and LF; then 1xx/204/304 have no body; then
 *    chunked; then parseContentLength = strconv.ParseUint(v, 10, 63))
 *  - chunked bodies: net/http/internal/chunked.go readChunkLine (4 KB line, trimTrailingWhitespace,
 *    removeChunkExtension), parseHexUint (empty is 0, 16 digits at most), chunkedReader.Read (CRLF
 *    exactly after data); net/http/transfer.go body.readTrailer, seeUpcomingDoubleCRLF
 *  - 1xx: net/http/transport.go persistConn.readResponse (max1xxResponses = 5)
 *  - EOF: the connection closing where Go expects more is io.ErrUnexpectedEOF, or
 *    errTrailerEOF in the trailer; the parser reports those with the code HTTP_EOF.
 */

/** Go's outcome: the body it reads, or its error text (`eof`: the refusal is an unexpected EOF). */
export type Outcome = { body: string } | { error: string; eof?: true };

export interface Case {
  readonly name: string;
  /** The answer's bytes (latin1 string: one char per byte). */
  readonly raw: string;
  /** The plugin closes the connection after `raw`. */
  readonly eof?: true;
  readonly go: Outcome;
}

const OK = 'HTTP/1.1 200 OK\r\n';
const CHUNKED_HELLO = '5\r\nhello\r\n0\r\n\r\n';
/** UTF-8 bytes of U+212A KELVIN SIGN, which Unicode case folding (not ASCII) equates with 'k'. */
const KELVIN = '\xe2\x84\xaa';

export const FRAMING_CASES: readonly Case[] = [
  // Content-Length and whitespace
  { name: 'CL plain', raw: `${OK}Content-Length: 5\r\n\r\nhello`, go: { body: 'hello' } },
  { name: 'CL spaces and tabs around', raw: `${OK}Content-Length: \t 5 \t\r\n\r\nhello`, go: { body: 'hello' } },
  { name: 'CL no space after colon', raw: `${OK}Content-Length:5\r\n\r\nhello`, go: { body: 'hello' } },
  { name: 'CL then a stray CR (TrimString drops it)', raw: `${OK}Content-Length: 5\r\r\n\r\nhello`, go: { body: 'hello' } },
  { name: 'CL with trailing \\v', raw: `${OK}Content-Length: 5\x0b\r\n\r\nhello`, go: { error: 'bad Content-Length "5\\v"' } },
  { name: 'CL with leading \\f', raw: `${OK}Content-Length: \x0c195\r\n\r\nhello`, go: { error: 'bad Content-Length "\\f195"' } },
  { name: 'CL with trailing NBSP byte', raw: `${OK}Content-Length: 195\xa0\r\n\r\nhello`, go: { error: 'bad Content-Length "195\\xa0"' } },
  { name: 'CL with trailing UTF-8 NBSP', raw: `${OK}Content-Length: 5\xc2\xa0\r\n\r\nhello`, go: { error: 'bad Content-Length "5\\u00a0"' } },
  { name: 'CL with plus sign', raw: `${OK}Content-Length: +5\r\n\r\nhello`, go: { error: 'bad Content-Length "+5"' } },
  { name: 'CL negative', raw: `${OK}Content-Length: -5\r\n\r\nhello`, go: { error: 'bad Content-Length "-5"' } },
  { name: 'CL hex', raw: `${OK}Content-Length: 0x5\r\n\r\nhello`, go: { error: 'bad Content-Length "0x5"' } },
  { name: 'CL exponent', raw: `${OK}Content-Length: 1e3\r\n\r\nhello`, go: { error: 'bad Content-Length "1e3"' } },
  { name: 'CL list in one field', raw: `${OK}Content-Length: 5, 5\r\n\r\nhello`, go: { error: 'bad Content-Length "5, 5"' } },
  { name: 'CL inner space', raw: `${OK}Content-Length: 5 5\r\n\r\nhello`, go: { error: 'bad Content-Length "5 5"' } },
  { name: 'CL leading zeros', raw: `${OK}Content-Length: 0000000000000000000005\r\n\r\nhello`, go: { body: 'hello' } },
  { name: 'CL over 2^63-1', raw: `${OK}Content-Length: 9223372036854775808\r\n\r\nhello`, go: { error: 'bad Content-Length "9223372036854775808"' } },
  { name: 'CL empty: read to EOF', raw: `${OK}Content-Length:\r\n\r\nhello`, eof: true, go: { body: 'hello' } },
  { name: 'CL spaces only: read to EOF', raw: `${OK}Content-Length:   \r\n\r\nhello`, eof: true, go: { body: 'hello' } },
  { name: 'CL folded onto a continuation line', raw: `${OK}Content-Length: 1\r\n 0\r\n\r\nhello`, go: { error: 'bad Content-Length "1 0"' } },
  { name: 'CL cut short by EOF', raw: `${OK}Content-Length: 9\r\n\r\nhello`, eof: true, go: { error: 'unexpected EOF', eof: true } },
  // duplicate Content-Length
  { name: 'CL duplicated, equal', raw: `${OK}Content-Length: 5\r\ncontent-length: 5\r\n\r\nhello`, go: { body: 'hello' } },
  { name: 'CL duplicated, equal after trimming', raw: `${OK}Content-Length: 5\r\nContent-Length: 5\r\r\n\r\nhello`, go: { body: 'hello' } },
  {
    name: 'CL duplicated, conflicting',
    raw: `${OK}Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!`,
    go: { error: 'http: message cannot contain multiple Content-Length headers; got ["5" "6"]' },
  },
  {
    name: 'CL duplicated, one with \\v',
    raw: `${OK}Content-Length: 5\r\nContent-Length: 5\x0b\r\n\r\nhello`,
    go: { error: 'http: message cannot contain multiple Content-Length headers; got ["5" "5\\v"]' },
  },
  {
    name: 'CL duplicated, one empty',
    raw: `${OK}Content-Length: 5\r\nContent-Length:\r\n\r\nhello`,
    go: { error: 'http: message cannot contain multiple Content-Length headers; got ["5" ""]' },
  },
  // Transfer-Encoding
  { name: 'TE chunked', raw: `${OK}Transfer-Encoding: chunked\r\n\r\n${CHUNKED_HELLO}`, go: { body: 'hello' } },
  { name: 'TE upper case', raw: `${OK}TRANSFER-ENCODING: CHUNKED\r\n\r\n${CHUNKED_HELLO}`, go: { body: 'hello' } },
  { name: 'TE mixed case, spaces and tabs around', raw: `${OK}Transfer-Encoding: \tChunKed \t\r\n\r\n${CHUNKED_HELLO}`, go: { body: 'hello' } },
  { name: 'TE chunked\\v', raw: `${OK}Transfer-Encoding: chunked\x0b\r\n\r\n${CHUNKED_HELLO}`, go: { error: 'unsupported transfer encoding: "chunked\\v"' } },
  {
    name: 'TE chunked + NBSP byte',
    raw: `${OK}Transfer-Encoding: chunked\xa0\r\n\r\n${CHUNKED_HELLO}`,
    go: { error: 'unsupported transfer encoding: "chunked\\xa0"' },
  },
  { name: 'TE \\f chunked', raw: `${OK}Transfer-Encoding: \x0cchunked\r\n\r\n${CHUNKED_HELLO}`, go: { error: 'unsupported transfer encoding: "\\fchunked"' } },
  {
    name: 'TE chunked then a stray CR',
    raw: `${OK}Transfer-Encoding: chunked\r\r\n\r\n${CHUNKED_HELLO}`,
    go: { error: 'unsupported transfer encoding: "chunked\\r"' },
  },
  {
    name: 'TE with a Kelvin sign',
    raw: `${OK}Transfer-Encoding: chun${KELVIN}ed\r\n\r\n${CHUNKED_HELLO}`,
    go: { error: 'unsupported transfer encoding: "chun\u212aed"' },
  },
  {
    name: 'TE chunked, identity',
    raw: `${OK}Transfer-Encoding: chunked, identity\r\n\r\n${CHUNKED_HELLO}`,
    go: { error: 'unsupported transfer encoding: "chunked, identity"' },
  },
  {
    name: 'TE gzip, chunked',
    raw: `${OK}Transfer-Encoding: gzip, chunked\r\n\r\n${CHUNKED_HELLO}`,
    go: { error: 'unsupported transfer encoding: "gzip, chunked"' },
  },
  {
    name: 'TE identity',
    raw: `${OK}Transfer-Encoding: identity\r\nContent-Length: 5\r\n\r\nhello`,
    go: { error: 'unsupported transfer encoding: "identity"' },
  },
  { name: 'TE unknown coding', raw: `${OK}Transfer-Encoding: x-custom\r\n\r\nhello`, eof: true, go: { error: 'unsupported transfer encoding: "x-custom"' } },
  { name: 'TE empty', raw: `${OK}Transfer-Encoding:\r\n\r\nhello`, eof: true, go: { error: 'unsupported transfer encoding: ""' } },
  {
    name: 'TE twice',
    raw: `${OK}Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n${CHUNKED_HELLO}`,
    go: { error: 'too many transfer encodings: ["chunked" "chunked"]' },
  },
  { name: 'TE chunked beside CL: chunked wins', raw: `${OK}Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n${CHUNKED_HELLO}`, go: { body: 'hello' } },
  {
    name: 'TE chunked beside conflicting CLs: the CLs are dropped first',
    raw: `${OK}Content-Length: 3\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n${CHUNKED_HELLO}`,
    go: { body: 'hello' },
  },
  {
    name: 'TE unsupported beside conflicting CLs: the coding is checked first',
    raw: `${OK}Content-Length: 3\r\nContent-Length: 4\r\nTransfer-Encoding: gzip\r\n\r\nhello`,
    go: { error: 'unsupported transfer encoding: "gzip"' },
  },
  // HTTP/1.0 ignores Transfer-Encoding
  {
    name: 'HTTP/1.0 + TE chunked: raw bytes to EOF',
    raw: `HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${CHUNKED_HELLO}`,
    eof: true,
    go: { body: CHUNKED_HELLO },
  },
  {
    name: 'HTTP/1.0 + TE chunked + CL: CL frames',
    raw: `HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n${CHUNKED_HELLO}`,
    go: { body: '5\r\nhe' },
  },
  { name: 'HTTP/1.0 + TE gzip: ignored', raw: `HTTP/1.0 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nhello`, eof: true, go: { body: 'hello' } },
  {
    name: 'HTTP/1.0 + TE twice: ignored',
    raw: `HTTP/1.0 200 OK\r\nTransfer-Encoding: a\r\nTransfer-Encoding: b\r\n\r\nhello`,
    eof: true,
    go: { body: 'hello' },
  },
  // chunk-size lines
  {
    name: 'chunk size with leading space',
    raw: `${OK}Transfer-Encoding: chunked\r\n\r\n 5\r\nhello\r\n0\r\n\r\n`,
    go: { error: 'invalid byte in chunk length' },
  },
  {
    name: 'chunk size with leading tab',
    raw: `${OK}Transfer-Encoding: chunked\r\n\r\n\t5\r\nhello\r\n0\r\n\r\n`,
    go: { error: 'invalid byte in chunk length' },
  },
  { name: 'chunk size with trailing spaces and tabs', raw: `${OK}Transfer-Encoding: chunked\r\n\r\n5 \t \r\nhello\r\n0\t\r\n\r\n`, go: { body: 'hello' } },
  {
    name: 'chunk size with trailing \\v',
    raw: `${OK}Transfer-Encoding: chunked\r\n\r\n5\x0b\r\nhello\r\n0\r\n\r\n`,
    go: { error: 'invalid byte in chunk length' },
  },
  {
    name: 'chunk size, space, extension',
    raw: `${OK}Transfer-Encoding: chunked\r\n\r\n5 ;a=b\r\nhello\r\n0\r\n\r\n`,
    go: { error: 'invalid byte in chunk length' },
  },
  { name: 'chunk extensions', raw: `${OK}Transfer-Encoding: chunked\r\n\r\n5;a=b;c="d;e"\r\nhello\r\n0;last\r\n\r\n`, go: { body: 'hello' } },
  { name: 'chunk size in upper-case hex', raw: `${OK}Transfer-Encoding: chunked\r\n\r\nA\r\nhellohello\r\n0\r\n\r\n`, go: { body: 'hellohello' } },
  { name: 'chunk size 0x-prefixed', raw: `${OK}Transfer-Encoding: chunked\r\n\r\n0x5\r\nhello\r\n0\r\n\r\n`, go: { error: 'invalid byte in chunk length' } },
  { name: 'chunk size with sign', raw: `${OK}Transfer-Encoding: chunked\r\n\r\n+5\r\nhello\r\n0\r\n\r\n`, go: { error: 'invalid byte in chunk length' } },
  { name: 'chunk size empty means the last chunk', raw: `${OK}Transfer-Encoding: chunked\r\n\r\n\r\n\r\n`, go: { body: '' } },
  { name: 'chunk size of 16 digits', raw: `${OK}Transfer-Encoding: chunked\r\n\r\n0000000000000005\r\nhello\r\n0\r\n\r\n`, go: { body: 'hello' } },
  {
    name: 'chunk size of 17 digits',
    raw: `${OK}Transfer-Encoding: chunked\r\n\r\n00000000000000005\r\nhello\r\n0\r\n\r\n`,
    go: { error: 'http chunk length too large' },
  },
  {
    name: 'chunk size line of 4095 bytes with its LF',
    raw: `${OK}Transfer-Encoding: chunked\r\n\r\n5;${'x'.repeat(4091)}\r\nhello\r\n0\r\n\r\n`,
    go: { body: 'hello' },
  },
  {
    name: 'chunk size line of 4096 bytes with its LF',
    raw: `${OK}Transfer-Encoding: chunked\r\n\r\n5;${'x'.repeat(4092)}\r\nhello\r\n0\r\n\r\n`,
    go: { error: 'header line too long' },
  },
  // the CRLF after chunk data, line ends, trailers
  { name: 'chunk data followed by bare LF', raw: `${OK}Transfer-Encoding: chunked\r\n\r\n5\r\nhello\n0\r\n\r\n`, go: { error: 'malformed chunked encoding' } },
  { name: 'chunk data longer than its size', raw: `${OK}Transfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n0\r\n\r\n`, go: { error: 'malformed chunked encoding' } },
  { name: 'chunk-size lines with bare LF', raw: `${OK}Transfer-Encoding: chunked\r\n\r\n5\nhello\r\n0\n\r\n`, go: { body: 'hello' } },
  { name: 'trailer fields', raw: `${OK}Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\nX-Sum: 1\r\nX-More: 2\r\n\r\n`, go: { body: 'hello' } },
  {
    name: 'trailer line without a colon',
    raw: `${OK}Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\nbad\r\n\r\n`,
    go: { error: 'malformed MIME header: missing colon: "bad"' },
  },
  {
    name: 'trailer ended by bare LF, then EOF',
    raw: `${OK}Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\nX: 1\n\n`,
    eof: true,
    go: { error: 'http: suspiciously long trailer after chunked body' },
  },
  {
    name: 'missing final CRLF, then EOF',
    raw: `${OK}Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n`,
    eof: true,
    go: { error: 'http: unexpected EOF reading trailer', eof: true },
  },
  {
    name: 'final bare LF, then EOF',
    raw: `${OK}Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\n`,
    eof: true,
    go: { error: 'http: unexpected EOF reading trailer', eof: true },
  },
  { name: 'EOF inside chunk data', raw: `${OK}Transfer-Encoding: chunked\r\n\r\n5\r\nhel`, eof: true, go: { error: 'unexpected EOF', eof: true } },
  // head line ends, folding, status lines
  { name: 'head with bare LF line ends', raw: 'HTTP/1.1 200 OK\nContent-Length: 5\n\nhello', go: { body: 'hello' } },
  { name: 'head with mixed line ends', raw: 'HTTP/1.1 200 OK\r\nX-A: 1\nContent-Length: 5\r\n\nhello', go: { body: 'hello' } },
  { name: 'continuation line joined to its field', raw: `${OK}X-A: 1\r\n  2\r\nContent-Length: 5\r\n\r\nhello`, go: { body: 'hello' } },
  {
    name: 'first header line starting with a space',
    raw: `${OK} X-A: 1\r\nContent-Length: 5\r\n\r\nhello`,
    go: { error: 'malformed MIME header initial line:  X-A: 1' },
  },
  {
    name: 'header line without a colon',
    raw: `${OK}no colon here\r\nContent-Length: 5\r\n\r\nhello`,
    go: { error: 'malformed MIME header: missing colon: "no colon here"' },
  },
  { name: 'no length, no coding: read to EOF', raw: `${OK}\r\nhello`, eof: true, go: { body: 'hello' } },
  { name: 'status line without a space', raw: 'HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello', go: { error: 'malformed HTTP response "HTTP/1.1"' } },
  { name: 'status code of two digits', raw: 'HTTP/1.1 20 OK\r\nContent-Length: 5\r\n\r\nhello', go: { error: 'malformed HTTP status code "20"' } },
  { name: 'status code not a number', raw: 'HTTP/1.1 2x0 OK\r\nContent-Length: 5\r\n\r\nhello', go: { error: 'malformed HTTP status code "2x0"' } },
  { name: 'not HTTP', raw: 'HELLO/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello', go: { error: 'malformed HTTP version "HELLO/1.1"' } },
  { name: 'HTTP/1.2 is read as 1.x', raw: 'HTTP/1.2 200 OK\r\nContent-Length: 5\r\n\r\nhello', go: { body: 'hello' } },
  { name: 'two spaces before the status code', raw: 'HTTP/1.1  200 OK\r\nContent-Length: 5\r\n\r\nhello', go: { body: 'hello' } },
  // 1xx, 204, 304
  {
    name: '1xx answers skipped',
    raw: `HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </x>\r\n\r\n${OK}Content-Length: 5\r\n\r\nhello`,
    go: { body: 'hello' },
  },
  {
    name: 'six 1xx answers',
    raw: `${'HTTP/1.1 100 Continue\r\n\r\n'.repeat(6)}${OK}Content-Length: 5\r\n\r\nhello`,
    go: { error: 'net/http: too many 1xx informational responses' },
  },
  {
    name: '1xx with a body: the body is read as the next status line',
    raw: `HTTP/1.1 100 Continue\r\nContent-Length: 5\r\n\r\nhello${OK}Content-Length: 5\r\n\r\nhello`,
    go: { error: 'malformed HTTP version "helloHTTP/1.1"' },
  },
  {
    name: '1xx with an unsupported coding',
    raw: `HTTP/1.1 103 Early Hints\r\nTransfer-Encoding: gzip\r\n\r\n${OK}Content-Length: 5\r\n\r\nhello`,
    go: { error: 'unsupported transfer encoding: "gzip"' },
  },
  { name: '204 with CL and a body: no body', raw: 'HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\nhello', go: { body: '' } },
  { name: '304 with chunked: no body', raw: `HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n${CHUNKED_HELLO}`, go: { body: '' } },
  {
    name: '204 with conflicting CLs: refused before the status is looked at',
    raw: 'HTTP/1.1 204 No Content\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n',
    go: { error: 'http: message cannot contain multiple Content-Length headers; got ["1" "2"]' },
  },
  { name: '204 with a bad CL: no body (the value is never parsed)', raw: 'HTTP/1.1 204 No Content\r\nContent-Length: x\r\n\r\n', go: { body: '' } },
];
