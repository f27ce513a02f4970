/**
 * The plugin-answer HTTP parser on its own: framing (Content-Length, chunked, close-delimited,
 * body-less), what Go tolerates (bare LF, no reason, 1xx), what it refuses with which words, and
 * that any split of the bytes into reads gives the same answer (a socket may deliver any split).
 * The parser over real sockets is covered by plugin-client and hostile-transport tests.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ParseError, ResponseParser, type ResponseHead } from '../../../src/workers/http-response-parser.js';

const LIMIT = 1024;

interface Parsed {
  begun: number;
  head: ResponseHead | null;
  body: string;
  complete: boolean | null;
  error: ParseError | null;
}

/** Feeds `reads` one by one (then EOF if `eof`), recording what the sink heard. */
function parse(reads: readonly (string | Buffer)[], eof = false): Parsed {
  const out: Parsed = { begun: 0, head: null, body: '', complete: null, error: null };
  const chunks: Buffer[] = [];
  const parser = new ResponseParser(
    {
      onBegin: () => out.begun++,
      onHead: (h) => (out.head = h),
      onBody: (c) => chunks.push(Buffer.from(c)),
      onComplete: (reusable) => (out.complete = reusable),
    },
    LIMIT,
  );
  try {
    for (const r of reads) parser.execute(typeof r === 'string' ? Buffer.from(r, 'latin1') : r);
    if (eof) parser.finish();
  } catch (err) {
    if (!(err instanceof ParseError)) throw err;
    out.error = err;
  }
  out.body = Buffer.concat(chunks).toString('latin1');
  return out;
}

function parseError(raw: string, eof = false): ParseError {
  const r = parse([raw], eof);
  assert.ok(r.error, `expected an error for ${JSON.stringify(raw)}, got ${JSON.stringify(r)}`);
  return r.error;
}

describe('framing', () => {
  test('Content-Length: body exactly that long, connection reusable', () => {
    const r = parse(['HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Encoding: GZip \r\n\r\nhello']);
    assert.deepEqual(r.head, { statusCode: 200, statusText: 'OK', contentLength: 5, contentEncoding: 'gzip', keepAliveMs: undefined });
    assert.equal(r.body, 'hello');
    assert.equal(r.complete, true);
    assert.equal(r.begun, 1);
  });

  test('bytes after a complete answer make the connection unusable', () => {
    assert.equal(parse(['HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}extra']).complete, false);
  });

  test('chunked: extensions and trailers ignored, Content-Length beside it ignored', () => {
    const r = parse([
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\nContent-Length: 99\r\n\r\n',
      '5;name=value\r\nhello\r\n1\r\n!\r\n0\r\nX-Trailer: 1\r\n\r\n',
    ]);
    assert.equal(r.head?.contentLength, undefined);
    assert.equal(r.body, 'hello!');
    assert.equal(r.complete, true);
  });

  test('no length: the body runs to EOF and the connection is not reused', () => {
    const open = parse(['HTTP/1.1 200 OK\r\n\r\n{"a":', '1}']);
    assert.equal(open.complete, null, 'not complete before EOF');
    const r = parse(['HTTP/1.1 200 OK\r\n\r\n{"a":', '1}'], true);
    assert.equal(r.body, '{"a":1}');
    assert.equal(r.complete, false);
  });

  test('204, 304 and Content-Length: 0 end with their head', () => {
    for (const status of ['204 No Content', '304 Not Modified']) {
      const r = parse([`HTTP/1.1 ${status}\r\nContent-Length: 10\r\n\r\n`]);
      assert.equal(r.complete, true, status);
      assert.equal(r.body, '');
    }
    assert.equal(parse(['HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n']).complete, true);
  });

  test('Connection: close, and HTTP/1.0 unless keep-alive, are not reused', () => {
    assert.equal(parse(['HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n']).complete, false);
    assert.equal(parse(['HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n']).complete, false);
    assert.equal(parse(['HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 0\r\n\r\n']).complete, true);
  });

  test('Keep-Alive: timeout=N is read as a hint in ms; nonsense is no hint', () => {
    const hint = (v: string) => parse([`HTTP/1.1 200 OK\r\nKeep-Alive: ${v}\r\nContent-Length: 0\r\n\r\n`]).head?.keepAliveMs;
    assert.equal(hint('timeout=5'), 5000);
    assert.equal(hint('max=100, timeout=2'), 2000);
    assert.equal(hint('timeout=soon'), undefined);
    assert.equal(hint('mytimeout=5'), undefined);
  });

  test('1xx interim answers are skipped (at most 5); 101 is refused', () => {
    const r = parse(['HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </x>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}']);
    assert.equal(r.head?.statusCode, 200);
    assert.equal(r.body, '{}');
    assert.equal(r.begun, 1);
    assert.match(parseError('HTTP/1.1 100 Continue\r\n\r\n'.repeat(6)).message, /too many 1xx informational responses/);
    assert.match(parseError('HTTP/1.1 101 Switching Protocols\r\n\r\n').message, /unexpected 101/);
  });

  test('what Go accepts: bare LF head line ends, no reason phrase, odd reason phrases kept', () => {
    const r = parse(['HTTP/1.1 200\nContent-Length: 2\n\n{}']);
    assert.equal(r.head?.statusText, '');
    assert.equal(r.body, '{}');
    assert.equal(parse(['HTTP/1.1 418 I am a teapot \r\n\r\n'], true).head?.statusText, 'I am a teapot ');
  });
});

