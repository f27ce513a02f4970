/**
 * Shard workers start as plugins call for them: one with the host, another each time every started
 * shard holds `pluginsPerWorker` plugins (up to `workers`); a plugin never changes shard, and a
 * restarted shard takes up the same plugins. Real host, real worker threads, real plugins.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { servePlugin, type PluginServer } from '../../src/kit/index.js';
import { startTestHost, testConfig, type TestHost } from '../helpers/host.js';
import { watchShardWorkers } from '../helpers/shard-workers.js';
import { tempDir } from '../helpers/tmp.js';
import { waitFor } from '../helpers/wait.js';

interface Row {
  id: string;
  socket: string;
  status?: string;
  polls: number;
}

function plugin(root: string, id: string): Promise<PluginServer> {
  return servePlugin({ id, root, spec: { label: id }, report: () => ({}) });
}

/** Socket path → shard, from the plugin table (the owner of that assignment). */
function shards(host: TestHost): Map<string, number> {
  return new Map([...host.service.core.table.values()].map((r) => [r.key, r.shard]));
}

async function allOk(host: TestHost, n: number): Promise<Row[] | undefined> {
  const rows = (await host.get<Row[]>('/api/plugins')).body;
  return rows.length === n && rows.every((r) => r.status === 'ok' && r.polls > 0) ? rows : undefined;
}

/**
 * Adds plugin `b-0`, which must start shard 1 and land on it, every earlier plugin staying on its
 * shard (`before`); returns the assignment after it.
 */
async function addStartingShard1(
  host: TestHost,
  workers: ReturnType<typeof watchShardWorkers>,
  root: string,
  plugins: PluginServer[],
  before: ReadonlyMap<string, number>,
): Promise<Map<string, number>> {
  plugins.push(await plugin(root, 'b-0'));
  await waitFor(`${plugins.length} ok`, () => allOk(host, plugins.length));
  assert.deepEqual(workers.started(), [0, 1]);
  const after = shards(host);
  for (const [key, shard] of before) assert.equal(after.get(key), shard, `${key} moved`);
  assert.equal(after.get(plugins[plugins.length - 1]!.socketPath), 1);
  return after;
}

/** Stops watching the shard workers and closes the host, then its plugins and their directory. */
async function closeAll(
  workers: ReturnType<typeof watchShardWorkers>,
  host: TestHost,
  plugins: readonly PluginServer[],
  dir: Awaited<ReturnType<typeof tempDir>>,
): Promise<void> {
  workers.stop();
  await host.close();
  await Promise.all(plugins.map((p) => p.close()));
  await dir.cleanup();
}

describe('shard workers started on demand', () => {
  test('10 plugins run on one shard thread of the two allowed', async () => {
    const dir = await tempDir();
    const workers = watchShardWorkers();
    const plugins = await Promise.all(Array.from({ length: 10 }, (_, i) => plugin(dir.path, `p-${i}`)));
    const host = await startTestHost({ pluginsRoot: dir.path, pollIntervalMs: 200, workers: 2 });
    try {
      await waitFor('all ok', () => allOk(host, 10));
      assert.ok(workers.get(0), 'shard 0 started');
      assert.deepEqual(workers.started(), [0]);
      assert.deepEqual(new Set(shards(host).values()), new Set([0]));
      assert.deepEqual(host.service.core.workerRestarts(), [0]);
    } finally {
      await closeAll(workers, host, plugins, dir);
    }
  });

  test('crossing pluginsPerWorker starts the next shard; plugins never move; a restarted shard keeps its plugins', async () => {
    const dir = await tempDir();
    const workers = watchShardWorkers();
    const plugins: PluginServer[] = [];
    for (let i = 0; i < 3; i++) plugins.push(await plugin(dir.path, `a-${i}`));
    const host = await startTestHost({ pluginsRoot: dir.path, pollIntervalMs: 200, rescanIntervalMs: 200, workers: 3, pluginsPerWorker: 3 });
    try {
      const first = await waitFor('3 ok', () => allOk(host, 3));
      assert.deepEqual(workers.started(), [0], 'at the threshold, not over it: one shard');
      const before = shards(host);
      assert.deepEqual(new Set(before.values()), new Set([0]));

      // A fourth plugin: every started shard holds 3, so shard 1 starts and takes it.
      const after = await addStartingShard1(host, workers, dir.path, plugins, before);
      // Their actors lived on: a moved plugin's poll count would start again from 0.
      const rows = (await host.get<Row[]>('/api/plugins')).body;
      for (const row of first) assert.ok(rows.find((r) => r.socket === row.socket)!.polls >= row.polls, `${row.id} polls went back`);

      // New plugins go to the started shard holding the fewest; a third shard waits for 3 + 3.
      plugins.push(await plugin(dir.path, 'b-1'), await plugin(dir.path, 'b-2'));
      await waitFor('6 ok', () => allOk(host, 6));
      assert.deepEqual(workers.started(), [0, 1]);
      const six = shards(host);
      assert.deepEqual([...six.values()].sort(), [0, 0, 0, 1, 1, 1]);
      for (const [key, shard] of after) assert.equal(six.get(key), shard, `${key} moved`);

      // Kill shard 1's worker: it restarts with the same three plugins, shard 0's are untouched.
      const reports = plugins.map((p) => p.stats.reports);
      await workers.get(1)!.terminate();
      await waitFor('restarted', () => host.logs.some((l) => l.msg === 'shard worker restarted; its plugins resumed' && l['shard'] === 1));
      await waitFor('6 ok again', () => allOk(host, 6));
      await waitFor('polled again', () => plugins.every((p, i) => p.stats.reports > reports[i]! + 2));
      assert.deepEqual(shards(host), six);
      assert.deepEqual(host.service.core.workerRestarts(), [0, 1]);
      assert.deepEqual(workers.started(), [0, 1]);
      // One shard's plugins gone: the next plugin refills it rather than starting a third shard.
      for (const p of plugins.splice(3, 3)) await p.close();
      await waitFor('3 left', async () => (await host.get<Row[]>('/api/plugins')).body.length === 3);
      plugins.push(await plugin(dir.path, 'c-0'));
      await waitFor('4 ok', () => allOk(host, 4));
      assert.equal(shards(host).get(plugins[3]!.socketPath), 1);
      assert.deepEqual(workers.started(), [0, 1]);
    } finally {
      await closeAll(workers, host, plugins, dir);
    }
  });

  test('a reload that lowers pluginsPerWorker starts the next shard for the plugins added after it; none moves', async () => {
    const dir = await tempDir();
    const workers = watchShardWorkers();
    const plugins = [await plugin(dir.path, 'a-0'), await plugin(dir.path, 'a-1')];
    const settings = { pluginsRoot: dir.path, pollIntervalMs: 200, rescanIntervalMs: 200, workers: 2, pluginsPerWorker: 10 };
    let file = testConfig(settings);
    const host = await startTestHost(settings, { loadConfig: async () => file });
    try {
      await waitFor('2 ok', () => allOk(host, 2));
      const before = shards(host);
      file = testConfig({ ...settings, pluginsPerWorker: 2 });
      const reload = await host.service.reload('test');
      assert.deepEqual(reload, { ok: true, changed: ['pluginsPerWorker'], restartRequired: [] });
      assert.deepEqual(workers.started(), [0], 'nothing moves at the reload');

      await addStartingShard1(host, workers, dir.path, plugins, before);
    } finally {
      await closeAll(workers, host, plugins, dir);
    }
  });
});
