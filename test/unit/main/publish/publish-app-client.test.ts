import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { AppClient, type AppClientOptions, type PublishBody } from '../../../../src/main/publish/app-client.js';
import { ErrorCode } from '../../../../src/shared/errors.js';
import { captureLogs, decodeBody, gate, startFakeApp, type FakeApp } from '../../../helpers/fake-scope-app.js';
import { waitFor } from '../../../helpers/wait.js';

const silent = pino({ level: 'silent' });

function body(name: string, shortcut = false): PublishBody {
  return { gzipped: gzipSync(JSON.stringify({ ID: name, Plugins: [] })), shortcut, reportId: name };
}

function client(url: string, extra: Partial<AppClientOptions> = {}): AppClient {
  return new AppClient({ url, probeId: '4f1e2d3c4b5a6978', version: '1.13.2', timeoutMs: 12_000, queueSize: 2, logger: silent, ...extra });
}

const names = (app: { received: Array<Parameters<typeof decodeBody>[0]> }): unknown[] => app.received.map((r) => (decodeBody(r) as { ID: string }).ID);

test('publish app client: POSTs /api/report with every upstream header and a gzip JSON body', async (t) => {
  const app = await startFakeApp();
  t.after(() => app.close());
  const report = { ID: 'r1', TS: '2026-11-24T10:00:00Z', Window: 3e9, Host: { nodes: { 'h;<host>': { id: 'h;<host>' } } }, Plugins: [] };
  const c = client(app.url, { token: 'tok3n' });
  t.after(() => c.close());
  c.enqueue({ gzipped: gzipSync(JSON.stringify(report)), shortcut: false });
  await waitFor('the app to receive the report', () => c.stats.sent === 1);

  const [req] = app.received;
  assert.ok(req);
  assert.equal(req.method, 'POST');
  assert.equal(req.url, '/api/report');
  assert.equal(req.headers['content-type'], 'application/json');
  assert.equal(req.headers['content-encoding'], 'gzip');
  assert.equal(req.headers['x-scope-probe-id'], '4f1e2d3c4b5a6978');
  assert.equal(req.headers['x-scope-probe-version'], '1.13.2');
  assert.match(req.headers['user-agent'] ?? '', /^Scope_Probe\/1\.13\.2( |$)/);
  assert.equal(req.headers['authorization'], 'Scope-Probe token=tok3n');
  assert.deepEqual(decodeBody(req), report);
  const stats = c.stats;
  assert.equal(stats.url, app.url);
  assert.equal(stats.failed, 0);
  assert.equal(stats.consecutiveFailures, 0);
  assert.ok(stats.lastOkAt !== null && stats.lastLatencyMs !== null);
});

test('publish app client: no Authorization header without a token; path prefix is kept', async (t) => {
  const app = await startFakeApp();
  t.after(() => app.close());
  const c = client(`${app.url}/scope/`);
  t.after(() => c.close());
  c.enqueue(body('r1'));
  await waitFor('the app to receive the report', () => c.stats.sent === 1);
  assert.equal(app.received[0]?.url, '/scope/api/report');
  assert.equal('authorization' in (app.received[0]?.headers ?? {}), false);
  assert.equal(c.stats.url, `${app.url}/scope`);
});

test('publish app client: a token in the URL user part becomes the Authorization token', async (t) => {
  const app = await startFakeApp();
  t.after(() => app.close());
  const c = client(app.url.replace('http://', 'http://urltok@'), { token: 'flagtok' });
  t.after(() => c.close());
  c.enqueue(body('r1'));
  await waitFor('the app to receive the report', () => c.stats.sent === 1);
  assert.equal(app.received[0]?.headers['authorization'], 'Scope-Probe token=urltok');
  assert.equal(c.stats.url.includes('urltok'), false);
});

