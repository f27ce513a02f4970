/**
 * The status page's header, pill and plugin detail view in a real headless Chromium against a
 * real host: real plugins (the iowait example as a real controller, failing ones, a hostile one),
 * a stand-in Scope app to publish to, and clicks that go through the host to the plugin.
 * Screenshots go to $STATUS_PAGE_SCREENSHOTS (a folder) or the test's temp folder.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startIowaitPlugin, type IowaitPlugin } from '../../src/examples/iowait-plugin.js';
import { servePlugin, type PluginServer } from '../../src/kit/index.js';
import type { PluginDetail } from '../../src/main/core/plugin-detail.js';
import type { PluginRow } from '../../src/main/core/plugin-table.js';
import type { HostInfo } from '../../src/main/host-info.js';
import { VERSION } from '../../src/main/version.js';
import { BROWSER_SKIP, launchBrowser, openPage, pngSize } from '../helpers/browser.js';
import { startFakeApp, type FakeApp } from '../helpers/fake-scope-app.js';
import { startTestHost, type TestHost } from '../helpers/host.js';
import { rawPlugin, specReport, type RawPlugin } from '../helpers/raw-plugin.js';
import { tempDir } from '../helpers/tmp.js';
import { waitFor } from '../helpers/wait.js';

const HOSTILE = '<img src=x onerror="window.__pwned=1">';
const HOST_NAME = 'lab-host';
const IOWAIT_NODE = `${HOST_NAME};<host>`;

describe('status page header and plugin detail in headless Chromium', { skip: BROWSER_SKIP }, () => {
  let browser: Browser;
  let dir: { path: string; cleanup(): Promise<void> };
  let host: TestHost;
  let iowait: IowaitPlugin;
  let goodApp: FakeApp;
  let sadApp: FakeApp;
  const kit: PluginServer[] = [];
  const raw: RawPlugin[] = [];
  let root: string;
  let shots: string;
  /** zeta's behaviour: 500 or a valid report. */
  let zetaFails = true;
  /** Node IDs of the clicks beta received. */
  const betaClicks: string[] = [];

  before(async () => {
    dir = await tempDir('sph-spd-');
    shots = process.env['STATUS_PAGE_SCREENSHOTS'] ?? dir.path;
    await mkdir(shots, { recursive: true });
    root = join(dir.path, 'plugins');
    iowait = await startIowaitPlugin({ root, hostname: HOST_NAME });
    kit.push(
      await servePlugin({
        id: 'alpha',
        root,
        spec: { label: 'Alpha', description: 'containers and a hostile metric' },
        report: () => {
          const ts = new Date().toISOString();
          return {
            Container: {
              nodes: {
                c1: { metrics: { [HOSTILE]: { samples: [{ date: ts, value: 3 }] }, cpu: { samples: [{ date: ts, value: 12.5 }] } } },
                [HOSTILE]: { metrics: { cpu: { samples: [{ date: ts, value: 80 }] } } },
                c3: {},
              },
              metric_templates: { cpu: { id: 'cpu', label: 'CPU', format: 'percent', priority: 1 } },
            },
          };
        },
      }),
      await servePlugin({
        id: 'beta',
        root,
        spec: { label: 'Beta', interfaces: ['reporter', 'controller'] },
        report: () => {
          const ts = new Date().toISOString();
          return {
            Host: {
              nodes: { 'b1;<host>': { latest: { active_controls: { timestamp: ts, value: 'reboot' } } } },
              controls: { reboot: { id: 'reboot', human: 'Reboot', icon: 'fa-power-off', rank: 1, confirmation: `Really reboot? ${HOSTILE}` } },
            },
          };
        },
        control: (req) => {
          betaClicks.push(req.NodeID);
          return {};
        },
      }),
    );
    const failing = (status: number, body: string) => (_req: unknown, res: import('node:http').ServerResponse) => void res.writeHead(status).end(body);
    await mkdir(join(root, 'team-networking', 'a-rather-long-directory'), { recursive: true });
    raw.push(
      await rawPlugin(join(root, 'broken-a.sock'), failing(500, 'boom')),
      await rawPlugin(join(root, 'team-networking', 'a-rather-long-directory', 'broken-b.sock'), (req, res) => {
        if (!req.url?.startsWith('/report')) return void res.writeHead(404).end();
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(
            '{"Plugins": [{"id": "broken-b", "label": "B", "interfaces": ["reporter"], "api_version": "1"}], "Host": {"nodes": {"h": {"latest": {"x": {"timestamp": "yesterday, at about the time the coffee machine on the third floor broke down again", "value": "1"}}}}}}',
          );
      }),
      await rawPlugin(join(root, 'zeta.sock'), (req, res) => {
        if (!req.url?.startsWith('/report')) return void res.writeHead(404).end();
        if (zetaFails) return void res.writeHead(500).end('boom');
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(specReport({ id: 'zeta', label: 'Zeta', interfaces: ['reporter'] })));
      }),
    );
    goodApp = await startFakeApp(() => 200);
    sadApp = await startFakeApp(() => 503, 'app is down for maintenance');
    host = await startTestHost({
      pluginsRoot: root,
      pollIntervalMs: 250,
      failureBackoffMaxMs: 500,
      publish: { apps: [goodApp.url, sadApp.url], intervalMs: 300, retryInitialMs: 100, retryMaxMs: 200 } as never,
    });
    await waitFor(
      'three ok, three failing',
      async () => {
        const rows = (await host.get<PluginRow[]>('/api/plugins')).body;
        const ok = rows.filter((r) => r.status === 'ok').length;
        const failed = rows.filter((r) => r.status?.startsWith('error:')).length;
        return rows.length === 6 && ok === 3 && failed === 3;
      },
      15_000,
    );
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await host?.close();
    await Promise.all([...kit.map((p) => p.close()), ...raw.map((p) => p.close()), iowait?.close(), goodApp?.close(), sadApp?.close()]);
    await dir?.cleanup();
  });

  async function row(page: Page, id: string) {
    return page.locator('#rows tr', { has: page.locator('td.id', { hasText: new RegExp(`^${id}$`) }) });
  }

  test('whole status and socket text, wrapped; header; pill red from half failing, amber below', async () => {
    const { page, problems } = await openPage(browser, host.url + '/');
    try {
      await waitFor('6 rows', async () => (await page.locator('#rows tr').count()) === 6, 15_000);
      // The page and the API agree on every status and socket, character for character (a status may
      // change between the two reads on a busy machine: compare again until they agree).
      let rows: PluginRow[] = [];
      let shown: string[] = [];
      await waitFor(
        "page shows the API's whole texts",
        async () => {
          rows = (await host.get<PluginRow[]>('/api/plugins')).body;
          shown = await Promise.all(
            rows.map(async (r) => {
              const tr = await row(page, r.id);
              return `${await tr.locator('td.status').textContent()} | ${await tr.locator('td.socket').textContent()}`;
            }),
          );
          return JSON.stringify(shown) === JSON.stringify(rows.map((r) => `${r.status} | ${r.socket}`));
        },
        10_000,
      ).catch(() =>
        assert.deepEqual(
          shown,
          rows.map((r) => `${r.status} | ${r.socket}`),
        ),
      );
      const longest = rows.reduce((a, b) => ((a.status ?? '').length >= (b.status ?? '').length ? a : b));
      assert.ok((longest.status ?? '').length > 100, `a long status to show: ${longest.status}`);
      // Nothing hidden: every status and socket cell shows all its text (wrapped onto more lines, not clipped).
      const clipped = await page.evaluate(
        "[...document.querySelectorAll('#rows td.status, #rows td.socket')].filter((td) => td.scrollWidth > td.clientWidth + 1).map((td) => td.textContent)",
      );
      assert.deepEqual(clipped, []);
      const box = await (await row(page, longest.id)).locator('td.status').boundingBox();
      const lines = Math.round(((box?.height ?? 0) - 6) / (13 * 1.4));
      assert.ok(lines >= 2, `the long status wraps (${lines} lines)`);

      // 3 of 6 failing: red.
      await waitFor('red pill', async () => (await page.locator('#health').textContent()) === '3 of 6 plugins failing', 10_000);
      assert.equal(await page.locator('#health').getAttribute('class'), 'pill down');

      // Header: what this host is.
      const info = (await host.get<HostInfo>('/api/host')).body;
      assert.equal(await page.locator('#host-root').textContent(), root);
      assert.equal(await page.locator('#host-probe').textContent(), 'abcdef0123456789');
      assert.equal(info.probeId, 'abcdef0123456789');
      assert.equal(await page.locator('#host-version').textContent(), VERSION);
      assert.match((await page.locator('#host-uptime').textContent()) ?? '', /^\d+ s$/);
      assert.equal(await page.locator('#host-workers').textContent(), '2');
      // Each app: its ID, its publishing (one accepts, one answers 503) and its control websocket
      // (these stand-in apps refuse it; test/service/status-page-app.test.ts has a real app connected).
      const esc = (t: string) => t.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
      const want = [
        new RegExp(
          `^app ${esc(goodApp.url)} \\(app [0-9a-f]+\\) · publish ok \\(\\d+ sent, last \\d+ s ago\\) · control disconnected: app answered HTTP 404 to the control websocket$`,
        ),
        new RegExp(
          `^app ${esc(sadApp.url)} \\(app [0-9a-f]+\\) · publish failing \\(0 sent\\): app answered HTTP 503: app is down for maintenance · control disconnected: .+$`,
        ),
      ];
      let apps: string[] = [];
      await waitFor(
        'apps published to',
        async () => {
          apps = await page.locator('#apps li').allInnerTexts();
          return apps.length === 2 && want.every((re, i) => re.test(apps[i]!));
        },
        10_000,
      ).catch(() => assert.fail(`apps shown: ${JSON.stringify(apps)}`));

      const png = await page.screenshot({ fullPage: true });
      await writeFile(join(shots, 'status-page.png'), png);
      assert.equal(pngSize(png).width, 1400);
      assert.ok(png.length > 15_000, `screenshot is only ${png.length} bytes`);

      // zeta recovers: 2 of 6 failing, amber.
      zetaFails = false;
      await waitFor('amber pill', async () => (await page.locator('#health').textContent()) === '2 of 6 plugins failing', 15_000);
      assert.equal(await page.locator('#health').getAttribute('class'), 'pill warn');
      zetaFails = true;
      assert.deepEqual(problems, [], 'no script errors, CSP violations or dialogs');
    } finally {
      await page.close();
    }
  });

  test('a click opens the detail: topologies, metrics with values, controls, chart; a control button reaches the plugin', async () => {
    const { page, problems } = await openPage(browser, host.url + '/', { width: 1400, height: 900 });
    try {
      await waitFor('rows', async () => (await page.locator('#rows tr').count()) === 6, 15_000);
      await (await row(page, 'iowait')).click();
      const detail = page.locator('#detail');
      await waitFor('detail loaded', async () => Number(await detail.getAttribute('data-loads')) >= 1, 10_000);
      assert.match(page.url(), /#plugin=/, 'the open plugin is kept in the URL');
      assert.equal(await detail.locator('h2').first().textContent(), 'iowait');
      assert.equal(await detail.locator('.status').first().textContent(), 'ok');
      const hostBox = detail.locator('[data-topology="Host"]');
      assert.equal(await hostBox.locator('h3').textContent(), 'Host · 1 node');
      assert.equal(await hostBox.locator('td.metric-id').first().textContent(), 'iowait (IO Wait)');
      assert.match((await hostBox.locator('td.metric-value').first().textContent()) ?? '', /^\d+\.\d\d %$/);
      // The chart: one bar per exchange, all ok here.
      await waitFor('chart', async () => Number(await page.locator('#chart').getAttribute('data-points')) >= 3, 10_000);
      const bars = await page.evaluate(
        "[document.querySelectorAll('#chart rect.ok').length, document.querySelectorAll('#chart rect.error').length, Number(document.querySelector('#chart').getAttribute('data-points'))]",
      );
      const [okBars, errorBars, points] = bars as [number, number, number];
      assert.equal(okBars + errorBars, points, 'one bar per exchange');
      assert.ok(okBars >= 1);

      // The active control is a button; the other is active on no node.
      const toIdle = hostBox.locator('[data-control="iowait~switchToIdle"] button');
      assert.equal(await toIdle.textContent(), `Switch to idle on ${IOWAIT_NODE}`);
      assert.equal(await hostBox.locator('[data-control="iowait~switchToIOWait"] button').isDisabled(), true);
      const png = await page.screenshot({ fullPage: false });
      await writeFile(join(shots, 'status-page-detail.png'), png);
      assert.ok(png.length > 15_000);

      assert.equal(iowait.mode, 'iowait');
      await toIdle.click();
      await waitFor('plugin switched', () => iowait.mode === 'idle', 10_000);
      await waitFor(
        'result shown',
        async () => (await hostBox.locator('.ctl-result.ok').count()) === 1 || (await detail.locator('.ctl-result.ok').count()) === 1,
        // The page redraws the detail every 2 s; with three suites sharing two cores one redraw can be late.
        30_000,
      );
      // The shortcut report swaps the active control: now the other one has the button.
      await waitFor(
        'switchToIOWait active',
        async () => (await detail.locator('[data-control="iowait~switchToIOWait"] button:not([disabled])').count()) === 1,
        10_000,
      );
      // Once a poll's report has the clicked control off the node, its result stays beside it.
      const toIdleRow = detail.locator('[data-control="iowait~switchToIdle"]');
      await waitFor('switchToIdle active on no node', async () => (await toIdleRow.locator('button[disabled]').count()) === 1, 10_000);
      assert.equal(await toIdleRow.locator('.ctl-result.ok').textContent(), `${IOWAIT_NODE}: done`);
      await detail.locator('[data-control="iowait~switchToIOWait"] button').click();
      await waitFor('plugin switched back', () => iowait.mode === 'iowait', 10_000);

      // A failing plugin: its last error with the time, red bars.
      await (await row(page, 'broken-a')).click();
      await waitFor('broken-a detail', async () => (await detail.locator('h2').first().textContent()) === 'broken-a', 10_000);
      await waitFor('red bars', async () => (await page.locator('#chart rect.error').count()) >= 1, 10_000);
      const api = (await host.get<PluginDetail>('/api/plugins/broken-a')).body;
      assert.equal(await detail.locator('.last-error .err').textContent(), api.lastError?.message);
      assert.match((await detail.locator('.last-error .muted').textContent()) ?? '', /^PLUGIN_HTTP_STATUS · .+ \(\d+ s ago\)$/);
      assert.match((await detail.locator('p.muted').last().textContent()) ?? '', /^nothing: no good report while it fails$/);
      await writeFile(join(shots, 'status-page-detail-failing.png'), await page.screenshot({ fullPage: false }));
      await page.keyboard.press('Escape');
      assert.equal(await detail.isHidden(), true);

      // A control with a confirmation asks first, on the button itself (no dialog), then clicks.
      await (await row(page, 'beta')).click();
      const reboot = detail.locator('[data-control="beta~reboot"] button');
      await waitFor('beta detail', async () => (await reboot.count()) === 1, 10_000);
      await reboot.click();
      await waitFor('asks', async () => (await reboot.textContent()) === `confirm: Really reboot? ${HOSTILE}`, 5_000);
      assert.deepEqual(betaClicks, [], 'nothing sent before the confirmation');
      await reboot.click();
      await waitFor('beta clicked', () => betaClicks.length === 1, 10_000);
      assert.deepEqual(betaClicks, ['b1;<host>']);

      // A hostile plugin's metric and node names are text.
      await (await row(page, 'alpha')).click();
      await waitFor('alpha detail', async () => (await detail.locator('[data-topology="Container"] h3').count()) === 1, 10_000);
      assert.equal(await detail.locator('[data-topology="Container"] h3').textContent(), 'Container · 3 nodes');
      const metricIds = await detail.locator('[data-topology="Container"] td.metric-id').allTextContents();
      assert.deepEqual(metricIds, [HOSTILE, 'cpu (CPU)']);
      assert.equal(await detail.locator('img').count(), 0);
      assert.equal(await page.evaluate('window.__pwned === undefined'), true);
      assert.deepEqual(problems, [], 'no script errors, CSP violations or dialogs');
    } finally {
      await page.close();
    }
  });

  test('GET /api/plugins/<id or socket>: the same plugin either way; 404 for neither', async () => {
    const byId = await host.get<PluginDetail>('/api/plugins/iowait');
    assert.equal(byId.status, 200);
    const bySocket = await host.get<PluginDetail>('/api/plugins/' + encodeURIComponent(iowait.socketPath));
    assert.equal(bySocket.status, 200);
    assert.equal(bySocket.body.socket, iowait.socketPath);
    assert.equal(byId.body.socket, iowait.socketPath);
    assert.ok(byId.body.history.atMs.length > 0);
    const missing = await host.get<{ code: string }>('/api/plugins/nope');
    assert.equal(missing.status, 404);
    assert.equal(missing.body.code, 'API_NOT_FOUND');
  });
});
