/**
 * Upstream's registry tests (docs/spec/plugin-protocol.md#upstream-test-cases-we-honour) as
 * black-box checks against the real service: real shard worker threads, real discovery, real
 * plugins on unix sockets, and the observable outputs `GET /api/report` and `GET /api/plugins`.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, rm, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { servePlugin } from '../../src/kit/index.js';
import type { PluginServer } from '../../src/kit/index.js';
import type { PluginSpec } from '../../src/shared/report/types.js';
import { startTestHost, type TestHost } from '../helpers/host.js';
import { rawPlugin, reportHandler, specReport, type RawPlugin } from '../helpers/raw-plugin.js';
import { tempDir } from '../helpers/tmp.js';
import { waitFor } from '../helpers/wait.js';

interface Report {
  Plugins: PluginSpec[];
  [topology: string]: unknown;
}
interface Row {
  id: string;
  status?: string;
  era: string | null;
  socket: string;
  polls: number;
  label: string;
}

const FAST = { pollIntervalMs: 200, rescanIntervalMs: 1000, failureBackoffMaxMs: 400 };

async function reportOf(host: TestHost): Promise<Report> {
  const { status, body } = await host.get<Report>('/api/report');
  assert.equal(status, 200);
  return body;
}

/** Wait until every listed plugin has a status, then return the report's Plugins. */
async function settledPlugins(host: TestHost, ids: string[]): Promise<PluginSpec[]> {
  return waitFor(`statuses of ${ids.join(', ')}`, async () => {
    const { Plugins } = await reportOf(host);
    const byId = new Map(Plugins.map((p) => [p.id, p]));
    return ids.every((id) => byId.get(id)?.status !== undefined) ? Plugins : undefined;
  });
}

