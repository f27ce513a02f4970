/**
 * Every place the host moves bytes between threads, run on the Node release that runs the tests
 * (CI runs the suite on each supported release): the report builder's result (small and large,
 * JSON and gzip), a shard's snapshot of many plugins (and of none), and a large plugin report
 * sent to its parsing thread. Node's pooled Buffers cannot be moved on Node 21 and later, and
 * which sizes are pooled differs between releases (src/shared/transfer.ts).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { join } from 'node:path';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { gunzipSync, gzipSync } from 'node:zlib';
import { ReportBuilder } from '../../src/main/report-builder.js';
import { LARGE_BODY_BYTES } from '../../src/workers/plugin-actor.js';
import { packParts } from '../../src/shared/parts.js';
import { canMove, movable } from '../../src/shared/transfer.js';
import { startTestHost, type TestHost } from '../helpers/host.js';
import { rawPlugin, reportHandler, specReport, type RawPlugin } from '../helpers/raw-plugin.js';
import { tempDir } from '../helpers/tmp.js';
import { waitFor } from '../helpers/wait.js';

type Report = { Host: { nodes: Record<string, { latest: Record<string, { value: string }> }> }; Plugins: { id: string; status?: string }[] };

/** A plugin report: one Host node with `entries` latest values of random hex (gzip cannot shrink much). */
function pluginReport(id: string, entries: number, valueBytes = 32): Record<string, unknown> {
  const latest: Record<string, { timestamp: string; value: string }> = {};
  for (let e = 0; e < entries; e++) latest[`key_${e}`] = { timestamp: '2026-12-07T04:00:00Z', value: randomBytes(valueBytes / 2).toString('hex') };
  return specReport({ id, label: id, interfaces: ['reporter'] }, { Host: { nodes: { [`${id};<host>`]: { latest } } } });
}

/** Sends `view` to a port with its memory in the transfer list, and reads it back on the other end. */
async function roundTrip(view: Uint8Array): Promise<Uint8Array> {
  const { port1, port2 } = new MessageChannel();
  try {
    const received = new Promise<Uint8Array>((resolve) => port2.once('message', resolve));
    (port1 as MessagePort).postMessage(view, [view.buffer as ArrayBuffer]);
    return await received;
  } finally {
    port1.close();
    port2.close();
  }
}

describe('movable: bytes of every origin can be moved on this release', () => {
  const origins: [string, () => Uint8Array][] = [
    ['Buffer.from(short string) (pooled)', () => Buffer.from('{"Plugins":[]}')],
    ['Buffer.from(20 KB string) (pooled on Node 24)', () => Buffer.from('x'.repeat(20_000))],
    ['Buffer.from(200 KB string)', () => Buffer.from('y'.repeat(200_000))],
    ['gzipSync of a small text (pooled on Node 24)', () => gzipSync('{"Plugins":[]}')],
    ['Buffer.concat of small parts (pooled)', () => Buffer.concat([Buffer.from('ab'), Buffer.from('cd')])],
    ['Buffer.allocUnsafeSlow', () => Buffer.allocUnsafeSlow(100).fill(7)],
    ['a view into part of an owned buffer', () => new Uint8Array(64).fill(3).subarray(8, 40)],
    ['an empty Buffer', () => Buffer.alloc(0)],
  ];
  for (const [name, make] of origins) {
    test(name, async () => {
      const original = make();
      const copyOfBytes = Uint8Array.from(original);
      const neighbour = Buffer.from('a neighbour in the same pool');
      const moved = movable(original);
      assert.ok(canMove(moved), 'what movable returns can be moved');
      assert.equal(moved === original, canMove(original), 'copied only when it could not be moved');
      const arrived = await roundTrip(moved);
      assert.deepEqual(Uint8Array.from(arrived), copyOfBytes, 'the bytes arrive intact');
      assert.equal(neighbour.toString(), 'a neighbour in the same pool', 'nothing else was taken along');
      if (moved !== original) assert.deepEqual(Uint8Array.from(original), copyOfBytes, 'a copied original stays usable');
    });
  }
});

