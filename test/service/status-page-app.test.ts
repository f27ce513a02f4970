/**
 * The status page's header with a real Scope app (upstream's binary): the host publishes to it
 * and keeps its control websocket open, and the page says both. Skipped, saying why, without
 * the binary or without Chromium.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { servePlugin, type PluginServer } from '../../src/kit/index.js';
import type { HostInfo } from '../../src/main/host-info.js';
import { BROWSER_SKIP, launchBrowser, openPage } from '../helpers/browser.js';
import { startTestHost, type TestHost } from '../helpers/host.js';
import { appId } from '../helpers/scope-app-client.js';
import { scopeBinary, startScopeApp, type ScopeApp } from '../helpers/scope-binary.js';
import { tempDir } from '../helpers/tmp.js';
import { waitFor } from '../helpers/wait.js';

const binary = scopeBinary();
const skip = BROWSER_SKIP || ('skip' in binary ? binary.skip : false);

describe('status page header with a real Scope app', { skip }, () => {
  let app: ScopeApp;
  let host: TestHost;
  let plugin: PluginServer;
  let browser: Browser;
  let dir: { path: string; cleanup(): Promise<void> };

  before(async () => {
    dir = await tempDir('sph-spa-');
    app = await startScopeApp((binary as { path: string }).path);
    plugin = await servePlugin({ id: 'beta', root: dir.path, spec: { label: 'Beta' }, report: () => ({}) });
    host = await startTestHost({ pluginsRoot: dir.path, pollIntervalMs: 250, publish: { apps: [app.url], intervalMs: 500 } as never });
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await host?.close();
    await plugin?.close();
    await app?.stop();
    await dir?.cleanup();
  });

  test('the app: its ID, publish ok, control connected', async () => {
    const id = await appId(app);
    await waitFor('connected in /api/host', async () => (await host.get<HostInfo>('/api/host')).body.apps[0]?.control?.connected === true, 20_000);
    const { page, problems } = await openPage(browser, host.url + '/');
    try {
      let shown = '';
      await waitFor(
        'header',
        async () => {
          shown = (await page.locator('#apps li').allInnerTexts()).join('\n');
          return /publish ok/.test(shown) && /control connected/.test(shown);
        },
        15_000,
      ).catch(() => assert.fail(`apps shown: ${shown}`));
      assert.match(
        shown,
        new RegExp(`^app ${app.url.replace(/[.]/g, '\\.')} \\(app ${id}\\) · publish ok \\(\\d+ sent, last \\d+ s ago\\) · control connected for \\d+ s$`),
      );
      assert.deepEqual(problems, []);
    } finally {
      await page.close();
    }
  });
});