describe('refusals name the offending text', () => {
  // Every framing case with Go's exact words is in http-framing.test.ts; these check `data`.
  const cases: [string, RegExp, string][] = [
    ['garbage garbage\r\n\r\n', /malformed HTTP status code "garbage"/, 'garbage garbage'],
    ['HTTP/2 200 OK\r\n\r\n', /malformed HTTP version "HTTP\/2"/, 'HTTP/2 200 OK'],
    ['HTTP/1.1 20 OK\r\n\r\n', /malformed HTTP status code "20"/, 'HTTP/1.1 20 OK'],
    ['HTTP/1.1 abc OK\r\n\r\n', /malformed HTTP status code "abc"/, 'HTTP/1.1 abc OK'],
    ['HTTP/1.1 200 OK\r\nno colon here\r\n\r\n', /malformed MIME header: missing colon/, 'no colon here'],
    ['HTTP/1.1 200 OK\r\n folded: x\r\n\r\n', /malformed MIME header initial line/, ' folded: x'],
    ['HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n', /malformed MIME header line/, 'Bad Name: x'],
    ['HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n', /multiple Content-Length headers; got \["1" "2"\]/, 'Content-Length: 2'],
    ['HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n', /bad Content-Length "-1"/, '-1'],
    ['HTTP/1.1 200 OK\r\nContent-Length: 1e3\r\n\r\n', /bad Content-Length "1e3"/, '1e3'],
    ['HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n', /unsupported transfer encoding: "gzip, chunked"/, 'gzip, chunked'],
    ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n', /too many transfer encodings/, 'chunked, chunked'],
    ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nxyz\r\n', /invalid byte in chunk length/, 'xyz'],
    ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffff\r\n', /http chunk length too large/, 'fffffffffffffffff'],
    ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n', /malformed chunked encoding/, 'c\r'],
  ];
  for (const [raw, message, data] of cases) {
    test(JSON.stringify(raw.slice(0, 60)), () => {
      const err = parseError(raw);
      assert.equal(err.code, 'HTTP_MALFORMED');
      assert.match(err.message, message);
      assert.equal(err.data, data);
    });
  }

  test('a head over the limit, whole or dripped, and an endless chunk-size line', () => {
    const big = `HTTP/1.1 200 OK\r\nX: ${'y'.repeat(LIMIT)}\r\n\r\n`;
    assert.equal(parseError(big).code, 'HTTP_HEADERS_OVERFLOW');
    assert.equal(parse(big.match(/.{1,7}/gs)!).error?.code, 'HTTP_HEADERS_OVERFLOW');
    const endless = parse(['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n', '1'.repeat(5000)]);
    assert.match(endless.error?.message ?? '', /header line too long/);
  });

  test('trailers end within 4 KB, as in Go', () => {
    const r = parse(['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n', `X: ${'y'.repeat(600)}\r\n`.repeat(7)]);
    assert.match(r.error?.message ?? '', /suspiciously long trailer/);
  });

  test('EOF says where the answer was cut', () => {
    const at = (raw: string) => parseError(raw, true);
    assert.equal(at('').message, 'connection closed before any response');
    assert.equal(at('HTTP/1.1 200 OK\r\nContent-').message, 'connection closed inside the response headers');
    assert.equal(at('HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nabc').message, 'connection closed in the body');
    assert.equal(at('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab').code, 'HTTP_EOF');
  });
});

describe('any split of the bytes gives the same answer', () => {
  /** A valid answer: framing, line ends, interim answers and body vary. */
  const answer = fc
    .record({
      framing: fc.constantFrom('length', 'chunked', 'close'),
      lf: fc.boolean(),
      interim: fc.integer({ min: 0, max: 2 }),
      body: fc.string({ unit: 'binary-ascii', maxLength: 300 }),
      chunkSizes: fc.array(fc.integer({ min: 1, max: 64 }), { maxLength: 8 }),
      status: fc.constantFrom('200 OK', '500 Internal Server Error', '404'),
    })
    .map(({ framing, lf, interim, body, chunkSizes, status }) => {
      const nl = lf ? '\n' : '\r\n';
      let raw = `HTTP/1.1 102 Processing${nl}${nl}`.repeat(interim) + `HTTP/1.1 ${status}${nl}Server: t${nl}`;
      if (framing === 'length') raw += `Content-Length: ${body.length}${nl}${nl}${body}`;
      else if (framing === 'close') raw += `${nl}${body}`;
      else {
        raw += `Transfer-Encoding: chunked${nl}${nl}`;
        let rest = body;
        for (let i = 0; rest.length > 0; i++) {
          const size = Math.min(rest.length, chunkSizes[i % Math.max(1, chunkSizes.length)] ?? rest.length);
          raw += `${size.toString(16)}\r\n${rest.slice(0, size)}\r\n`;
          rest = rest.slice(size);
        }
        raw += `0\r\n\r\n`;
      }
      return { raw, body, eof: framing === 'close' };
    });

  test('whole, and cut at random points', () => {
    fc.assert(
      fc.property(answer, fc.array(fc.nat(), { maxLength: 12 }), ({ raw, body, eof }, cuts) => {
        const bytes = Buffer.from(raw, 'latin1');
        const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
        const reads: Buffer[] = [];
        let from = 0;
        for (const p of [...points, bytes.length]) {
          reads.push(bytes.subarray(from, p));
          from = p;
        }
        const whole = parse([bytes], eof);
        const split = parse(reads, eof);
        assert.equal(whole.error, null, whole.error?.message);
        assert.equal(whole.body, body);
        assert.deepEqual(split, whole);
      }),
      { numRuns: 400 },
    );
  });
});