test('publish app client: retries after a 500 with growing backoff, logs failing and recovered once', async (t) => {
  const app = await startFakeApp((_req, i) => (i < 3 ? 500 : 200), 'boom: collector unavailable');
  t.after(() => app.close());
  const { logger, records } = captureLogs();
  const c = client(app.url, { logger, retryInitialMs: 40, retryMaxMs: 2000 });
  t.after(() => c.close());
  c.enqueue(body('r1'));
  await waitFor('the retry to succeed', () => c.stats.sent === 1);

  assert.equal(app.received.length, 4);
  // With nothing newer queued, each retry resends the same body.
  assert.deepEqual(names(app), ['r1', 'r1', 'r1', 'r1']);
  const at = app.received.map((r) => r.at);
  const gaps = at.slice(1).map((v, i) => v - (at[i] ?? 0));
  // Lower bounds only (timers never fire early; a loaded machine only makes gaps longer):
  // 40, then >= 60 (2×40 minus at most a quarter of jitter), then >= 120.
  assert.ok((gaps[0] ?? 0) >= 38, `first gap ${gaps[0]}`);
  assert.ok((gaps[1] ?? 0) >= 58, `second gap ${gaps[1]}`);
  assert.ok((gaps[2] ?? 0) >= 118, `third gap ${gaps[2]}`);

  const stats = c.stats;
  assert.equal(stats.failed, 3);
  assert.equal(stats.consecutiveFailures, 0);
  assert.equal(stats.dropped, 0);
  assert.equal(stats.lastErrorCode, ErrorCode.APP_HTTP_STATUS);
  assert.match(stats.lastError ?? '', /500/);
  assert.match(stats.lastError ?? '', /collector unavailable/);

  const failing = records.filter((r) => r['msg'] === 'app publish failing');
  const recovered = records.filter((r) => r['msg'] === 'app publish recovered');
  assert.equal(failing.length, 1, 'failing is logged once, not on every retry');
  assert.equal(recovered.length, 1);
  assert.equal(failing[0]?.['url'], app.url);
  assert.equal((failing[0]?.['err'] as { code?: string } | undefined)?.code, ErrorCode.APP_HTTP_STATUS);
  assert.equal(recovered[0]?.['failures'], 3);
});

test('publish app client: a retry sends the newer body; the failed one is dropped and counted', async (t) => {
  let healthy = false;
  const app = await startFakeApp(() => (healthy ? 200 : 503));
  t.after(() => app.close());
  const c = client(app.url, { retryInitialMs: 600 });
  t.after(() => c.close());
  c.enqueue(body('old'));
  await waitFor('the first attempt to fail', () => c.stats.failed === 1);
  c.enqueue(body('new')); // arrives while the client waits to retry 'old'
  assert.equal(c.stats.dropped, 1);
  assert.equal(c.stats.queued, 1);
  healthy = true;
  await waitFor('the retry to succeed', () => c.stats.sent === 1);
  assert.deepEqual(names(app), ['old', 'new']);
  assert.equal(c.stats.queued, 0);
});

/** An app that holds every request until `g.open`, and a client whose first body, p1, is in flight. */
async function p1InFlight(t: TestContext): Promise<{ g: ReturnType<typeof gate>; app: FakeApp; c: AppClient }> {
  const g = gate();
  const app = await startFakeApp(() => g.wait());
  t.after(() => app.close());
  const c = client(app.url);
  t.after(() => c.close());
  c.enqueue(body('p1'));
  await waitFor('p1 to be in flight', () => app.received.length === 1);
  return { g, app, c };
}

test('publish app client: a full queue drops the oldest body and counts it', async (t) => {
  const { g, app, c } = await p1InFlight(t);
  c.enqueue(body('p2'));
  c.enqueue(body('p3'));
  assert.equal(c.stats.dropped, 0);
  c.enqueue(body('p4')); // queue [p2, p3] is full: p2 goes
  assert.deepEqual({ dropped: c.stats.dropped, queued: c.stats.queued, inFlight: c.stats.inFlight }, { dropped: 1, queued: 2, inFlight: true });
  g.open(200);
  await waitFor('the queue to drain', () => c.stats.sent === 3);
  assert.deepEqual(names(app), ['p1', 'p3', 'p4']);
});

