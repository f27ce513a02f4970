import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { servePlugin, type PluginServer, type RequestEvent } from '../../../src/kit/index.js';
import { tempDir } from '../../helpers/tmp.js';
import { waitFor } from '../../helpers/wait.js';
import { getReport, postControl, unixRequest } from '../../helpers/kit-http.js';

const run = promisify(execFile);
const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));

describe('servePlugin', () => {
  let root: string;
  let cleanup: () => Promise<void>;
  const servers: PluginServer[] = [];
  before(async () => ({ path: root, cleanup } = await tempDir('kit-')));
  after(async () => {
    await Promise.all(servers.map((s) => s.close()));
    await cleanup();
  });
  async function serve(opts: Omit<Parameters<typeof servePlugin>[0], 'root'>): Promise<PluginServer> {
    const s = await servePlugin({ root, ...opts });
    servers.push(s);
    return s;
  }

  test('report gets the spec added, context carries the query', async () => {
    const seen: { probeId: string; apiVersion: string }[] = [];
    const s = await serve({
      id: 'rep',
      spec: { label: 'Reporter', description: 'says hi' },
      report: (ctx) => {
        seen.push({ probeId: ctx.probeId, apiVersion: ctx.apiVersion });
        return { Host: { nodes: {} } };
      },
    });
    assert.equal(s.socketPath, join(root, 'rep', 'rep.sock'));
    const res = await getReport(s.socketPath, 'deadbeef');
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-type'], 'application/json');
    assert.deepEqual(res.json(), {
      Host: { nodes: {} },
      Plugins: [{ api_version: '1', description: 'says hi', id: 'rep', interfaces: ['reporter'], label: 'Reporter' }],
    });
    assert.deepEqual(seen, [{ probeId: 'deadbeef', apiVersion: '1' }]);
    assert.equal(s.stats.reports, 1);
  });

  test('a report with its own Plugins, or a pre-serialized string, is sent as is', async () => {
    const own = { Plugins: [{ id: 'own', label: 'mine', interfaces: ['reporter'], api_version: '1' }] };
    const a = await serve({ id: 'own', spec: { label: 'x' }, report: () => own });
    assert.deepEqual((await getReport(a.socketPath)).json(), own);
    const b = await serve({ id: 'raw', spec: { label: 'x' }, report: async () => '{"Host":{}}' });
    assert.equal((await getReport(b.socketPath)).text, '{"Host":{}}');
  });

  test('control round trip: request passed through, shortcut report gets the spec', async () => {
    const requests: unknown[] = [];
    const s = await serve({
      id: 'ctl',
      spec: { label: 'Controller' },
      report: () => ({}),
      control: (req, ctx) => {
        requests.push({ req, probeId: ctx.probeId });
        return { value: `${req.NodeID},${req.Control}`, shortcutReport: { Host: { controls: {} } } };
      },
    });
    const spec = { api_version: '1', id: 'ctl', interfaces: ['reporter', 'controller'], label: 'Controller' };
    assert.deepEqual((await getReport(s.socketPath)).json().Plugins, [spec]);
    const body = { AppID: 'app1', NodeID: 'n1;<host>', Control: 'doIt', ControlArgs: { k: 'v' } };
    const res = await postControl(s.socketPath, body, 'p1');
    assert.equal(res.status, 200);
    assert.deepEqual(res.json(), { value: 'n1;<host>,doIt', shortcutReport: { Host: { controls: {} }, Plugins: [spec] } });
    assert.deepEqual(requests, [{ req: body, probeId: 'p1' }]);
    assert.equal(s.stats.controls, 1);
  });

  test('control errors travel as {error} with 200; a throwing handler is a 500', async () => {
    const s = await serve({
      id: 'ctl-err',
      spec: { label: 'x' },
      report: () => ({}),
      control: (req) => {
        if (req.Control === 'boom') throw new Error('exploded');
        return { error: `no such control ${req.Control}` };
      },
    });
    const res = await postControl(s.socketPath, { AppID: '', NodeID: 'n', Control: 'nope', ControlArgs: null });
    assert.equal(res.status, 200);
    assert.deepEqual(res.json(), { error: 'no such control nope' });
    const boom = await postControl(s.socketPath, { NodeID: 'n', Control: 'boom' });
    assert.equal(boom.status, 500);
    assert.deepEqual(boom.json(), { error: 'exploded' });
  });

  test('malformed control bodies get 400 {error}', async () => {
    let calls = 0;
    const s = await serve({ id: 'ctl-bad', spec: { label: 'x' }, report: () => ({}), control: () => (calls++, {}) });
    for (const body of ['not json', '[1]', '{"Control":"c"}', '{"NodeID":"n","Control":""}', '{"NodeID":"n","Control":"c","ControlArgs":{"a":1}}']) {
      const res = await postControl(s.socketPath, body);
      assert.equal(res.status, 400, body);
      assert.equal(typeof res.json().error, 'string', body);
    }
    assert.equal(calls, 0);
  });

  test('unknown paths 404, wrong methods 405, no / or /control unless configured', async () => {
    const s = await serve({ id: 'paths', spec: { label: 'x' }, report: () => ({}) });
    assert.equal((await unixRequest(s.socketPath, '/nope')).status, 404);
    assert.equal((await unixRequest(s.socketPath, '/')).status, 404, 'current-era plugins have no handshake');
    assert.equal((await unixRequest(s.socketPath, '/control', { method: 'POST', body: '{}' })).status, 404);
    const post = await unixRequest(s.socketPath, '/report', { method: 'POST', body: '{}' });
    assert.equal(post.status, 405);
    assert.equal(post.headers.allow, 'GET');
  });

  test('seed-era handshake answer; its report carries no Plugins', async () => {
    const s = await serve({
      id: 'seed',
      handshake: true,
      spec: { label: 'seed', description: 'Adds a graph of CPU IO Wait to hosts' },
      report: () => ({ Host: { nodes: {} } }),
    });
    const hs = await unixRequest(s.socketPath, '/?api_version=1&probe_id=x');
    assert.equal(hs.status, 200);
    assert.equal(hs.text, '{"api_version":"1","description":"Adds a graph of CPU IO Wait to hosts","interfaces":["reporter"],"name":"seed"}');
    assert.deepEqual((await getReport(s.socketPath)).json(), { Host: { nodes: {} } });
  });

  test('a throwing report is a 500; onRequest sees every exchange', async () => {
    const events: RequestEvent[] = [];
    const s = await serve({
      id: 'fails',
      spec: { label: 'x' },
      report: () => {
        throw new Error('disk on fire');
      },
      onRequest: (e) => events.push(e),
    });
    const res = await getReport(s.socketPath);
    assert.equal(res.status, 500);
    assert.deepEqual(res.json(), { error: 'disk on fire' });
    await unixRequest(s.socketPath, '/elsewhere');
    await waitFor('two request events', () => events.length === 2);
    assert.deepEqual(
      events.map((e) => [e.method, e.path, e.status]),
      [
        ['GET', '/report', 500],
        ['GET', '/elsewhere', 404],
      ],
    );
    for (const e of events) assert.ok(e.arrive <= e.finish && e.arrive > Date.now() - 60_000, JSON.stringify(e));
  });

  test('gzip only when the client accepts it', async () => {
    const s = await serve({ id: 'zip', gzip: true, spec: { label: 'x' }, report: () => ({ Host: { pad: 'a'.repeat(5000) } }) });
    const zipped = await getReport(s.socketPath, 'p', { 'Accept-Encoding': 'gzip' });
    assert.equal(zipped.headers['content-encoding'], 'gzip');
    assert.ok(zipped.raw.length < 1000, `gzip body ${zipped.raw.length} bytes`);
    assert.equal(zipped.json().Host.pad.length, 5000);
    const plain = await getReport(s.socketPath, 'p', { 'Accept-Encoding': 'gzip;q=0, identity' });
    assert.equal(plain.headers['content-encoding'], undefined);
    assert.equal(plain.json().Plugins[0].id, 'zip');
  });

  test('a client that goes away aborts ctx.signal, and close() does not wait for hung handlers', async () => {
    let aborted = false;
    const events: RequestEvent[] = [];
    const s = await servePlugin({
      root,
      id: 'hang',
      spec: { label: 'x' },
      report: (ctx) => new Promise<object>((resolve) => ctx.signal.addEventListener('abort', () => ((aborted = true), resolve({})))),
      onRequest: (e) => events.push(e),
    });
    await assert.rejects(unixRequest(s.socketPath, '/report', { timeoutMs: 200 }), { code: 'TIMEOUT' });
    await waitFor('abort seen by the handler', () => aborted);
    await waitFor('abandoned request event', () => events.length === 1);
    assert.equal(events[0]?.status, 0);
    // A second request left hanging must not block close().
    const pending = unixRequest(s.socketPath, '/report').catch((err: Error) => err);
    await waitFor('second request arrived', () => s.stats.reports === 2);
    await s.close();
    assert.ok((await pending) instanceof Error);
    assert.equal(existsSync(s.socketPath), false);
  });
});

