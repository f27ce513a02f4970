import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fakePlugins, startFleet, type Fleet, type PluginSpec } from '../../bench/fleet/client.js';
import { buildReportTemplate, fixedTimestamp, renderReport } from '../../bench/fleet/fake-report.js';
import { RequestLog, entriesOf } from '../../bench/fleet/request-log.js';
import { isErrorRequest, resolveSpec, scenarioPlugins } from '../../bench/fleet/scenario.js';
import { tempDir } from '../helpers/tmp.js';
import { waitFor } from '../helpers/wait.js';
import { getReport, postControl, unixRequest } from '../helpers/kit-http.js';

describe('fleet parts', () => {
  test('fake reports have the exact requested size and the shape upstream was measured with', () => {
    for (const reportBytes of [600, 601, 777, 2048, 20_000, 200_001]) {
      for (const controller of [false, true]) {
        const t = buildReportTemplate(resolveSpec({ id: 'fake-0042', reportBytes, controller }), 'vm', 42);
        const body = renderReport(t, 1_700_000_000_123.456);
        assert.equal(Buffer.byteLength(body), Math.max(reportBytes, controller ? 724 : 524), `${reportBytes} ${controller}`);
        assert.equal(t.bytes, Buffer.byteLength(body));
        const r = JSON.parse(body);
        const node = r.Host.nodes['vm;<host>'];
        assert.deepEqual(Object.keys(node.metrics), ['fake_metric_0042']);
        assert.equal(node.metrics.fake_metric_0042.samples[0].date, '2023-11-14T22:13:20.123456000Z');
        assert.ok(r.Host.metric_templates.fake_metric_0042);
        assert.equal(r.Plugins[0].id, 'fake-0042');
        assert.equal(node.latest.active_controls?.value, controller ? 'fake_control' : undefined);
      }
    }
    const seed = JSON.parse(renderReport(buildReportTemplate(resolveSpec({ id: 'fake-0001', era: 'handshake' }), 'vm', 1), 0));
    assert.equal(seed.Plugins, undefined);
    assert.equal(fixedTimestamp(Date.UTC(2020, 0, 2, 3, 4, 5, 6)).length, 30);
  });

  test('error rate picks evenly spread requests', () => {
    const fails = (rate: number) => Array.from({ length: 8 }, (_, n) => isErrorRequest(n, rate));
    assert.deepEqual(fails(0), [false, false, false, false, false, false, false, false]);
    assert.deepEqual(fails(1), [true, true, true, true, true, true, true, true]);
    assert.deepEqual(fails(0.25), [false, false, false, true, false, false, false, true]);
  });

  test('request log keeps the newest entries at its cap and counts the dropped ones', () => {
    const log = new RequestLog(3);
    for (let i = 0; i < 5; i++) log.push(i, i + 0.5, i % 2 ? '/control' : '/report', 200);
    const { flat, dropped } = log.take(true);
    assert.equal(dropped, 2);
    assert.deepEqual(
      entriesOf(flat).map((e) => [e.arrive, e.path]),
      [
        [2, '/report'],
        [3, '/control'],
        [4, '/report'],
      ],
    );
    assert.equal(log.take(false).flat.length, 0);
    const big = new RequestLog(1000);
    for (let i = 0; i < 100; i++) big.push(i, i, '/', 0);
    assert.equal(entriesOf(big.take(false).flat).length, 100);
  });

  test('scenario shorthand: count + defaults, explicit plugins override by id', () => {
    const plugins = scenarioPlugins({ root: '/x', count: 3, defaults: { latencyMs: 5 }, plugins: [{ id: 'fake-0001', hang: true }, { id: 'other' }] });
    assert.deepEqual(plugins, [
      { latencyMs: 5, id: 'fake-0000' },
      { latencyMs: 5, id: 'fake-0001', hang: true },
      { latencyMs: 5, id: 'fake-0002' },
      { latencyMs: 5, id: 'other' },
    ]);
    assert.throws(() => resolveSpec({ id: 'x', errorRate: 2 }), /errorRate/);
  });
});