describe('upstream registry checks (current era)', () => {
  let dir: { path: string; cleanup(): Promise<void> };
  let host: TestHost;
  const plugins: (PluginServer | RawPlugin)[] = [];

  before(async () => {
    dir = await tempDir();
  });
  after(async () => {
    await host?.close();
    await Promise.all(plugins.map((p) => p.close()));
    await dir.cleanup();
  });

  test('uc-9: loads existing plugins even when one fails (sub-directory scanned)', async () => {
    const root = join(dir.path, 'c9');
    plugins.push(
      await rawPlugin(join(root, 'fail', 'aFailure.sock'), (_req, res) => res.writeHead(500).end('Internal Server Error')),
      await rawPlugin(join(root, 'testPlugin.sock'), reportHandler(specReport({ id: 'testPlugin', label: 'testPlugin', interfaces: ['reporter'] }))),
    );
    host = await startTestHost({ pluginsRoot: root, ...FAST });
    const list = await settledPlugins(host, ['aFailure', 'testPlugin']);
    assert.deepEqual(list, [
      { id: 'aFailure', label: 'aFailure', interfaces: null, status: 'error: plugin returned non-200 status code: 500 Internal Server Error' },
      { id: 'testPlugin', label: 'testPlugin', interfaces: ['reporter'], api_version: '1', status: 'ok' },
    ]);
    await host.close();
  });

  test('uc-15: rejects erroneous plugin responses with upstream status strings', async () => {
    const root = join(dir.path, 'c15');
    const ok = (id: string, extra: Record<string, unknown> = {}) => reportHandler(specReport({ id, label: id, interfaces: ['reporter'], ...extra }));
    plugins.push(
      await rawPlugin(join(root, 'changedID.sock'), ok('differentID')),
      await rawPlugin(
        join(root, 'moreThanOnePlugin.sock'),
        reportHandler({
          Plugins: [
            { id: 'moreThanOnePlugin', label: 'moreThanOnePlugin', interfaces: ['reporter'], api_version: '1' },
            { id: 'haha', label: 'haha', interfaces: ['reporter'], api_version: '1' },
          ],
        }),
      ),
      await rawPlugin(join(root, 'noInterface.sock'), ok('noInterface', { interfaces: [] })),
      await rawPlugin(join(root, 'noLabel.sock'), reportHandler(specReport({ id: 'noLabel', interfaces: ['reporter'] }))),
      await rawPlugin(join(root, 'non200ResponseCode.sock'), (_req, res) =>
        res.writeHead(500).end(JSON.stringify(specReport({ id: 'non200ResponseCode', label: 'x', interfaces: ['reporter'] }))),
      ),
      await rawPlugin(join(root, 'nonJSONResponseBody.sock'), (_req, res) => res.writeHead(200).end('notJSON')),
      await rawPlugin(
        join(root, 'okPlugin.sock'),
        reportHandler(
          specReport(
            { id: 'okPlugin', label: 'okPlugin', interfaces: ['reporter'] },
            { Host: { nodes: { 'h;<host>': { latest: { ok: { timestamp: '2026-01-01T00:00:00Z', value: 'yes' } } } } } },
          ),
        ),
      ),
      await rawPlugin(
        join(root, 'wrongApiVersion.sock'),
        reportHandler({
          Plugins: [{ id: 'wrongApiVersion', label: 'wrongApiVersion', interfaces: ['reporter'], api_version: 'foo' }],
          Host: { nodes: { 'bad;<host>': {} } },
        }),
      ),
    );
    host = await startTestHost({ pluginsRoot: root, ...FAST });
    const ids = ['changedID', 'moreThanOnePlugin', 'noInterface', 'noLabel', 'non200ResponseCode', 'nonJSONResponseBody', 'okPlugin', 'wrongApiVersion'];
    const list = await settledPlugins(host, ids);
    const decoding = list.find((p) => p.id === 'nonJSONResponseBody')!;
    assert.match(decoding.status!, /^error: decoding error: /);
    assert.deepEqual(
      list.map((p) => (p.id === 'nonJSONResponseBody' ? { ...p, status: 'checked above' } : p)),
      [
        { id: 'changedID', label: 'changedID', interfaces: null, status: 'error: plugin must not change its id (is "differentID", should be "changedID")' },
        { id: 'moreThanOnePlugin', label: 'moreThanOnePlugin', interfaces: null, status: 'error: report must contain exactly one plugin (found 2)' },
        { id: 'noInterface', label: 'noInterface', interfaces: [], api_version: '1', status: 'error: spec must implement the "reporter" interface' },
        { id: 'noLabel', label: '', interfaces: ['reporter'], api_version: '1', status: 'error: spec must contain a label' },
        {
          id: 'non200ResponseCode',
          label: 'non200ResponseCode',
          interfaces: null,
          status: 'error: plugin returned non-200 status code: 500 Internal Server Error',
        },
        { id: 'nonJSONResponseBody', label: 'nonJSONResponseBody', interfaces: null, status: 'checked above' },
        { id: 'okPlugin', label: 'okPlugin', interfaces: ['reporter'], api_version: '1', status: 'ok' },
        {
          id: 'wrongApiVersion',
          label: 'wrongApiVersion',
          interfaces: ['reporter'],
          api_version: 'foo',
          status: 'error: incorrect API version: expected "1", got "foo"',
        },
      ],
    );
    // Only okPlugin's data is merged: no topology data from the failing ones.
    const report = await reportOf(host);
    const hostNodes = (report['Host'] as { nodes?: Record<string, unknown> }).nodes ?? {};
    assert.deepEqual(Object.keys(hostNodes), ['h;<host>']);
    await host.close();
  });

  test('uc-17: invalid plugin ids are absent, not errored', async () => {
    const root = join(dir.path, 'c17');
    for (const name of ['testPlugin', 'P-L-U-G-I-N', 'another-testPlugin', 'testPlugin!', 'test~plugin', 'testPlugin-', '-testPlugin']) {
      plugins.push(await rawPlugin(join(root, `${name}.sock`), reportHandler(specReport({ id: name, label: name, interfaces: ['reporter'] }))));
    }
    host = await startTestHost({ pluginsRoot: root, ...FAST });
    const list = await settledPlugins(host, ['P-L-U-G-I-N', 'another-testPlugin', 'testPlugin']);
    assert.deepEqual(
      list.map((p) => [p.id, p.status]),
      [
        ['P-L-U-G-I-N', 'ok'],
        ['another-testPlugin', 'ok'],
        ['testPlugin', 'ok'],
      ],
    );
    await host.close();
  });
});