test('publish app client: shortcut bodies jump ahead of queued periodic ones', async (t) => {
  const { g, app, c } = await p1InFlight(t);
  c.enqueue(body('p2'));
  c.enqueue(body('s1', true));
  g.open(200);
  await waitFor('the queue to drain', () => c.stats.sent === 3);
  assert.deepEqual(names(app), ['p1', 's1', 'p2']);
  assert.equal(c.stats.dropped, 0);
});

test('publish app client: a hung app times out with APP_TIMEOUT, the request is aborted and retried', async (t) => {
  const app = await startFakeApp(() => 'hang');
  t.after(() => app.close());
  const c = client(app.url, { timeoutMs: 150, retryInitialMs: 50 });
  t.after(() => c.close());
  c.enqueue(body('r1'));
  await waitFor('a retry after the timeout', () => app.received.length >= 2);
  assert.ok(c.stats.failed >= 1);
  assert.equal(c.stats.lastErrorCode, ErrorCode.APP_TIMEOUT);
  await waitFor('the app to see the first request aborted', () => app.aborted() >= 1);
});

test('publish app client: an unreachable app fails with APP_UNREACHABLE', async (t) => {
  const app = await startFakeApp();
  await app.close(); // nothing listens on this port any more
  const c = client(app.url, { retryInitialMs: 5000 });
  t.after(() => c.close());
  c.enqueue(body('r1'));
  await waitFor('the connection to fail', () => c.stats.failed === 1);
  assert.equal(c.stats.lastErrorCode, ErrorCode.APP_UNREACHABLE);
  assert.match(c.stats.lastError ?? '', /ECONNREFUSED/);
  assert.equal(c.stats.queued, 1, 'the body is kept for the retry');
});

test('publish app client: close() aborts the in-flight request, discards the queue, is idempotent', async (t) => {
  const app = await startFakeApp(() => 'hang');
  t.after(() => app.close());
  const c = client(app.url);
  c.enqueue(body('r1'));
  await waitFor('r1 to be in flight', () => app.received.length === 1);
  c.enqueue(body('r2'));
  const first = c.close();
  assert.equal(c.close(), first);
  await first;
  await waitFor('the app to see the request aborted', () => app.aborted() === 1);
  c.enqueue(body('r3'));
  const stats = c.stats;
  assert.equal(stats.inFlight, false);
  assert.equal(stats.queued, 0);
  assert.equal(stats.dropped, 2, 'r2 discarded at close, r3 refused after close');
  assert.equal(app.received.length, 1);
});

test('publish app client: a process whose client was closed mid-request exits by itself', async () => {
  // The strongest check that close() leaves no handle behind: a child process with a hung app
  // and an in-flight request calls close() on both and must then exit on its own.
  const root = fileURLToPath(new URL('../../../..', import.meta.url));
  // The hung app is a raw TCP server whose close() does NOT cut open connections, so the child
  // can only exit if the client itself tore its socket and timers down.
  const script = `
    import { createServer } from 'node:net';
    import { AppClient } from './src/main/publish/app-client.ts';
    import { pino } from 'pino';
    let received = false;
    const server = createServer((socket) => socket.on('data', () => { received = true; }));
    await new Promise((r) => server.listen(0, '127.0.0.1', r));
    const url = 'http://127.0.0.1:' + server.address().port;
    const c = new AppClient({ url, probeId: 'p', version: 'v', timeoutMs: 60000, queueSize: 2, logger: pino({ level: 'silent' }) });
    c.enqueue({ gzipped: Buffer.from('x'), shortcut: false });
    while (!received) await new Promise((r) => setTimeout(r, 10));
    await c.close();
    server.close();
    console.log('closed');
  `;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  clearTimeout(killer);
  assert.equal(code, 0, `child did not exit cleanly (killed after 15 s if it hung): ${out}`);
  assert.match(out, /closed/);
});
