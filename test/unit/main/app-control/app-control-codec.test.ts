/**
 * The pieces of the app control path that need no Scope app: the rpc framing (against the frames
 * a real app sent), the control names and routing fields of a published report, app URLs, and the
 * websocket client's reconnect rules against a real `ws` server on loopback.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import { pino } from 'pino';
import { WebSocketServer } from 'ws';
import { ControlConnection } from '../../../../src/main/app-control/control-connection.js';
import { RpcCallReader, RpcFramingError, rpcResponse } from '../../../../src/main/app-control/rpc-codec.js';
import { parseAppUrl, probeHeaders } from '../../../../src/main/publish/app-url.js';
import type { ResolvedApp } from '../../../../src/main/publish/publisher.js';
import { decodeReport, encodeReport, readyControlsForApp } from '../../../../src/shared/report/index.js';
import { waitFor } from '../../../helpers/wait.js';

// What a real app sent for `POST /api/control/abcdef0123456789/n1%3B%3Chost%3E/plug~ctl` with body {"k":"v"}.
const APP_HEADER = '{"Request":{"Seq":0,"ServiceMethod":"control.Handle"},"Response":null,"Value":null}';
const APP_BODY = '{"Request":null,"Response":null,"Value":{"AppID":"","Control":"plug~ctl","ControlArgs":{"k":"v"},"NodeID":"n1;\\u003chost\\u003e"}}';

test('rpc: a header then a body is one call; the answer is a header then a body, Seq echoed', () => {
  const reader = new RpcCallReader();
  assert.equal(reader.push(APP_HEADER), null);
  assert.deepEqual(reader.push(APP_BODY), {
    seq: 0,
    serviceMethod: 'control.Handle',
    body: { AppID: '', Control: 'plug~ctl', ControlArgs: { k: 'v' }, NodeID: 'n1;<host>' },
  });
  assert.deepEqual(rpcResponse(0, 'control.Handle', '', { value: { ok: true } }), [
    '{"Request":null,"Response":{"ServiceMethod":"control.Handle","Seq":0,"Error":""},"Value":null}',
    '{"Request":null,"Response":null,"Value":{"value":{"ok":true}}}',
  ]);
  assert.deepEqual(rpcResponse(7, 'x.Y', "rpc: can't find service x.Y", null)[1], '{"Request":null,"Response":null,"Value":{}}');
});

test('rpc: a body without a header, a header without Seq, or a non-object kills the stream', () => {
  assert.throws(() => new RpcCallReader().push(APP_BODY), RpcFramingError);
  assert.throws(() => new RpcCallReader().push('{"Request":{"ServiceMethod":"control.Handle"}}'), RpcFramingError);
  assert.throws(() => new RpcCallReader().push('[1]'), RpcFramingError);
  assert.throws(() => new RpcCallReader().push('nope'), RpcFramingError);
});

const TS = '2026-12-07T10:00:00Z';
const plugged = () =>
  decodeReport(
    JSON.stringify({
      Host: {
        controls: { 'iow~go': { id: 'iow~go', human: 'Go', icon: 'fa-x', rank: 1 } },
        nodes: {
          'h;<host>': { id: 'h;<host>', topology: 'host', latest: { active_controls: { timestamp: TS, value: 'iow~go;host_exec' } } },
          'owned;<host>': {
            id: 'owned;<host>',
            topology: 'host',
            latest: {
              active_controls: { timestamp: TS, value: 'iow~go' },
              control_probe_id: { timestamp: TS, value: 'other' },
            },
          },
          'plain;<host>': { id: 'plain;<host>', topology: 'host', latest: { host_name: { timestamp: TS, value: 'plain' } } },
        },
      },
      Pod: {
        controls: { 'p~stop': { id: 'p~stop', human: 'Stop', icon: 'fa-stop', rank: 1 } },
        nodes: { pod1: { id: 'pod1', topology: 'pod', latest: { active_controls: { timestamp: TS, value: 'p~stop' } } } },
      },
      Plugins: [],
    }),
  );

test('published controls: named per host, routed by their own probeId, nodes claimed unless a probe owns the topology', () => {
  const alone = JSON.parse(encodeReport(readyControlsForApp(plugged(), { probeId: 'ab12', besideProbe: false })));
  assert.deepEqual(alone.Host.controls, { 'ab12~iow~go': { id: 'ab12~iow~go', human: 'Go', icon: 'fa-x', rank: 1, probeId: 'ab12' } });
  assert.deepEqual(alone.Host.nodes['h;<host>'].latest.active_controls, { timestamp: TS, value: 'ab12~iow~go;host_exec' });
  assert.deepEqual(alone.Host.nodes['h;<host>'].latest.control_probe_id, { timestamp: TS, value: 'ab12' });
  assert.equal(alone.Host.nodes['owned;<host>'].latest.control_probe_id.value, 'other', 'a node that names its probe keeps it');
  assert.equal(alone.Host.nodes['plain;<host>'].latest.control_probe_id, undefined, 'a node without our controls is not claimed');
  assert.equal(alone.Pod.nodes.pod1.latest.control_probe_id.value, 'ab12');

  const beside = JSON.parse(encodeReport(readyControlsForApp(plugged(), { probeId: 'ab12', besideProbe: true })));
  assert.equal(beside.Host.nodes['h;<host>'].latest.control_probe_id, undefined, 'the probe owns host nodes');
  assert.equal(beside.Pod.nodes.pod1.latest.control_probe_id, undefined, 'and orchestrator nodes');
  assert.equal(beside.Host.controls['ab12~iow~go'].probeId, 'ab12');
});

test('app URLs: control websocket scheme and prefix; user:pass is basic auth, a lone user the token', () => {
  assert.equal(parseAppUrl('http://127.0.0.1:4040').controlUrl, 'ws://127.0.0.1:4040/api/control/ws');
  assert.equal(parseAppUrl('https://u:p@cloud.example/scope/').controlUrl, 'wss://cloud.example/scope/api/control/ws');
  const probe = { probeId: 'ab12', version: '1.2.3', token: 'global' };
  assert.equal(probeHeaders(parseAppUrl('https://u:p@x'), probe)['authorization'], `Basic ${Buffer.from('u:p').toString('base64')}`);
  assert.equal(probeHeaders(parseAppUrl('https://tok@x'), probe)['authorization'], 'Scope-Probe token=tok');
  assert.equal(probeHeaders(parseAppUrl('https://x'), probe)['authorization'], 'Scope-Probe token=global');
  assert.deepEqual(Object.keys(probeHeaders(parseAppUrl('https://x'), { probeId: 'ab12', version: '1' })).sort(), [
    'user-agent',
    'x-scope-probe-id',
    'x-scope-probe-version',
  ]);
});

const silent = pino({ level: 'silent' });
function appAt(port: number): ResolvedApp {
  const target = parseAppUrl(`http://127.0.0.1:${port}`);
  return { identity: { id: 'app-1', version: 'v', hostname: 'h' }, target, headers: probeHeaders(target, { probeId: 'ab12', version: '1' }) };
}

test('control websocket: serves the captured call with probe headers and AppID; reconnects at once after a clean close', async (t) => {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((r) => server.once('listening', r));
  t.after(() => {
    for (const client of server.clients) client.terminate();
    return new Promise((r) => server.close(r));
  });
  const port = (server.address() as { port: number }).port;
  const upgrades: Array<Record<string, unknown>> = [];
  const answers: string[] = [];
  server.on('connection', (socket, req) => {
    upgrades.push({ ...req.headers });
    socket.on('message', (m) => answers.push(m.toString()));
    socket.send(APP_HEADER);
    socket.send(APP_BODY);
  });
  const seen: unknown[] = [];
  const connection = new ControlConnection({
    // A 5 s backoff would be unmistakable: the redial after a clean close must not wait for it.
    app: appAt(port),
    logger: silent,
    retryInitialMs: 5_000,
    retryMaxMs: 5_000,
    stableAfterMs: 50,
    handle: async (request) => {
      seen.push(request);
      return { value: { ok: true } };
    },
  });
  t.after(() => connection.close());
  connection.start();
  await waitFor('the answer', () => answers.length === 2);
  assert.deepEqual(seen, [{ AppID: '', Control: 'plug~ctl', ControlArgs: { k: 'v' }, NodeID: 'n1;<host>' }]);
  assert.deepEqual(answers, [
    '{"Request":null,"Response":{"ServiceMethod":"control.Handle","Seq":0,"Error":""},"Value":null}',
    '{"Request":null,"Response":null,"Value":{"value":{"ok":true}}}',
  ]);
  assert.equal(upgrades[0]!['x-scope-probe-id'], 'ab12');
  assert.match(String(upgrades[0]!['user-agent']), /^Scope_Probe\/1 /);
  // The app ends a connection that worked: the next dial is immediate, not a backoff.
  await new Promise((r) => setTimeout(r, 100));
  const ended = performance.now();
  for (const client of server.clients) client.close();
  await waitFor('reconnected', () => connection.stats.connects === 2 && connection.stats.connected);
  assert.ok(performance.now() - ended < 2_000, 'no backoff after a clean close');
  assert.equal(connection.stats.failedDials, 0);
});

test('control websocket: a refused dial backs off from retryInitialMs, doubling to retryMaxMs', async (t) => {
  const closed = createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
  const port = (closed.address() as { port: number }).port;
  await new Promise((r) => closed.close(r)); // nothing listens there now
  const connection = new ControlConnection({ app: appAt(port), logger: silent, retryInitialMs: 100, retryMaxMs: 400, handle: async () => ({}) });
  t.after(() => connection.close());
  connection.start();
  await new Promise((r) => setTimeout(r, 1_500));
  // Delays 100, 150-200, 300-400, 300-400, ... : 5-7 failed dials in 1.5 s; without backoff, hundreds.
  const dials = connection.stats.failedDials;
  assert.ok(dials >= 4 && dials <= 8, `${dials} failed dials`);
  assert.equal(connection.stats.connected, false);
  assert.match(String(connection.stats.lastError), /ECONNREFUSED/);
});

test("control websocket: answers the app's pings, pings it, and drops an app silent past idleTimeoutMs", async (t) => {
  // autoPong off: this app never answers our pings, like a hung one.
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0, autoPong: false });
  await new Promise((r) => server.once('listening', r));
  t.after(() => {
    for (const client of server.clients) client.terminate();
    return new Promise((r) => server.close(r));
  });
  let pongs = 0;
  let pingsFromHost = 0;
  server.on('connection', (socket) => {
    socket.on('pong', () => pongs++);
    socket.on('ping', () => pingsFromHost++);
    socket.ping();
  });
  const connection = new ControlConnection({
    app: appAt((server.address() as { port: number }).port),
    logger: silent,
    retryInitialMs: 50,
    retryMaxMs: 100,
    stableAfterMs: 50,
    pingIntervalMs: 100,
    idleTimeoutMs: 400,
    handle: async () => ({}),
  });
  t.after(() => connection.close());
  connection.start();
  await waitFor('our pong', () => pongs >= 1);
  await waitFor('the silent app dropped and dialled again', () => connection.stats.connects >= 2, 5_000);
  assert.ok(pingsFromHost >= 2, `${pingsFromHost} pings`);
  assert.match(String(connection.stats.lastError), /silent for 400 ms/);
});

test('control websocket: an app refusing the upgrade is a failed dial with its HTTP status', async (t) => {
  const server = createHttpServer((_req, res) => res.writeHead(400).end('"X-Scope-Probe-ID"'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => new Promise((r) => server.close(r)));
  const connection = new ControlConnection({
    app: appAt((server.address() as { port: number }).port),
    logger: silent,
    retryInitialMs: 100,
    retryMaxMs: 100,
    handle: async () => ({}),
  });
  t.after(() => connection.close());
  connection.start();
  await waitFor('a failed dial', () => connection.stats.failedDials >= 1);
  assert.equal(connection.stats.lastError, 'app answered HTTP 400 to the control websocket');
  assert.equal(connection.stats.connects, 0);
});