describe('socket placement and cleanup', () => {
  test('creates the root and a 0700 socket dir; close removes socket and dir; close is idempotent', async () => {
    const tmp = await tempDir('kit-');
    try {
      const root = join(tmp.path, 'not', 'yet');
      const s = await servePlugin({ root, id: 'place', spec: { label: 'x' }, report: () => ({}) });
      const dir = join(root, 'place');
      assert.equal((await stat(dir)).mode & 0o777, 0o700);
      assert.ok((await stat(s.socketPath)).isSocket());
      await Promise.all([s.close(), s.close()]);
      assert.equal(existsSync(s.socketPath), false);
      assert.equal(existsSync(dir), false, 'the dir the kit created is removed');
      assert.ok(existsSync(root), 'the root stays: other plugins live there');
    } finally {
      await tmp.cleanup();
    }
  });

  test('a pre-existing socket dir is kept on close; explicit socketPath is honoured', async () => {
    const tmp = await tempDir('kit-');
    try {
      await mkdir(join(tmp.path, 'mine'));
      const socketPath = join(tmp.path, 'mine', 'x.sock');
      const s = await servePlugin({ socketPath, id: 'x', spec: { label: 'x' }, report: () => ({}) });
      assert.equal(s.socketPath, socketPath);
      assert.equal((await getReport(socketPath)).status, 200);
      await s.close();
      assert.equal(existsSync(socketPath), false);
      assert.ok(existsSync(join(tmp.path, 'mine')));
    } finally {
      await tmp.cleanup();
    }
  });

  test('a stale socket left by a killed process is replaced; a live one or a plain file is not', async () => {
    const tmp = await tempDir('kit-');
    try {
      const socketPath = join(tmp.path, 'stale', 'stale.sock');
      await mkdir(join(tmp.path, 'stale'));
      // A real process that listens and exits without closing leaves the socket file behind.
      await run(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(socketPath)}, () => process.exit(0))`]);
      assert.ok((await stat(socketPath)).isSocket(), 'stale socket file exists');
      const s = await servePlugin({ socketPath, id: 'stale', spec: { label: 'x' }, report: () => ({}) });
      assert.equal((await getReport(socketPath)).json().Plugins[0].id, 'stale');

      await assert.rejects(servePlugin({ socketPath, id: 'stale', spec: { label: 'x' }, report: () => ({}) }), { code: 'EADDRINUSE' });
      assert.equal((await getReport(socketPath)).status, 200, 'the live plugin still answers');
      await s.close();

      const file = join(tmp.path, 'stale', 'file.sock');
      await writeFile(file, 'precious');
      await assert.rejects(servePlugin({ socketPath: file, id: 'file', spec: { label: 'x' }, report: () => ({}) }), { code: 'EEXIST' });
      assert.ok((await stat(file)).isFile());
    } finally {
      await tmp.cleanup();
    }
  });

  test('a socket someone still listens on is not stolen', async () => {
    const tmp = await tempDir('kit-');
    const socketPath = join(tmp.path, 'busy.sock');
    const other = createServer();
    await new Promise<void>((resolve) => other.listen(socketPath, resolve));
    try {
      await assert.rejects(servePlugin({ socketPath, id: 'busy', spec: { label: 'x' }, report: () => ({}) }), { code: 'EADDRINUSE' });
      assert.ok(existsSync(socketPath));
    } finally {
      await new Promise((resolve) => other.close(resolve));
      await tmp.cleanup();
    }
  });

  test('the socket and its dir are removed when the process exits without close()', async () => {
    const tmp = await tempDir('kit-');
    try {
      const script = `
        import { servePlugin } from './src/kit/index.ts';
        const s = await servePlugin({ root: ${JSON.stringify(tmp.path)}, id: 'exiting', spec: { label: 'x' }, report: () => ({}) });
        console.log(s.socketPath);
        process.exit(0);`;
      const { stdout } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: repoRoot });
      assert.equal(stdout.trim(), join(tmp.path, 'exiting', 'exiting.sock'));
      assert.equal(existsSync(join(tmp.path, 'exiting')), false);
    } finally {
      await tmp.cleanup();
    }
  });

  test('invalid ids are rejected before anything is created', async () => {
    const tmp = await tempDir('kit-');
    try {
      for (const id of ['testPlugin!', 'test~plugin', 'testPlugin-', '-testPlugin', 'a.b', 'a_b', '']) {
        await assert.rejects(servePlugin({ root: tmp.path, id, spec: { label: 'x' }, report: () => ({}) }), TypeError, id);
      }
      const ok = await servePlugin({ root: tmp.path, id: 'P-L-U-G-I-N', spec: { label: 'x' }, report: () => ({}) });
      await ok.close();
    } finally {
      await tmp.cleanup();
    }
  });
});
