/**
 * The host alone with a REAL Scope app (shape a: nothing else publishes its nodes): publishes
 * accepted and rendered, plugin controls listed with our probe ID, clicks through the app's own
 * `POST /api/control/...` reaching the plugin over the control websocket, error answers, a
 * shortcut report at once, the app restarted mid-run, clicks while plugins hang, app identity.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { startTestHost, type TestHost } from '../helpers/host.js';
import { rawPlugin, type RawPlugin } from '../helpers/raw-plugin.js';
import { appId, appJson, hostControls, uiClick } from '../helpers/scope-app-client.js';
import { scopeBinary, startScopeApp, type ScopeApp } from '../helpers/scope-binary.js';
import { appTestPlugin, type AppTestPlugin } from '../helpers/scope-plugins.js';
import { tempDir } from '../helpers/tmp.js';
import { waitFor } from '../helpers/wait.js';

const binary = scopeBinary();
const skip = 'skip' in binary ? binary.skip : false;
const PROBE = 'abcdef0123456789';
const NODE = 'plughost-a;<host>';

describe('a real Scope app, this host alone', { skip }, () => {
  let app: ScopeApp;
  let host: TestHost;
  let plugin: AppTestPlugin;
  let dir: Awaited<ReturnType<typeof tempDir>>;
  const hung: RawPlugin[] = [];

  before(async () => {
    dir = await tempDir();
    app = await startScopeApp((binary as { path: string }).path);
    plugin = await appTestPlugin({ root: dir.path, id: 'iow', hostname: 'plughost-a', tag: 'iow_metric' });
    for (let i = 0; i < 10; i++) hung.push(await rawPlugin(join(dir.path, `hung-${i}`, `hung-${i}.sock`), () => {}));
    host = await startTestHost({
      pluginsRoot: dir.path,
      pollIntervalMs: 200,
      workers: 1,
      probeId: PROBE,
      publish: { apps: [app.url], intervalMs: 1000 },
    });
  });

  after(async () => {
    await host?.close();
    await app?.stop();
    await plugin?.close();
    await Promise.all(hung.map((h) => h.close()));
    await dir?.cleanup();
  });

  test('our publishes are accepted and rendered; the plugin controls are listed with our probe ID', async () => {
    const controls = await waitFor(
      'the node and its controls in the app',
      async () => {
        const c = await hostControls(app, NODE);
        return c !== undefined && c.length === 2 ? c : undefined;
      },
      15_000,
    );
    assert.deepEqual(controls.map((c) => [c.id, c.probeId, c.nodeId]).sort(), [
      [`${PROBE}~iow~fail`, PROBE, NODE],
      [`${PROBE}~iow~toB`, PROBE, NODE],
    ]);
    const hosts = (await appJson<{ nodes: Record<string, { metrics?: { id: string }[] }> }>(app, '/api/topology/hosts')).body;
    assert.ok(
      hosts.nodes[NODE]?.metrics?.some((m) => m.id === 'iow_metric'),
      JSON.stringify(hosts.nodes[NODE]),
    );
    const metrics = await (await fetch(`${host.url}/metrics`)).text();
    assert.match(metrics, new RegExp(`app_control_connected\\{app="${app.url.replace(/\./g, '\\.')}",app_id="${await appId(app)}"\\} 1`));
  });

  test('a click through the app reaches the plugin; its answer and its error come back through the app', async () => {
    await waitFor('control connection up', () => host.service.appControls!.stats[0]?.connected === true);
    const ok = await uiClick(app, PROBE, NODE, `${PROBE}~iow~toA`, { k: 'v' });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.deepEqual(ok.body, { value: { tag: 'iow_metric', appId: await appId(app), node: NODE, control: 'toA', args: { k: 'v' } } });
    const bad = await uiClick(app, PROBE, NODE, `${PROBE}~iow~fail`);
    assert.deepEqual(bad, { status: 400, body: 'iow_metric refuses' });
    const unknown = await uiClick(app, PROBE, NODE, `${PROBE}~nope~x`);
    assert.deepEqual(unknown, { status: 400, body: 'Control "nope~x" not recognised' });
    // Put the toggle back for the next test.
    assert.equal((await uiClick(app, PROBE, NODE, `${PROBE}~iow~toB`)).status, 200);
  });

  test('a shortcut report shows in the app at once, before any periodic publish', async () => {
    const clicksInApp = async () => {
      const r = await appJson<{ Host: { nodes: Record<string, { latest: Record<string, { value: string }> }> } }>(app, '/api/report');
      return r.body.Host.nodes[NODE]?.latest['iow_metric_clicks']?.value;
    };
    await waitFor('the app has every click so far', async () => (await clicksInApp()) === String(plugin.clicks.length));
    // Just past a periodic publish, so the next one is about a second away.
    const published = host.service.publisher!.scheduleStats.published;
    await waitFor('a periodic publish', () => host.service.publisher!.scheduleStats.published > published);
    const before = host.service.publisher!.scheduleStats.published;
    assert.equal((await uiClick(app, PROBE, NODE, `${PROBE}~iow~toA`)).status, 200);
    const expected = String(plugin.clicks.length);
    await waitFor('the click count of the shortcut report in the app', async () => (await clicksInApp()) === expected, 900, 10);
    assert.equal(host.service.publisher!.scheduleStats.published, before, 'seen before the next periodic publish');
  });

  test('a click while 10 plugins hang answers within 100 ms', async () => {
    const times: number[] = [];
    for (let i = 0; i < 10; i++) {
      const t0 = performance.now();
      const r = await uiClick(app, PROBE, NODE, `${PROBE}~iow~toA`);
      times.push(performance.now() - t0);
      assert.equal(r.status, 200);
    }
    times.sort((a, b) => a - b);
    assert.ok(times[8]! < 100, `round trips through the app ${times.map((t) => t.toFixed(1)).join(', ')} ms`);
  });

  test('the app restarted mid-run (down 3 s): clicks work again within 5 s of it being up', async () => {
    const oldId = await appId(app);
    const port = Number(new URL(app.url).port);
    await app.stop();
    await new Promise((r) => setTimeout(r, 3_000));
    app = await startScopeApp((binary as { path: string }).path, '127.0.0.1', 20_000, { port });
    const up = performance.now();
    const r = await waitFor(
      'a click answered',
      async () => {
        const answer = await uiClick(app, PROBE, NODE, `${PROBE}~iow~toA`);
        return answer.status === 200 ? answer : undefined;
      },
      5_000,
      50,
    );
    const elapsed = performance.now() - up;
    assert.ok(elapsed < 5_000, `${elapsed} ms`);
    assert.equal((r.body as { value: { node: string } }).value.node, NODE);
    const newId = await appId(app);
    assert.notEqual(newId, oldId);
    assert.equal((r.body as { value: { appId: string } }).value.appId, newId, "clicks carry the restarted app's id");
    await waitFor('the node back in the app', async () => (await hostControls(app, NODE))?.length === 2, 10_000);
  });
});

describe('a hung app beside a healthy one', { skip }, () => {
  test('the healthy app gets publishes and its clicks answer while the other app hangs every request', async () => {
    const dir = await tempDir();
    // Accepts connections and never answers: GET /api, the publish and the websocket upgrade all hang.
    const sockets = new Set<import('node:net').Socket>();
    const hung = createServer((s) => void sockets.add(s));
    await new Promise<void>((r) => hung.listen(0, '127.0.0.1', r));
    const hungUrl = `http://127.0.0.1:${(hung.address() as { port: number }).port}`;
    const app = await startScopeApp((binary as { path: string }).path);
    const plugin = await appTestPlugin({ root: dir.path, id: 'iow', hostname: 'plughost-h', tag: 'iow_h' });
    const host = await startTestHost({
      pluginsRoot: dir.path,
      pollIntervalMs: 200,
      workers: 1,
      probeId: PROBE,
      publish: { apps: [hungUrl, app.url], intervalMs: 500 },
    });
    try {
      await waitFor('control connection to the healthy app', () => host.service.appControls!.stats.some((c) => c.url === app.url && c.connected), 10_000);
      await waitFor('the plugin controls in the healthy app', async () => (await hostControls(app, 'plughost-h;<host>'))?.length === 2, 10_000);
      const times: number[] = [];
      for (let i = 0; i < 5; i++) {
        const t0 = performance.now();
        const r = await uiClick(app, PROBE, 'plughost-h;<host>', `${PROBE}~iow~fail`);
        times.push(performance.now() - t0);
        assert.deepEqual(r, { status: 400, body: 'iow_h refuses' });
      }
      assert.ok(Math.min(...times) < 100, `clicks ${times.map((t) => t.toFixed(1)).join(', ')} ms`);
      const sent = host.service.publisher!.stats.find((s) => s.url === app.url)!.sent;
      await waitFor('publishes go on', () => host.service.publisher!.stats.find((s) => s.url === app.url)!.sent >= sent + 2, 5_000);
      const stuck = host.service.publisher!.stats.find((s) => s.url === hungUrl)!;
      assert.equal(stuck.appId, null, 'the hung app never said who it is, so nothing is queued for it');
      assert.equal(host.service.appControls!.stats.length, 1);
    } finally {
      await host.close();
      await app.stop();
      await plugin.close();
      for (const s of sockets) s.destroy();
      await new Promise((r) => hung.close(r));
      await dir.cleanup();
    }
  });
});
