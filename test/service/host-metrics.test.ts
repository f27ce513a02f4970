/** GET /metrics of the real service: the aggregated series, and per-plugin series only on request. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { servePlugin } from '../../src/kit/index.js';
import { startTestHost, type TestHost } from '../helpers/host.js';
import { rawPlugin } from '../helpers/raw-plugin.js';
import { tempDir } from '../helpers/tmp.js';
import { waitFor } from '../helpers/wait.js';

async function metrics(host: TestHost): Promise<{ text: string; value(series: string): number | undefined }> {
  const res = await fetch(`${host.url}/metrics`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
  const text = await res.text();
  return {
    text,
    value(series) {
      const line = text.split('\n').find((l) => l.startsWith(`${series} `));
      return line === undefined ? undefined : Number(line.slice(series.length + 1));
    },
  };
}

test('aggregated metrics: polls by outcome, durations, plugins by status, discovery, threads, controls', async () => {
  const dir = await tempDir();
  const good = await servePlugin({
    id: 'good',
    root: dir.path,
    spec: { label: 'good', interfaces: ['reporter', 'controller'] },
    report: () => ({ Host: { controls: { go: { id: 'go', human: 'Go', icon: 'x', rank: 1 } } } }),
    control: () => ({}),
  });
  const bad = await rawPlugin(join(dir.path, 'bad', 'bad.sock'), (_req, res) => res.writeHead(200).end('not json'));
  const host = await startTestHost({ pluginsRoot: dir.path, pollIntervalMs: 100 });
  try {
    await waitFor('both polled and a stats flush from worker 0', async () => {
      const m = await metrics(host);
      // Both plugins may hash to worker 1 (the temp dir's name is random): worker 0's series
      // appear only with its first stats flush, up to a second after start.
      return (
        (m.value('scope_plugin_host_polls_total{outcome="ok"}') ?? 0) > 2 &&
        (m.value('scope_plugin_host_polls_total{outcome="PLUGIN_DECODE"}') ?? 0) > 0 &&
        m.value('scope_plugin_host_event_loop_utilization{worker="0"}') !== undefined
      );
    });
    assert.equal((await fetch(`${host.url}/api/report`)).status, 200);
    assert.equal((await host.post('/api/control', { NodeID: 'n', Control: 'good~go' })).status, 200);
    assert.equal((await host.post('/api/control', { NodeID: 'n', Control: 'nope~go' })).status, 404);
    const m = await metrics(host);
    assert.equal(m.value('scope_plugin_host_plugins{status="ok",era="report"}'), 1);
    assert.equal(m.value('scope_plugin_host_plugins{status="error",era="report"}'), 1);
    assert.ok((m.value('scope_plugin_host_poll_duration_seconds_count') ?? 0) > 2);
    assert.equal(m.value('scope_plugin_host_discovery_events_total{event="added"}'), 2);
    assert.ok((m.value('scope_plugin_host_discovery_scans_total') ?? 0) >= 1, 'discovery scans counted');
    assert.equal(m.value('scope_plugin_host_worker_restarts_total{worker="0"}'), 0);
    assert.ok(m.value('scope_plugin_host_event_loop_utilization{worker="main"}') !== undefined);
    assert.ok(m.value('scope_plugin_host_event_loop_utilization{worker="0"}') !== undefined);
    assert.ok((m.value('scope_plugin_host_worker_heap_bytes{worker="0",kind="used"}') ?? 0) > 1e6);
    assert.ok(m.value('scope_plugin_host_polls_in_flight{worker="0"}') !== undefined);
    assert.equal(m.value('scope_plugin_host_report_build_seconds_count{purpose="api"}'), 1);
    assert.ok((m.value('scope_plugin_host_report_build_seconds_sum{purpose="api"}') ?? 0) > 0);
    assert.equal(m.value('scope_plugin_host_report_build_errors_total{purpose="api"}'), undefined, 'no failed build');
    assert.equal(m.value('scope_plugin_host_control_requests_total{outcome="ok"}'), 1);
    assert.equal(m.value('scope_plugin_host_control_requests_total{outcome="CONTROL_NOT_RECOGNISED"}'), 1);
    assert.ok((m.value('scope_plugin_host_process_resident_memory_bytes') ?? 0) > 1e7);
    // No per-plugin label by default: cardinality stays flat with thousands of plugins.
    assert.ok(!m.text.includes('plugin="good"'));
  } finally {
    await host.close();
    await Promise.all([good.close(), bad.close()]);
    await dir.cleanup();
  }
});

test('metrics.perPlugin adds per-plugin series', async () => {
  const dir = await tempDir();
  const good = await servePlugin({ id: 'solo', root: dir.path, spec: { label: 'solo' }, report: () => ({}) });
  const host = await startTestHost({ pluginsRoot: dir.path, pollIntervalMs: 100, metrics: { perPlugin: true } });
  try {
    await waitFor('polled', async () => ((await host.get<{ polls: number }[]>('/api/plugins')).body[0]?.polls ?? 0) > 0);
    const m = await metrics(host);
    assert.equal(m.value(`scope_plugin_host_plugin_up{plugin="solo",socket="${good.socketPath}"}`), 1);
    assert.ok((m.value(`scope_plugin_host_plugin_polls_total{plugin="solo",socket="${good.socketPath}"}`) ?? 0) >= 1);
  } finally {
    await host.close();
    await good.close();
    await dir.cleanup();
  }
});