describe('fleet process', () => {
  let root: string;
  let cleanup: () => Promise<void>;
  let fleet: Fleet;
  const sock = (id: string) => join(root, id, `${id}.sock`);
  const plugins: PluginSpec[] = fakePlugins(10).map((p, i) => {
    const behaviour: Record<number, Partial<PluginSpec>> = {
      2: { reportBytes: 4096, gzip: true },
      3: { hang: true },
      5: { errorRate: 1 },
      7: { era: 'handshake' },
      8: { controller: true, latencyMs: 50 },
    };
    return { ...p, ...behaviour[i] };
  });

  before(async () => {
    ({ path: root, cleanup } = await tempDir('flt-'));
    fleet = startFleet({ root, plugins, hostname: 'fleethost' });
  });
  after(async () => {
    await fleet.stop();
    await cleanup();
  });

  test('serves every plugin on <root>/fake-NNNN/fake-NNNN.sock', async () => {
    const ready = await fleet.ready;
    assert.equal(ready.ids.length, 10);
    assert.deepEqual(ready.failed, []);
    assert.equal(ready.stats.plugins, 10);
    assert.ok(ready.stats.rssBytes > 0 && ready.listenMs >= 0);
    assert.deepEqual(
      (await readdir(root)).sort(),
      plugins.map((p) => p.id),
    );
    for (const p of plugins) assert.ok(existsSync(sock(p.id)), p.id);
  });

  test('behaviours: plain, gzip, hang, 500, handshake era, controller echo', async () => {
    await fleet.ready;
    const plain = await getReport(sock('fake-0000'));
    assert.equal(plain.status, 200);
    assert.equal(plain.raw.length, 600);
    assert.equal(plain.json().Plugins[0].id, 'fake-0000');
    assert.ok(plain.json().Host.nodes['fleethost;<host>'].metrics.fake_metric_0000);
    assert.equal((await unixRequest(sock('fake-0000'), '/')).status, 404);

    const zipped = await getReport(sock('fake-0002'), 'p', { 'Accept-Encoding': 'gzip' });
    assert.equal(zipped.headers['content-encoding'], 'gzip');
    assert.equal(zipped.text.length, 4096);

    await assert.rejects(unixRequest(sock('fake-0003'), '/report', { timeoutMs: 300 }), { code: 'TIMEOUT' });
    assert.equal((await getReport(sock('fake-0005'))).status, 500);

    const hs = await unixRequest(sock('fake-0007'), '/?api_version=1&probe_id=p');
    assert.equal(hs.json().name, 'fake-0007');
    assert.equal((await getReport(sock('fake-0007'))).json().Plugins, undefined);

    const report = (await getReport(sock('fake-0008'))).json();
    assert.deepEqual(report.Plugins[0].interfaces, ['reporter', 'controller']);
    assert.ok(report.Host.controls.fake_control);
    const echo = await postControl(sock('fake-0008'), { AppID: 'a', NodeID: 'fleethost;<host>', Control: 'fake_control', ControlArgs: null });
    assert.deepEqual(echo.json(), { value: 'fleethost;<host>,fake_control' });
  });

  test('request logs: arrival and finish per request, the hung one never answered', async () => {
    const logs = await waitFor('the hung request logged', async () => {
      const l = await fleet.collectLogs();
      return (l.get('fake-0003')?.length ?? 0) > 0 && l;
    });
    const statuses = (id: string) => logs.get(id)!.map((e) => `${e.path} ${e.status}`);
    assert.deepEqual(statuses('fake-0000'), ['/report 200', '/ 404']);
    assert.deepEqual(statuses('fake-0003'), ['/report 0'], 'hung: the client gave up, no answer was ever written');
    assert.deepEqual(statuses('fake-0005'), ['/report 500']);
    assert.deepEqual(statuses('fake-0007'), ['/ 200', '/report 200']);
    assert.deepEqual(statuses('fake-0008'), ['/report 200', '/control 200']);
    assert.deepEqual(statuses('fake-0009'), []);
    const control = logs.get('fake-0008')![1]!;
    assert.ok(control.finish - control.arrive >= 40, `latency honoured: ${control.finish - control.arrive} ms`);
    for (const entries of logs.values()) {
      for (const e of entries) assert.ok(e.arrive <= e.finish && Math.abs(e.arrive - Date.now()) < 120_000, JSON.stringify(e));
    }
    await fleet.collectLogs({ reset: true });
    assert.equal((await fleet.collectLogs()).get('fake-0000')!.length, 0);
  });

  test('plugins can be added and removed at runtime', async () => {
    await fleet.ready;
    const added = await fleet.addPlugins([{ id: 'fake-0100' }, { id: 'fake-0000' }]);
    assert.deepEqual(added.ids, ['fake-0100']);
    assert.deepEqual(added.failed, [{ id: 'fake-0000', message: 'already served' }]);
    assert.equal((await getReport(sock('fake-0100'))).json().Plugins[0].id, 'fake-0100');
    const removed = await fleet.removePlugins(['fake-0100', 'nope']);
    assert.deepEqual(removed, { ids: ['fake-0100'], missing: ['nope'] });
    assert.equal(existsSync(join(root, 'fake-0100')), false);
    assert.equal((await fleet.stats()).plugins, 10);
    const bad = await fleet.addPlugins([{ id: 'bad id' }]);
    assert.deepEqual(bad.ids, []);
    assert.match(bad.failed[0]!.message, /invalid plugin id/);
    await assert.rejects(fleet.addPlugins([{ id: 'fake-0200', errorRate: 2 }]), /errorRate/);
  });

  test('stop closes every socket and ends the process', async () => {
    await fleet.ready;
    await fleet.stop();
    assert.deepEqual(await readdir(root), []);
    assert.throws(() => process.kill(fleet.pid, 0), { code: 'ESRCH' });
    await assert.rejects(fleet.stats(), /exited/);
  });
});

