/**
 * Two sockets with one plugin ID (`a/dup.sock`, `b/dup.sock`), through the real host: one ID names
 * one plugin for the app, so the socket whose path sorts first serves it; the other is listed
 * with an error and not polled, and takes over when the first goes away. Controls, the report
 * and the plugin list agree on it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { servePlugin, type PluginServer } from '../../src/kit/index.js';
import { startTestHost } from '../helpers/host.js';
import { tempDir } from '../helpers/tmp.js';
import { waitFor } from '../helpers/wait.js';

interface Row {
  id: string;
  socket: string;
  status?: string;
  errorCode: string | null;
  controls: string[];
}
interface Report {
  Plugins: { id: string; status?: string }[];
  Host: { controls?: Record<string, unknown> };
}

/** A controller `dup` at `<dir>/dup.sock` offering control `c`, answering with its own name. */
async function dup(dir: string, name: string, failing: { now: boolean }): Promise<PluginServer> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  return servePlugin({
    id: 'dup',
    socketPath: join(dir, 'dup.sock'),
    spec: { label: 'Dup' },
    report: () => {
      if (failing.now) throw new Error('down');
      return {
        Host: {
          controls: { c: { id: 'c', human: 'c', icon: 'fa-x', rank: 1 } },
          nodes: { 'h;<host>': { latest: { active_controls: { timestamp: new Date().toISOString(), value: 'c' } } } },
        },
      };
    },
    control: () => ({ value: name }),
  });
}

test('two sockets with one id: the first by path serves it, a failing second one takes nothing away', async () => {
  const root = await tempDir();
  const aFails = { now: false };
  const bFails = { now: false };
  const host = await startTestHost({ pluginsRoot: root.path, pollIntervalMs: 100, rescanIntervalMs: 200 });
  const plugins: PluginServer[] = [];
  try {
    const rows = async () => (await host.get<Row[]>('/api/plugins')).body;
    const click = () => host.post<{ value?: string; code?: string }>('/api/control', { NodeID: 'h;<host>', Control: 'dup~c' });
    plugins.push(await dup(join(root.path, 'a'), 'a', aFails));
    await waitFor('a serves dup~c', async () => (await rows()).find((r) => r.socket.endsWith('/a/dup.sock'))?.controls.length === 1);
    // b arrives last, so its status is the newest news about `dup`.
    plugins.push(await dup(join(root.path, 'b'), 'b', bFails));
    const listed = await waitFor('b listed', async () => {
      const all = await rows();
      return all.length === 2 && all.every((r) => r.status !== undefined) ? all : undefined;
    });
    const [a, b] = listed;
    assert.equal(a!.socket, join(root.path, 'a', 'dup.sock'));
    assert.equal(a!.status, 'ok');
    assert.deepEqual(a!.controls, ['dup~c']);
    assert.equal(b!.errorCode, 'PLUGIN_DUPLICATE_ID');
    assert.equal(b!.status, `error: plugin id "dup" is already served by ${join(root.path, 'a', 'dup.sock')}`);
    assert.deepEqual(b!.controls, []);

    // b failing changes nothing: a still answers, and the report shows one `dup`, ok, with its control.
    bFails.now = true;
    for (let i = 0; i < 5; i++) {
      assert.deepEqual(await click(), { status: 200, body: { value: 'a' } });
      await new Promise((r) => setTimeout(r, 100));
    }
    const report = (await host.get<Report>('/api/report')).body;
    assert.deepEqual(
      report.Plugins.filter((p) => p.id === 'dup'),
      [{ id: 'dup', label: 'Dup', interfaces: ['reporter', 'controller'], api_version: '1', status: 'ok' }],
    );
    assert.ok(report.Host.controls?.['dup~c'], 'dup~c advertised');

    // a failing: its controls go (nothing advertises dup~c any more), b does not step in while a exists.
    aFails.now = true;
    bFails.now = false;
    await waitFor('dup~c unrouted', async () => (await click()).status === 404);
    assert.equal((await host.get<Report>('/api/report')).body.Host.controls?.['dup~c'], undefined);

    // a gone: b serves the id.
    await plugins[0]!.close();
    await waitFor('b serves', async () => (await click()).body.value === 'b');
    const after = await rows();
    assert.equal(after.length, 1);
    assert.equal(after[0]!.status, 'ok');
  } finally {
    await host.close();
    await Promise.all(plugins.map((p) => p.close()));
    await root.cleanup();
  }
});
