/**
 * The supervisor with up to two real shard workers and real plugins on unix sockets, fed discovery
 * diffs by hand (no directory watching): assignment by path hash, rows from the table with the
 * shards' counters, a removal, a socket replaced by another with the same id, and a snapshot that
 * survives a dead shard.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { stat } from 'node:fs/promises';
import { pino } from 'pino';
import { servePlugin, type PluginServer } from '../../../../src/kit/index.js';
import { PluginTable } from '../../../../src/main/core/plugin-table.js';
import { Supervisor } from '../../../../src/main/core/supervisor.js';
import type { DiscoveredSocket } from '../../../../src/main/discovery/discovery.js';
import type { StatsEvent } from '../../../../src/shared/protocol.js';
import { shardConfig } from '../../../helpers/shard-config.js';
import { watchShardWorkers } from '../../../helpers/shard-workers.js';
import { tempDir } from '../../../helpers/tmp.js';
import { waitFor } from '../../../helpers/wait.js';

async function discovered(plugin: PluginServer, id: string): Promise<DiscoveredSocket> {
  const s = await stat(plugin.socketPath);
  return { path: plugin.socketPath, id, dev: s.dev, ino: s.ino, birthtimeMs: s.birthtimeMs };
}

describe('Supervisor', () => {
  let dir: { path: string; cleanup(): Promise<void> };
  const table = new PluginTable();
  const stats: Array<[number, StatsEvent]> = [];
  const discoveries: Array<[number, number]> = [];
  const workers = watchShardWorkers();
  const supervisor = new Supervisor({
    workers: 2,
    pluginsPerWorker: 2,
    shard: shardConfig,
    logger: pino({ level: 'silent' }),
    table,
    snapshotTimeoutMs: 1_000,
    observer: { shardStats: (w, e) => stats.push([w, e]), discovery: (a, r) => discoveries.push([a, r]) },
  });
  const plugins: PluginServer[] = [];
  const sockets: DiscoveredSocket[] = [];

  before(async () => {
    dir = await tempDir();
    for (const id of ['alpha', 'bravo', 'charlie', 'delta']) {
      const plugin = await servePlugin({ id, root: dir.path, spec: { label: id }, report: () => ({}) });
      plugins.push(plugin);
      sockets.push(await discovered(plugin, id));
    }
    await supervisor.start();
  });
  after(async () => {
    workers.stop();
    await supervisor.close();
    await Promise.all(plugins.map((p) => p.close()));
    await dir.cleanup();
  });

  test('sockets fill the started shard up to pluginsPerWorker, then start the next one, and are polled there', async () => {
    supervisor.applyDiff({ added: sockets, removed: [] });
    assert.deepEqual(discoveries, [[4, 0]]);
    sockets.forEach((s, i) => assert.equal(table.get(s.path)?.shard, i < 2 ? 0 : 1, s.id));
    const rows = await waitFor('every plugin ok and polled', async () => {
      const list = await supervisor.plugins();
      return list.length === 4 && list.every((r) => r.status === 'ok' && r.polls > 0) && list;
    });
    assert.deepEqual(
      rows.map((r) => r.id),
      ['alpha', 'bravo', 'charlie', 'delta'],
    );
    await waitFor('stats from a shard', () => stats.length > 0);
  });

  test('concurrent listings share one read', async () => {
    const [a, b] = [supervisor.plugins(), supervisor.plugins()];
    assert.equal(a, b);
    assert.equal((await a).length, 4);
  });

  test('a snapshot holds one pack per shard and every spec; a dead shard lists its plugins from the table', async () => {
    const full = await supervisor.snapshot('current');
    assert.equal(full.parts.length, 2);
    assert.deepEqual(full.specs.map((s) => s.id).sort(), ['alpha', 'bravo', 'charlie', 'delta']);

    const onShard1 = sockets.filter((s) => table.get(s.path)?.shard === 1).map((s) => s.id);
    assert.equal(onShard1.length, 2);
    await workers.get(1)!.terminate();
    await waitFor('shard 1 marked down', () => !supervisor.shard(1).ready);
    const partial = await supervisor.snapshot('current');
    assert.equal(partial.parts.length, 1);
    assert.deepEqual(partial.specs.map((s) => s.id).sort(), ['alpha', 'bravo', 'charlie', 'delta']);
    for (const spec of partial.specs.filter((s) => onShard1.includes(s.id))) assert.match(spec.status ?? '', /worker thread/);
    await waitFor('shard 1 restarted', () => supervisor.restarts()[1] === 1 && supervisor.shard(1).ready);
    await waitFor('its plugins resumed', async () => (await supervisor.plugins()).every((r) => r.status === 'ok'));
  });

  test('a removal stops the actor and drops the row; of two sockets with one id the first path serves, the other is listed unpolled', async () => {
    const gone = sockets[0]!;
    supervisor.applyDiff({ added: [], removed: [gone] });
    assert.equal(table.get(gone.path), undefined);
    assert.deepEqual(
      (await supervisor.plugins()).map((r) => r.id),
      ['bravo', 'charlie', 'delta'],
    );

    // 'zz-bravo/…' sorts after 'bravo/…': the socket already serving keeps the id.
    const twin = await servePlugin({ id: 'zz-bravo', root: dir.path, spec: { label: 'twin' }, report: () => ({}) });
    plugins.push(twin);
    supervisor.applyDiff({ added: [await discovered(twin, 'bravo')], removed: [] });
    assert.equal(table.serving('bravo')?.key, sockets[1]!.path);
    const rows = await supervisor.plugins();
    const listed = rows.find((r) => r.socket === twin.socketPath);
    assert.equal(listed?.errorCode, 'PLUGIN_DUPLICATE_ID');
    const original = plugins[1]!.stats.reports;
    await waitFor('the serving socket polled again', () => plugins[1]!.stats.reports > original + 1);
    assert.equal(twin.stats.reports, 0, 'the twin is never polled');
  });
});
