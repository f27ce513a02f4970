/**
 * /healthz (liveness) and /readyz (readiness) of the real service for each condition of the
 * plugins root and of the plugins, and the metrics that say the same: zero-valued series for every
 * status, era and root state, counters for what only goes up, build_info.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { servePlugin } from '../../src/kit/index.js';
import { startTestHost, type TestHost } from '../helpers/host.js';
import { rawPlugin } from '../helpers/raw-plugin.js';
import { tempDir } from '../helpers/tmp.js';
import { waitFor } from '../helpers/wait.js';
import { isLoopback } from '../../src/main/api/reload-route.js';

interface Health {
  status: string;
  summary: string;
  ready: boolean;
  root: { path: string; state: string; code?: string; error?: string };
  plugins: number;
  pluginsOk: number;
  pluginsFailing: number;
}

async function probes(host: TestHost): Promise<{ live: number; ready: number; health: Health }> {
  const live = await host.get<Health>('/healthz');
  const ready = await host.get<Health>('/readyz');
  assert.deepEqual(live.body, ready.body, 'both probes answer the same body');
  return { live: live.status, ready: ready.status, health: ready.body };
}

async function metricLines(host: TestHost): Promise<string[]> {
  return (await (await fetch(`${host.url}/metrics`)).text()).split('\n').filter((l) => l && !l.startsWith('#'));
}

async function withHost(root: string, check: (host: TestHost) => Promise<void>): Promise<void> {
  const host = await startTestHost({ pluginsRoot: root, pollIntervalMs: 100 });
  try {
    await check(host);
  } finally {
    await host.close();
  }
}

test('no plugins root: live 200, not ready 503, the path and which problem, root-state metric', async (t) => {
  const dir = await tempDir();
  t.after(() => dir.cleanup());
  const file = join(dir.path, 'file');
  await writeFile(file, 'not a directory');
  const loop = join(dir.path, 'loop');
  await symlink(loop, loop); // stat gives ELOOP even to root: a root that exists and cannot be read
  const cases = [
    { root: join(dir.path, 'missing'), state: 'missing', summary: /^plugins root \S+missing does not exist$/ },
    { root: file, state: 'not-a-directory', summary: /^plugins root \S+file is not a directory/ },
    { root: loop, state: 'unreadable', summary: /^plugins root \S+loop cannot be read \(ELOOP/ },
  ];
  for (const c of cases) {
    await withHost(c.root, async (host) => {
      const { live, ready, health } = await probes(host);
      assert.equal(live, 200, `${c.state}: liveness stays 200, a restart would not help`);
      assert.equal(ready, 503, `${c.state}: not ready`);
      assert.equal(health.status, 'no-plugins-root');
      assert.equal(health.root.state, c.state);
      assert.equal(health.root.path, c.root);
      assert.match(health.summary, c.summary);
      const lines = await metricLines(host);
      assert.ok(lines.includes(`scope_plugin_host_plugins_root{state="${c.state}"} 1`), lines.filter((l) => l.includes('root')).join('\n'));
      assert.ok(lines.includes('scope_plugin_host_plugins_root{state="present"} 0'));
    });
  }
});

test('plugins disabled (pluginsRoot ""): ready, status ok', async () => {
  await withHost('', async (host) => {
    const { live, ready, health } = await probes(host);
    assert.equal(live, 200);
    assert.equal(ready, 200);
    assert.equal(health.status, 'ok');
    assert.equal(health.root.state, 'disabled');
    assert.ok((await metricLines(host)).includes('scope_plugin_host_plugins_root{state="disabled"} 1'));
  });
});

test('serving and polling, then plugins failing (how many): ready either way, the count in the body', async (t) => {
  const dir = await tempDir();
  t.after(() => dir.cleanup());
  const good = await servePlugin({ id: 'good', root: dir.path, spec: { label: 'good' }, report: () => ({}) });
  t.after(() => good.close());
  await withHost(dir.path, async (host) => {
    await waitFor('the plugin ok', async () => (await probes(host)).health.pluginsOk === 1);
    let { live, ready, health } = await probes(host);
    assert.deepEqual([live, ready, health.status, health.summary], [200, 200, 'ok', 'serving; polling 1 plugins']);
    assert.equal(health.root.state, 'present');

    const bad = [
      await rawPlugin(join(dir.path, 'bad1.sock'), (_q, r) => r.writeHead(500).end()),
      await rawPlugin(join(dir.path, 'bad2.sock'), (_q, r) => r.writeHead(200).end('{')),
    ];
    t.after(() => Promise.all(bad.map((b) => b.close())));
    await waitFor('two plugins failing', async () => (await probes(host)).health.pluginsFailing === 2);
    ({ live, ready, health } = await probes(host));
    assert.deepEqual([live, ready, health.status, health.summary], [200, 200, 'plugins-failing', '2 of 3 plugins failing']);
  });
});

test('metrics: every status x era series present at 0, counters for what only goes up, build_info', async () => {
  await withHost('', async (host) => {
    const lines = await metricLines(host);
    for (const status of ['ok', 'error', 'pending']) {
      for (const era of ['handshake', 'report', 'unknown']) {
        assert.ok(lines.includes(`scope_plugin_host_plugins{status="${status}",era="${era}"} 0`), `${status}/${era} at 0`);
      }
    }
    assert.ok(lines.some((l) => /^scope_plugin_host_build_info\{version="\d+\.\d+\.\d+[^"]*",nodeversion="v\d+[^"]*"\} 1$/.test(l)));
    const text = await (await fetch(`${host.url}/metrics`)).text();
    for (const name of ['worker_restarts_total', 'discovery_scans_total', 'api_connections_dropped_total']) {
      assert.match(text, new RegExp(`^# TYPE scope_plugin_host_${name} counter$`, 'm'));
    }
    assert.ok(lines.includes('scope_plugin_host_worker_restarts_total{worker="0"} 0'), 'one series per started worker');
    assert.doesNotMatch(text, /^scope_plugin_host_(worker_restarts|discovery_scans|publish_reports)[{ ]/m, 'the old gauge names are gone');
  });
});

test('POST /-/reload is for loopback addresses only', () => {
  for (const a of ['127.0.0.1', '127.0.0.2', '127.255.1.9', '::1', '::ffff:127.0.0.1']) assert.ok(isLoopback(a), a);
  for (const a of ['10.0.0.1', '192.168.1.127', '::ffff:10.0.0.1', '::2', 'fe80::1', '128.0.0.1', undefined]) assert.ok(!isLoopback(a), String(a));
});