describe('discovery and life cycle through the service', () => {
  test('uc-10, uc-11, uc-12, uc-29: new plugins found, changes followed, removed plugins dropped', async () => {
    const dir = await tempDir();
    const host = await startTestHost({ pluginsRoot: dir.path, ...FAST, rescanIntervalMs: 60_000 });
    try {
      assert.deepEqual((await reportOf(host)).Plugins, []);
      let label = 'testPlugin';
      const plugin = await servePlugin({
        id: 'testPlugin',
        root: dir.path,
        spec: { label: 'x' },
        report: () => ({ Plugins: [{ id: 'testPlugin', label, interfaces: ['reporter'], api_version: '1' }] }),
      });
      // Found by the watcher long before the 60 s rescan.
      await settledPlugins(host, ['testPlugin']);
      label = 'updatedPlugin';
      await waitFor('the new label', async () => (await reportOf(host)).Plugins[0]?.label === 'updatedPlugin');
      assert.deepEqual((await reportOf(host)).Plugins, [
        { id: 'testPlugin', label: 'updatedPlugin', interfaces: ['reporter'], api_version: '1', status: 'ok' },
      ]);
      await plugin.close();
      await waitFor('plugin removed', async () => (await reportOf(host)).Plugins.length === 0);
      assert.deepEqual((await host.get<Row[]>('/api/plugins')).body, []);
    } finally {
      await host.close();
      await dir.cleanup();
    }
  });

  test('uc-30: a root missing at start is picked up when it appears', async () => {
    const dir = await tempDir();
    const root = join(dir.path, 'later', 'plugins');
    const host = await startTestHost({ pluginsRoot: root, ...FAST, rescanIntervalMs: 60_000 });
    try {
      assert.equal((await host.get('/healthz')).status, 200);
      await mkdir(root, { recursive: true });
      const plugin = await servePlugin({ id: 'late', root, spec: { label: 'late' }, report: () => ({}) });
      const [spec] = await settledPlugins(host, ['late']);
      assert.equal(spec!.status, 'ok');
      await plugin.close();
    } finally {
      await host.close();
      await dir.cleanup();
    }
  });

  test('a socket replaced at the same path restarts its actor', async () => {
    const dir = await tempDir();
    const host = await startTestHost({ pluginsRoot: dir.path, ...FAST });
    try {
      const path = join(dir.path, 'swap', 'swap.sock');
      const first = await rawPlugin(path, reportHandler(specReport({ id: 'swap', label: 'first', interfaces: ['reporter'] })));
      await waitFor('first server polled', async () => (await reportOf(host)).Plugins[0]?.label === 'first');
      await first.close();
      const second = await rawPlugin(path, reportHandler(specReport({ id: 'swap', label: 'second', interfaces: ['reporter'] })));
      await waitFor('second server polled', async () => (await reportOf(host)).Plugins[0]?.label === 'second');
      // The new server gets a handshake of its own: a new actor, not just the old one re-dialling.
      // (The old actor may poll it once before discovery sees the new inode.)
      await waitFor('handshake on the new server', () => second.requests.some((r) => r.url === '/?api_version=1&probe_id=abcdef0123456789'));
      assert.equal((await host.get<Row[]>('/api/plugins')).body.length, 1);
      await second.close();
    } finally {
      await host.close();
      await dir.cleanup();
    }
  });

  test('uc-32, uc-42: exact query string; empty root disables plugins without errors', async () => {
    const dir = await tempDir();
    const plugin = await rawPlugin(join(dir.path, 'q', 'q.sock'), reportHandler(specReport({ id: 'q', label: 'q', interfaces: ['reporter'] })));
    const host = await startTestHost({ pluginsRoot: dir.path, ...FAST });
    try {
      await settledPlugins(host, ['q']);
      assert.ok(
        plugin.requests.some((r) => r.url === '/report?api_version=1&probe_id=abcdef0123456789'),
        JSON.stringify(plugin.requests),
      );
    } finally {
      await host.close();
    }
    const disabled = await startTestHost({ pluginsRoot: '', ...FAST });
    try {
      assert.equal((await disabled.get('/healthz')).status, 200);
      assert.deepEqual((await reportOf(disabled)).Plugins, []);
      assert.deepEqual(
        disabled.logs.filter((l) => l.level >= 40),
        [],
      );
    } finally {
      await disabled.close();
      await plugin.close();
      await dir.cleanup();
    }
  });

  test('a symlink to a socket is a plugin under the symlink name', async () => {
    const dir = await tempDir();
    const target = await rawPlugin(
      join(dir.path, 'real', 'hidden.sock'),
      reportHandler(specReport({ id: 'linked', label: 'linked', interfaces: ['reporter'] })),
    );
    const root = join(dir.path, 'root');
    await mkdir(root);
    await symlink(target.socketPath, join(root, 'linked.sock'));
    const host = await startTestHost({ pluginsRoot: root, ...FAST });
    try {
      const [spec] = await settledPlugins(host, ['linked']);
      assert.equal(spec!.status, 'ok');
    } finally {
      await host.close();
      await target.close();
      await rm(join(root, 'linked.sock'), { force: true });
      await dir.cleanup();
    }
  });
});

