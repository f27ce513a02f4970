/**
 * Publishing through the real service to real HTTP servers standing in for Scope apps: headers,
 * a gzip JSON body that decodes to the merged report, no metric sample lost between publishes,
 * shortcut reports at once, retry after a 500, a hung app not delaying a healthy one.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { servePlugin, type PluginServer } from '../../src/kit/index.js';
import { decodeBody, startFakeApp, type ReceivedRequest } from '../helpers/fake-scope-app.js';
import { startTestHost } from '../helpers/host.js';
import { tempDir } from '../helpers/tmp.js';
import { waitFor } from '../helpers/wait.js';

interface Metric {
  samples: { date: string; value: number }[];
}
interface Published {
  Plugins: { id: string; status?: string }[];
  Host: { nodes?: Record<string, { metrics?: Record<string, Metric>; latest?: Record<string, { value: string }> }> };
  Window: number;
  Shortcut: boolean;
}

/** A plugin whose one metric gets a new sample on every poll. */
function counter(root: string, id: string, extra: Partial<Parameters<typeof servePlugin>[0]> = {}): Promise<PluginServer> {
  let n = 0;
  return servePlugin({
    id,
    root,
    spec: { label: id },
    report: () => ({
      Host: {
        nodes: { 'h;<host>': { metrics: { [`${id}_polls`]: { samples: [{ date: new Date().toISOString(), value: ++n }] } } } },
        controls: { go: { id: 'go', human: 'Go', icon: 'fa-x', rank: 1 } },
      },
    }),
    ...extra,
  });
}

describe('publishing through the host', () => {
  test('headers, gzip JSON of the merged report, every sample since the last publish', async () => {
    const dir = await tempDir();
    const app = await startFakeApp();
    const plugin = await counter(dir.path, 'ticker');
    const host = await startTestHost({
      pluginsRoot: dir.path,
      pollIntervalMs: 100,
      publish: { apps: [app.url], intervalMs: 600, token: 's3cret' },
    });
    try {
      await waitFor('three publishes', () => app.received.length >= 3, 15_000);
      const req = app.received[2]!;
      assert.equal(req.method, 'POST');
      assert.equal(req.url, '/api/report');
      assert.equal(req.headers['content-type'], 'application/json');
      assert.equal(req.headers['content-encoding'], 'gzip');
      assert.equal(req.headers['x-scope-probe-id'], 'abcdef0123456789');
      assert.match(String(req.headers['x-scope-probe-version']), /^\d+\.\d+\.\d+/);
      assert.match(String(req.headers['user-agent']), /^Scope_Probe\//);
      assert.equal(req.headers['authorization'], 'Scope-Probe token=s3cret');
      const body = decodeBody(req) as Published;
      assert.deepEqual(
        body.Plugins.map((p) => [p.id, p.status]),
        [['ticker', 'ok']],
      );
      assert.equal(body.Shortcut, false);
      // Window = time since the previous publication, in ns.
      assert.ok(body.Window > 300e6 && body.Window < 3e9, `Window ${body.Window}`);
      // ~6 polls per 600 ms publish: all their samples are in, none only the last one.
      const samples = body.Host.nodes!['h;<host>']!.metrics!['ticker_polls']!.samples;
      assert.ok(samples.length >= 3, `only ${samples.length} samples in one publication`);
      const values = samples.map((s) => s.value);
      assert.deepEqual(
        values,
        [...values].sort((a, b) => a - b),
      );
      // Consecutive publications do not overlap and leave no gap in the counter.
      const next = (decodeBody(app.received[3] ?? (await waitFor('4th', () => app.received[3]))) as Published).Host.nodes!['h;<host>']!.metrics![
        'ticker_polls'
      ]!.samples.map((s) => s.value);
      assert.equal(next[0], values[values.length - 1]! + 1, `${values.join(',')} then ${next.join(',')}`);
    } finally {
      await host.close();
      await plugin.close();
      await app.close();
      await dir.cleanup();
    }
  });

  test('a shortcut report is published at once; a 500 is retried; a hung app does not delay the other', async () => {
    const dir = await tempDir();
    const healthy = await startFakeApp((_req, i) => (i === 0 ? 500 : 200));
    const hung = await startFakeApp(() => 'hang');
    const plugin = await counter(dir.path, 'clicky', {
      spec: { label: 'clicky', interfaces: ['reporter', 'controller'] },
      control: () => ({
        value: 'clicked',
        shortcutReport: { Host: { nodes: { 'h;<host>': { latest: { clicked: { timestamp: new Date().toISOString(), value: 'yes' } } } } } },
      }),
    });
    const host = await startTestHost({
      pluginsRoot: dir.path,
      pollIntervalMs: 200,
      publish: { apps: [healthy.url, hung.url], intervalMs: 500, timeoutMs: 10_000 },
    });
    try {
      // The first answer was a 500; the app still gets reports after the retry.
      await waitFor('delivered after a 500', () => healthy.received.length >= 3, 15_000);
      const okAfterRetry = healthy.received.slice(1);
      assert.ok(okAfterRetry.length >= 2);
      // The hung app holds one request forever; the healthy one keeps its cadence meanwhile.
      const periodic = healthy.received.filter((r) => !(decodeBody(r) as Published).Shortcut);
      const gaps = periodic.slice(1).map((r, i) => r.at - periodic[i]!.at);
      assert.ok(
        gaps.slice(1).every((g) => g < 1_500),
        `gaps ${gaps.map((g) => g.toFixed(0)).join(', ')} ms`,
      );

      await waitFor('control registered', async () => (await host.get<{ controls: string[] }[]>('/api/plugins')).body[0]?.controls.length === 1);
      const before = healthy.received.length;
      const t0 = performance.now();
      const reply = await host.post('/api/control', { NodeID: 'h;<host>', Control: 'clicky~go' });
      assert.deepEqual(reply, { status: 200, body: { value: 'clicked' } });
      const shortcut = await waitFor('shortcut published', () =>
        healthy.received.slice(before).find((r: ReceivedRequest) => (decodeBody(r) as Published).Shortcut),
      );
      // Published at once, not on the next 500 ms tick.
      assert.ok(shortcut.at - t0 < 400, `shortcut after ${(shortcut.at - t0).toFixed(0)} ms`);
      const body = decodeBody(shortcut) as Published;
      assert.equal(body.Host.nodes!['h;<host>']!.latest!['clicked']!.value, 'yes');
      assert.equal(hung.received.length, 1, 'the hung app holds its one request');
    } finally {
      await host.close();
      await plugin.close();
      await Promise.all([healthy.close(), hung.close()]);
      await dir.cleanup();
    }
  });
});
