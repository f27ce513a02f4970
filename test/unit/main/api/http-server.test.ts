/**
 * The HTTP mapping of the API on a real server on an ephemeral loopback port: the route table's
 * 404 and 405, HEAD, the body cap, gzip for large replies, JSON errors for a handler that throws.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import { pino } from 'pino';
import { ApiServer, json } from '../../../../src/main/api/http-server.js';
import { call } from '../../../helpers/http-call.js';

describe('ApiServer', () => {
  const api = new ApiServer(pino({ level: 'silent' }));
  const big = 'x'.repeat(64 << 10);
  const echoed: Array<Buffer | null> = [];
  let port = 0;

  before(async () => {
    api
      .route('GET', '/small', () => json(200, { hello: 'world' }))
      .route('GET', '/big', () => ({ status: 200, body: big, type: 'text/plain' }))
      .route('POST', '/echo', (_req, body) => {
        echoed.push(body);
        return json(201, { bytes: body?.length ?? -1 });
      })
      .route('GET', '/throws', () => {
        throw new Error('boom');
      });
    ({ port } = await api.listen('127.0.0.1', 0));
    assert.ok(port > 0);
  });
  after(() => api.close());

  test('a known route answers with its status, content type and length', async () => {
    const res = await call(port, 'GET', '/small?query=ignored');
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-type'], 'application/json');
    assert.equal(res.headers['cache-control'], 'no-cache');
    assert.equal(Number(res.headers['content-length']), res.body.length);
    assert.deepEqual(JSON.parse(res.body.toString()), { hello: 'world' });
  });

  test('an unknown path is 404 and a wrong method 405 naming the allowed ones, both as JSON errors', async () => {
    const missing = await call(port, 'GET', '/nope');
    assert.equal(missing.status, 404);
    assert.deepEqual(JSON.parse(missing.body.toString()), { error: 'no such endpoint: /nope', code: 'API_NOT_FOUND' });
    const wrong = await call(port, 'DELETE', '/echo');
    assert.equal(wrong.status, 405);
    assert.equal(wrong.headers['allow'], 'POST');
    assert.equal(JSON.parse(wrong.body.toString()).code, 'API_METHOD');
  });

  test('HEAD is served by the GET route without a body', async () => {
    const res = await call(port, 'HEAD', '/small');
    assert.equal(res.status, 200);
    assert.equal(res.body.length, 0);
    assert.equal(Number(res.headers['content-length']), JSON.stringify({ hello: 'world' }).length);
  });

  test('a POST body reaches the handler; one over 1 MiB is 413 and never does', async () => {
    const ok = await call(port, 'POST', '/echo', 'abc');
    assert.equal(ok.status, 201);
    assert.deepEqual(JSON.parse(ok.body.toString()), { bytes: 3 });
    const before = echoed.length;
    const tooLarge = await call(port, 'POST', '/echo', Buffer.alloc((1 << 20) + 1, 0x61));
    assert.equal(tooLarge.status, 413);
    assert.equal(JSON.parse(tooLarge.body.toString()).code, 'API_TOO_LARGE');
    assert.equal(echoed.length, before);
  });

  test('large replies are gzipped only for clients that accept gzip; small ones never', async () => {
    const zipped = await call(port, 'GET', '/big', undefined, { 'accept-encoding': 'br, gzip' });
    assert.equal(zipped.headers['content-encoding'], 'gzip');
    assert.equal(zipped.headers['vary'], 'accept-encoding');
    assert.equal(gunzipSync(zipped.body).toString(), big);
    const plain = await call(port, 'GET', '/big');
    assert.equal(plain.headers['content-encoding'], undefined);
    assert.equal(plain.body.toString(), big);
    const small = await call(port, 'GET', '/small', undefined, { 'accept-encoding': 'gzip' });
    assert.equal(small.headers['content-encoding'], undefined);
  });

  test('a handler that throws is a 500 JSON error and the server goes on', async () => {
    const res = await call(port, 'GET', '/throws');
    assert.equal(res.status, 500);
    assert.deepEqual(JSON.parse(res.body.toString()), { error: 'internal error: boom', code: 'HOST_INTERNAL' });
    assert.equal((await call(port, 'GET', '/small')).status, 200);
  });

  test('listen on a taken port rejects; close is idempotent', async () => {
    const other = new ApiServer(pino({ level: 'silent' }));
    await assert.rejects(other.listen('127.0.0.1', port), /EADDRINUSE/);
    await other.close();
    await other.close();
  });
});