describe('handshake era', () => {
  test('uc-1, uc-2, uc-5: handshake plugins load, a failing one does not block the other', async () => {
    const dir = await tempDir();
    const seed = await servePlugin({
      id: 'testPlugin',
      root: dir.path,
      handshake: true,
      spec: { label: 'ignored', description: 'seed era' },
      report: () => ({ Host: { nodes: { 'seed;<host>': { metrics: { iowait: { samples: [{ date: '2016-03-04T17:40:48Z', value: 0.01 }] } } } } } }),
    });
    const badVersion = await rawPlugin(join(dir.path, 'fail', 'aFailure.sock'), (req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ name: 'aFailure', interfaces: ['reporter'], api_version: '2' }));
      void req;
    });
    const other = await rawPlugin(join(dir.path, 'plugin2.sock'), (_req, res) =>
      res.writeHead(200).end(JSON.stringify({ name: 'plugin2', interfaces: ['other'], api_version: '1' })),
    );
    const host = await startTestHost({ pluginsRoot: dir.path, ...FAST });
    try {
      const list = await settledPlugins(host, ['testPlugin', 'aFailure', 'plugin2']);
      const byId = Object.fromEntries(list.map((p) => [p.id, p]));
      assert.equal(byId['testPlugin']!.status, 'ok');
      assert.equal(byId['testPlugin']!.label, 'testPlugin'); // the handshake `name` is the label
      assert.equal(byId['testPlugin']!.description, 'seed era');
      assert.equal(byId['aFailure']!.status, 'error: incorrect API version: expected "1", got "2"');
      assert.equal(byId['plugin2']!.status, 'error: spec must implement the "reporter" interface');
      const rows = (await host.get<Row[]>('/api/plugins')).body;
      assert.equal(rows.find((r) => r.id === 'testPlugin')!.era, 'handshake');
      // The seed report had no Plugins section; its data is merged under the handshake spec.
      const report = await reportOf(host);
      const nodes = (report['Host'] as { nodes: Record<string, { metrics: Record<string, unknown> }> }).nodes;
      assert.ok(nodes['seed;<host>']?.metrics['iowait']);
      // A non-reporter handshake plugin is never asked for reports.
      assert.ok(other.requests.every((r) => !r.url.startsWith('/report')));
    } finally {
      await host.close();
      await Promise.all([seed.close(), badVersion.close(), other.close()]);
      await dir.cleanup();
    }
  });
});