describe('the report builder moves its result back on every path', () => {
  const builder = new ReportBuilder({ nice: 0 });
  after(() => builder.close());

  const sizes = [
    ['small report (3 plugins)', 3, 2],
    ['large report (400 plugins, 400 KB)', 400, 16],
  ] as const;
  for (const [name, plugins, entries] of sizes) {
    const texts = Array.from({ length: plugins }, (_, i) => JSON.stringify({ ...pluginReport(`p${i}`, entries), Plugins: [] }));
    const check = (bytes: Buffer): void => {
      const report = JSON.parse(bytes.toString('utf8')) as Report;
      assert.equal(Object.keys(report.Host.nodes).length, plugins);
      const last = JSON.parse(texts[plugins - 1]!).Host.nodes[`p${plugins - 1};<host>`].latest;
      assert.deepEqual(report.Host.nodes[`p${plugins - 1};<host>`]!.latest[`key_${entries - 1}`]!.value, last[`key_${entries - 1}`].value);
    };
    test(`${name}, JSON`, async () => {
      check(await builder.json([packParts(texts)], { specs: [], tsEpochNs: '1796616000000000000' }));
    });
    test(`${name}, gzip`, async () => {
      const gz = await builder.gzipped([packParts(texts)], { specs: [], tsEpochNs: '1796616000000000000', windowNs: '1000000000' });
      check(gunzipSync(gz));
    });
  }
});

describe('a real host moves snapshots of many plugins and a large report between its threads', () => {
  const PLUGINS = 60;
  let dir: { path: string; cleanup(): Promise<void> };
  let host: TestHost;
  const plugins: RawPlugin[] = [];

  before(async () => {
    dir = await tempDir();
  });
  after(async () => {
    await host?.close();
    await Promise.all(plugins.map((p) => p.close()));
    await dir.cleanup();
  });

  test('an empty snapshot, then one of every plugin: JSON for the API, gzip for a publication', async () => {
    host = await startTestHost({ pluginsRoot: dir.path, pollIntervalMs: 200, rescanIntervalMs: 500 });
    await waitFor('first scan', async () => (await host.get('/readyz')).status === 200);
    const empty = await host.get<Report>('/api/report');
    assert.equal(empty.status, 200, 'a report of no plugins (empty packs moved)');
    assert.deepEqual(empty.body.Plugins, []);

    for (let i = 0; i < PLUGINS; i++) plugins.push(await rawPlugin(join(dir.path, `p${i}.sock`), reportHandler(pluginReport(`p${i}`, 4))));
    // Over 1 MB: parsed on the shard's large-report thread, the body moved there.
    const big = pluginReport('big', 2_000, 640);
    assert.ok(JSON.stringify(big).length > LARGE_BODY_BYTES);
    plugins.push(await rawPlugin(join(dir.path, 'big.sock'), reportHandler(big)));
    const ids = [...Array.from({ length: PLUGINS }, (_, i) => `p${i}`), 'big'];

    const report = await waitFor(
      'every plugin ok in GET /api/report',
      async () => {
        const { status, body } = await host.get<Report>('/api/report');
        assert.equal(status, 200);
        return body.Plugins.length === ids.length && body.Plugins.every((p) => p.status === 'ok') ? body : undefined;
      },
      20_000,
      100,
    );
    assert.equal(Object.keys(report.Host.nodes).length, ids.length);
    const bigNode = report.Host.nodes['big;<host>']!.latest;
    assert.equal(Object.keys(bigNode).length, 2_000);
    assert.equal(bigNode['key_1999']!.value.length, 640);

    const gz = await host.service.core.publication();
    assert.ok(gz !== null);
    const published = JSON.parse(gunzipSync(gz).toString('utf8')) as Report;
    assert.deepEqual(published.Plugins.map((p) => p.id).sort(), [...ids].sort());
  });
});
