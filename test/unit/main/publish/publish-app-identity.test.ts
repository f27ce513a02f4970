/**
 * `GET <app>/api` before publishing: the id it answers, and the coded error for each way it fails,
 * against real HTTP servers on loopback.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fetchAppIdentity } from '../../../../src/main/publish/app-identity.js';
import { parseAppUrl } from '../../../../src/main/publish/app-url.js';
import { ErrorCode, HostError } from '../../../../src/shared/errors.js';

async function serve(handler: Parameters<typeof createServer>[1]): Promise<{ url: string; server: Server }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

function close(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

async function failure(promise: Promise<unknown>): Promise<HostError> {
  const err = await promise.then(
    () => assert.fail('expected a failure'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof HostError, String(err));
  return err;
}

test('app identity: the id, version and hostname the app answers, asked with the headers given', async (t) => {
  let seen: Record<string, unknown> = {};
  const { url, server } = await serve((req, res) => {
    seen = { url: req.url, probe: req.headers['x-scope-probe-id'] };
    res.end(JSON.stringify({ id: 'app-1', version: '1.13.2', hostname: 'node-a', plugins: [] }));
  });
  t.after(() => close(server));
  const identity = await fetchAppIdentity(parseAppUrl(`${url}/scope`), { 'x-scope-probe-id': 'p1' }, 1_000);
  assert.deepEqual(identity, { id: 'app-1', version: '1.13.2', hostname: 'node-a' });
  assert.deepEqual(seen, { url: '/scope/api', probe: 'p1' });
});

test('app identity: an app that never answers is APP_TIMEOUT at the deadline', async (t) => {
  const { url, server } = await serve(() => {});
  t.after(() => close(server));
  const started = performance.now();
  const err = await failure(fetchAppIdentity(parseAppUrl(url), {}, 200));
  assert.equal(err.code, ErrorCode.APP_TIMEOUT);
  assert.match(err.message, /\/api: no answer within 200 ms$/);
  assert.ok(performance.now() - started < 2_000);
});

test('app identity: a refused connection is APP_UNREACHABLE with the socket error', async () => {
  const { url, server } = await serve(() => {});
  await close(server);
  const err = await failure(fetchAppIdentity(parseAppUrl(url), {}, 1_000));
  assert.equal(err.code, ErrorCode.APP_UNREACHABLE);
  assert.match(err.message, /ECONNREFUSED/);
});

test('app identity: non-200, non-JSON and a missing id are APP_HTTP_STATUS, each in its words', async (t) => {
  const answers = [
    [503, 'upstream down'],
    [200, '<html>'],
    [200, '{"version":"1"}'],
  ] as const;
  let i = 0;
  const { url, server } = await serve((_req, res) => {
    const [status, body] = answers[i++]!;
    res.writeHead(status).end(body);
  });
  t.after(() => close(server));
  const messages: string[] = [];
  for (let n = 0; n < answers.length; n++) {
    const err = await failure(fetchAppIdentity(parseAppUrl(url), {}, 1_000));
    assert.equal(err.code, ErrorCode.APP_HTTP_STATUS);
    messages.push(err.message.replace(url, '<app>'));
  }
  assert.deepEqual(messages, ['GET <app>/api answered HTTP 503: upstream down', 'GET <app>/api did not answer JSON', 'GET <app>/api answered no "id"']);
});