describe('fleet over two processes', () => {
  test('spreads plugins, routes removes, merges logs and stats, stops both', async () => {
    const tmp = await tempDir('flt-');
    const fleet = startFleet({ root: tmp.path, plugins: fakePlugins(6), processes: 2 });
    try {
      const ready = await fleet.ready;
      assert.equal(fleet.pids.length, 2);
      assert.notEqual(fleet.pids[0], fleet.pids[1]);
      assert.equal(ready.ids.length, 6);
      assert.equal(ready.stats.plugins, 6);
      for (const id of ready.ids) assert.equal((await getReport(join(tmp.path, id, `${id}.sock`))).status, 200);
      const logs = await fleet.collectLogs();
      assert.deepEqual(
        [...logs.keys()].sort(),
        fakePlugins(6).map((p) => p.id),
      );
      assert.ok([...logs.values()].every((l) => l.length === 1 && l[0]!.status === 200));
      const removed = await fleet.removePlugins(['fake-0001', 'fake-0004', 'nope']);
      assert.deepEqual([...removed.ids].sort(), ['fake-0001', 'fake-0004']);
      assert.deepEqual(removed.missing, ['nope']);
      assert.equal(existsSync(join(tmp.path, 'fake-0004')), false);
      assert.equal((await fleet.stats()).plugins, 4);
      const added = await fleet.addPlugins(fakePlugins(2, {}, 10));
      assert.deepEqual([...added.ids].sort(), ['fake-0010', 'fake-0011']);
    } finally {
      await fleet.stop();
    }
    assert.deepEqual(await readdir(tmp.path), []);
    for (const pid of fleet.pids) assert.throws(() => process.kill(pid, 0), { code: 'ESRCH' });
    await tmp.cleanup();
  });
});
