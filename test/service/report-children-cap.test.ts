/**
 * maxNodesPerReport counts every node a plugin sends, nested `children` included
 * (docs/spec/report-format.md#node-limits), through the whole host: real plugin sockets, shard
 * workers and `GET /api/plugins`. A plugin hiding 300 000 nodes under one node's children is
 * refused with a precise status before its nodes are built; its neighbours go on.
 * The test process hosts the service, so its RSS is the host's memory.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { PluginRow } from '../../src/main/core/plugin-table.js';
import { startTestHost } from '../helpers/host.js';
import { rawPlugin, reportHandler, type RawPlugin } from '../helpers/raw-plugin.js';
import { tempDir } from '../helpers/tmp.js';
import { waitFor } from '../helpers/wait.js';

const MiB = 1024 * 1024;
const spec = (id: string) => `"Plugins":[{"id":"${id}","label":"${id}","interfaces":["reporter"],"api_version":"1"}]`;

/** One Host node whose `children` hold `n` nodes (a 5 MB body for 300 000: scanned as bytes). */
function flatChildren(id: string, n: number): Buffer {
  const children: string[] = [];
  for (let i = 0; i < n; i++) children.push(`{"id":"c${i}","topology":"container"}`);
  return Buffer.from(`{${spec(id)},"Host":{"nodes":{"${id};<host>":{"children":[${children.join(',')}]}}}}`);
}

/** 150 nodes with 150 children each, the second half one level deeper: 22 650 nodes in ~700 KB (parsed first). */
function nestedChildren(id: string): Buffer {
  const nodes: string[] = [];
  for (let i = 0; i < 150; i++) {
    const kids: string[] = [];
    for (let j = 0; j < 75; j++) kids.push(`{"id":"k${i}.${j}","children":[{"id":"g${i}.${j}"}]}`);
    nodes.push(`"n${i};<host>":{"children":[${kids.join(',')}]}`);
  }
  return Buffer.from(`{${spec(id)},"Host":{"nodes":{${nodes.join(',')}}}}`);
}

function healthy(id: string): Buffer {
  return Buffer.from(`{${spec(id)},"Host":{"nodes":{"${id};<host>":{"children":[{"id":"one-child"}]}}}}`);
}

test('nodes nested in children count against maxNodesPerReport; the refused plugin costs only itself', async (t) => {
  const dir = await tempDir();
  const plugins: RawPlugin[] = [];
  const bodies: Record<string, Buffer> = {
    flat: flatChildren('flat', 300_000),
    nested: nestedChildren('nested'),
    'fine-1': healthy('fine-1'),
    'fine-2': healthy('fine-2'),
  };
  t.diagnostic(`bodies: flat ${(bodies['flat']!.length / MiB).toFixed(1)} MiB, nested ${(bodies['nested']!.length / MiB).toFixed(2)} MiB`);
  const host = await startTestHost({ pluginsRoot: dir.path, pollIntervalMs: 250 });
  const rows = async () => (await host.get<PluginRow[]>('/api/plugins')).body;
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  try {
    // The healthy ones first, so the growth measured is the hostile plugins' alone.
    for (const id of ['fine-1', 'fine-2']) plugins.push(await rawPlugin(join(dir.path, `${id}.sock`), reportHandler(bodies[id]!.toString())));
    await waitFor('healthy polled', async () => (await rows()).filter((r) => r.status === 'ok').length === 2, 15_000, 100);
    // A first build starts the report builder's thread: not part of what is measured.
    await (await fetch(`${host.url}/api/report`)).text();
    await sleep(500);
    const before = process.memoryUsage().rss;
    peak = before;
    for (const id of ['flat', 'nested']) {
      plugins.push(
        await rawPlugin(join(dir.path, `${id}.sock`), (req, res) => {
          if (!req.url?.startsWith('/report')) res.writeHead(404).end();
          else res.writeHead(200, { 'content-type': 'application/json' }).end(bodies[id]);
        }),
      );
    }
    const polled = await waitFor(
      'flat and nested polled',
      async () => {
        const all = await rows();
        const mine = all.filter((r) => (r.id === 'flat' || r.id === 'nested') && r.polls >= 1);
        return mine.length === 2 && all;
      },
      60_000,
      200,
    );
    await sleep(1_000);
    const started = performance.now();
    const report = await (await fetch(`${host.url}/api/report`)).text();
    const buildMs = performance.now() - started;
    const byId = new Map(polled.map((r) => [r.id, r]));
    t.diagnostic(
      `RSS +${((peak - before) / MiB).toFixed(0)} MiB (peak ${(peak / MiB).toFixed(0)} MiB); ` +
        `GET /api/report ${(report.length / 1024).toFixed(0)} KiB in ${buildMs.toFixed(0)} ms; ` +
        `flat: ${byId.get('flat')!.status}; nested: ${byId.get('nested')!.status}`,
    );
    for (const id of ['flat', 'nested']) {
      assert.equal(byId.get(id)!.errorCode, 'PLUGIN_TOO_MANY_NODES', id);
      assert.equal(byId.get(id)!.status, 'error: report has more than 20000 nodes counting the nodes nested in children (maxNodesPerReport)', id);
    }
    // The neighbours go on, their data (with its own child) in the merged report.
    const counts = ['fine-1', 'fine-2'].map((id) => byId.get(id)!.polls);
    await sleep(600);
    const later = await rows();
    for (const [i, id] of ['fine-1', 'fine-2'].entries()) {
      const row = later.find((r) => r.id === id)!;
      assert.equal(row.status, 'ok', id);
      assert.ok(row.polls > counts[i]!, `${id} kept polling`);
    }
    const merged = JSON.parse(report) as { Host: { nodes: Record<string, { children: { id: string }[] | null }> } };
    assert.deepEqual(Object.keys(merged.Host.nodes).sort(), ['fine-1;<host>', 'fine-2;<host>']);
    assert.deepEqual(
      merged.Host.nodes['fine-1;<host>']!.children!.map((c) => c.id),
      ['one-child'],
    );
    assert.ok(report.length < 64 * 1024, `GET /api/report is ${report.length} bytes`);
    assert.ok(peak - before < 150 * MiB, `RSS grew by ${((peak - before) / MiB).toFixed(0)} MiB`);
  } finally {
    clearInterval(sampler);
    await host.close();
    for (const p of plugins) await p.close();
    await dir.cleanup();
  }
});
