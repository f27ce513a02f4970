/**
 * HttpAttempt driven through its ExchangeHandler interface, as a connection drives it: what it
 * answers for each status, body and encoding, when it drops the connection (`abandon`), and
 * which failures are safe to retry on a fresh connection. Decompression is real zlib.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { ErrorCode } from '../../../src/shared/errors.js';
import { HttpAttempt, type AttemptEnd } from '../../../src/workers/http-attempt.js';
import type { ResponseHead } from '../../../src/workers/http-response-parser.js';

interface Run {
  attempt: HttpAttempt;
  ends: AttemptEnd[];
  abandoned: () => number;
  ended: Promise<AttemptEnd>;
}

function start(maxResponseBytes = 1024): Run {
  const ends: AttemptEnd[] = [];
  let abandoned = 0;
  let resolve!: (end: AttemptEnd) => void;
  const ended = new Promise<AttemptEnd>((r) => (resolve = r));
  const attempt = new HttpAttempt({
    verb: 'GET',
    url: '/report',
    socketPath: '/run/p.sock',
    timeoutMs: 500,
    maxResponseBytes,
    onEnd: (end) => {
      ends.push(end);
      resolve(end);
    },
    abandon: () => abandoned++,
  });
  return { attempt, ends, abandoned: () => abandoned, ended };
}

function head(statusCode: number, extra: Partial<ResponseHead> = {}): ResponseHead {
  return { statusCode, statusText: '', contentLength: undefined, contentEncoding: '', keepAliveMs: undefined, ...extra };
}

function failed(end: AttemptEnd | undefined): Extract<AttemptEnd, { kind: 'failed' }> {
  assert.equal(end?.kind, 'failed', JSON.stringify(end));
  return end as Extract<AttemptEnd, { kind: 'failed' }>;
}

describe('HttpAttempt', () => {
  test('a 200 answers its body in one piece and keeps the connection', () => {
    const { attempt, ends, abandoned } = start();
    attempt.onSent(false);
    attempt.onBegin();
    attempt.onHead(head(200, { contentLength: 5 }));
    attempt.onBody(Buffer.from('he'));
    attempt.onBody(Buffer.from('llo'));
    attempt.onEnd();
    assert.equal(ends.length, 1);
    const end = ends[0]!;
    assert.ok(end.kind === 'response');
    assert.equal(end.statusCode, 200);
    assert.equal(end.statusText, 'OK', 'the standard phrase when the server sent none');
    assert.equal(end.body.toString(), 'hello');
    assert.equal(abandoned(), 0);
  });

  test("a non-200 answers its status and the server's phrase; its body is drained, not kept", () => {
    const { attempt, ends } = start();
    attempt.onSent(false);
    attempt.onHead(head(500, { statusText: 'Kaputt' }));
    attempt.onBody(Buffer.alloc(100));
    attempt.onEnd();
    assert.deepEqual(ends, [{ kind: 'response', statusCode: 500, statusText: 'Kaputt', body: Buffer.alloc(0) }]);
  });

  test('a non-200 body past 64 KiB answers at once and drops the connection', () => {
    const { attempt, ends, abandoned } = start();
    attempt.onHead(head(503));
    attempt.onBody(Buffer.alloc(64 * 1024));
    assert.equal(ends.length, 0);
    attempt.onBody(Buffer.alloc(1));
    assert.equal(ends.length, 1);
    assert.equal(abandoned(), 1);
    attempt.onEnd();
    assert.equal(ends.length, 1, 'reported once');
  });

  test('a Content-Length or a body over the cap fails TOO_LARGE and drops the connection', () => {
    const announced = start(10);
    announced.attempt.onHead(head(200, { contentLength: 11 }));
    assert.equal(failed(announced.ends[0]).error.code, ErrorCode.TOO_LARGE);
    assert.equal(announced.abandoned(), 1);

    const chunked = start(10);
    chunked.attempt.onHead(head(200));
    chunked.attempt.onBody(Buffer.alloc(6));
    assert.equal(chunked.ends.length, 0);
    chunked.attempt.onBody(Buffer.alloc(5));
    assert.equal(failed(chunked.ends[0]).error.code, ErrorCode.TOO_LARGE);
    assert.equal(chunked.abandoned(), 1);
  });

  test('a gzip body is decoded; one that inflates past the cap fails TOO_LARGE', async () => {
    const ok = start(1024);
    ok.attempt.onHead(head(200, { contentEncoding: 'gzip' }));
    ok.attempt.onBody(gzipSync('{"Plugins":[]}'));
    ok.attempt.onEnd();
    const end = await ok.ended;
    assert.ok(end.kind === 'response');
    assert.equal(end.body.toString(), '{"Plugins":[]}');

    const bomb = start(64 * 1024);
    const zipped = gzipSync(Buffer.alloc(1 << 20));
    assert.ok(zipped.length < 64 * 1024);
    bomb.attempt.onHead(head(200, { contentEncoding: 'x-gzip' }));
    bomb.attempt.onBody(zipped);
    bomb.attempt.onEnd();
    assert.equal(failed(await bomb.ended).error.code, ErrorCode.TOO_LARGE);
    assert.equal(bomb.abandoned(), 1);
  });

  test('broken gzip and unknown encodings fail DECODE', async () => {
    const broken = start();
    broken.attempt.onHead(head(200, { contentEncoding: 'gzip' }));
    broken.attempt.onBody(Buffer.from('not gzip at all'));
    broken.attempt.onEnd();
    assert.equal(failed(await broken.ended).error.code, ErrorCode.DECODE);

    const br = start();
    br.attempt.onHead(head(200, { contentEncoding: 'br' }));
    const error = failed(br.ends[0]).error;
    assert.equal(error.code, ErrorCode.DECODE);
    assert.match(error.message, /unsupported Content-Encoding "br"/);
  });

  test('a reset on a reused connection before any response byte is stale (retry); on a fresh one it is not', () => {
    const reset = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
    const reused = start();
    reused.attempt.onSent(true);
    reused.attempt.onError(reset);
    assert.equal(failed(reused.ends[0]).stale, true);

    const fresh = start();
    fresh.attempt.onSent(false);
    fresh.attempt.onError(reset);
    assert.equal(failed(fresh.ends[0]).stale, false);

    const begun = start();
    begun.attempt.onSent(true);
    begun.attempt.onBegin();
    begun.attempt.onError(reset);
    assert.equal(failed(begun.ends[0]).stale, false, 'the plugin had started answering');
  });

  test('an error after a non-200 head still answers the status; abort and cancel report at most once', () => {
    const { attempt, ends } = start();
    attempt.onHead(head(404));
    attempt.onError(new Error('socket hang up'));
    assert.deepEqual(
      ends.map((e) => e.kind === 'response' && e.statusCode),
      [404],
    );

    const aborted = start();
    aborted.attempt.abort();
    aborted.attempt.onHead(head(200));
    aborted.attempt.onEnd();
    assert.equal(aborted.ends.length, 0);
    assert.equal(aborted.abandoned(), 1);

    const cancelled = start();
    const end: AttemptEnd = { kind: 'failed', error: { code: ErrorCode.TIMEOUT, message: 'late' }, stale: false };
    cancelled.attempt.cancel(end);
    cancelled.attempt.cancel(end);
    assert.deepEqual(cancelled.ends, [end]);
  });
});
