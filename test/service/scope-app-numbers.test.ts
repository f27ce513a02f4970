/**
 * The largest numbers plugins may send, summed over polls and plugins, published through the real
 * host to the REAL Scope app: the app must accept every report (it refuses a whole report whose
 * numbers do not fit its Go types) and show the plugins' nodes. docs/spec/report-format.md, "Numbers
 * and Go types".
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { servePlugin, type PluginServer } from '../../src/kit/index.js';
import { rawPlugin, type RawPlugin } from '../helpers/raw-plugin.js';
import { scopeBinary, startScopeApp, type ScopeApp } from '../helpers/scope-binary.js';
import { startTestHost, type TestHost } from '../helpers/host.js';
import { tempDir } from '../helpers/tmp.js';
import { waitFor } from '../helpers/wait.js';

const binary = scopeBinary();
const UINT64_MAX = 2n ** 64n - 1n;
const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);

/** Every poll a new body (its own TS), so every poll is a distinct report whose numbers add up. */
function worstCase(id: string): string {
  return JSON.stringify({
    TS: new Date().toISOString(),
    Plugins: [{ id, label: id, interfaces: ['reporter'], api_version: '1' }],
    Host: {
      nodes: {
        [`${id};<host>`]: {
          latest: { host_name: { timestamp: new Date().toISOString(), value: id } },
          metrics: { huge: { samples: [{ date: new Date().toISOString(), value: 1.7976931348623157e308 }], min: -1e308, max: 1e308 } },
          counters: { legacy: 9223372036854775000 },
        },
      },
      controls: { [`${id}-low`]: { id: `${id}-low`, human: 'low', icon: 'fa-x', rank: -9223372036854775808 } },
      metadata_templates: { [`${id}-t`]: { id: `${id}-t`, label: 'T', truncate: 9223372036854775000, priority: 1e308 } },
    },
    Sampling: { Count: 9e18, Total: 9e18 },
    Window: 9223372036854775000,
  });
}

/** The integers of a wire report as written (JSON.parse would round them). */
function integers(text: string, key: string): bigint[] {
  return [...text.matchAll(new RegExp(`"${key}":(-?[0-9.eE+-]+)`, 'g'))].map((m) => {
    assert.match(m[1]!, /^-?\d+$/, `${key} is written as an integer: ${m[1]}`);
    return BigInt(m[1]!);
  });
}

function assertFitsGo(text: string): void {
  for (const key of ['Count', 'Total']) for (const n of integers(text, key)) assert.ok(n >= 0n && n <= UINT64_MAX, `${key} ${n} is not a uint64`);
  for (const key of ['Window', 'rank', 'truncate']) {
    for (const n of integers(text, key)) assert.ok(n >= INT64_MIN && n <= INT64_MAX, `${key} ${n} is not an int64`);
  }
}

describe('the real Scope app and the largest numbers plugins may send', { skip: 'skip' in binary ? binary.skip : false }, () => {
  let dir: { path: string; cleanup(): Promise<void> };
  let app: ScopeApp;
  let host: TestHost;
  const plugins: RawPlugin[] = [];
  let controller: PluginServer;

  before(async () => {
    dir = await tempDir();
    app = await startScopeApp((binary as { path: string }).path);
    for (const id of ['huge-a', 'huge-b']) {
      plugins.push(
        await rawPlugin(join(dir.path, `${id}.sock`), (req, res) => {
          if (!req.url?.startsWith('/report')) res.writeHead(404).end();
          else res.writeHead(200, { 'content-type': 'application/json' }).end(worstCase(id));
        }),
      );
    }
    // A controller whose control answers with a shortcut report carrying the same numbers.
    const extreme = (): Record<string, unknown> => {
      const { Plugins: _spec, ...rest } = JSON.parse(worstCase('huge-ctl')) as Record<string, unknown>;
      return rest;
    };
    controller = await servePlugin({
      id: 'huge-ctl',
      root: dir.path,
      spec: { label: 'huge-ctl' },
      report: extreme,
      // eslint-disable-next-line no-loss-of-precision -- Go's uint64 maximum as written; JavaScript reads it as 2^64
      control: () => ({ shortcutReport: { ...extreme(), Sampling: { Count: 18446744073709551615, Total: 1 } } }),
    });
    host = await startTestHost({ pluginsRoot: dir.path, pollIntervalMs: 100, publish: { apps: [app.url], intervalMs: 1000 } });
  });

  after(async () => {
    await host?.close();
    for (const p of plugins) await p.close();
    await controller?.close();
    await app?.stop();
    await dir?.cleanup();
  });

  test('every publication (sums over ~20 polls) is accepted and the app shows both plugins', async () => {
    const stats = () => host.service.publisher!.stats[0]!;
    await waitFor('three publications answered', () => stats().sent + stats().failed >= 3, 30_000, 100);
    assert.equal(stats().failed, 0, `the app refused a publication: ${stats().lastError ?? ''}`);
    const shown = await waitFor(
      'both plugin nodes in the app',
      async () => {
        const report = (await (await fetch(`${app.url}/api/report`)).json()) as { Host?: { nodes?: Record<string, unknown> } };
        const ids = Object.keys(report.Host?.nodes ?? {});
        return ids.includes('huge-a;<host>') && ids.includes('huge-b;<host>') && ids;
      },
      10_000,
      200,
    );
    assert.ok(shown.length >= 2);
  });

  test('a shortcut report with the same numbers is published at once and accepted', async () => {
    const stats = () => host.service.publisher!.stats[0]!;
    const rows = async () => (await host.get<{ id: string; status?: string }[]>('/api/plugins')).body;
    await waitFor('huge-ctl ok', async () => (await rows()).some((r) => r.id === 'huge-ctl' && r.status === 'ok'), 15_000, 100);
    const schedule = () => host.service.publisher!.scheduleStats;
    const shortcuts = schedule().shortcuts;
    const reply = await host.post('/api/control', { AppID: 'app', NodeID: 'huge-ctl;<host>', Control: 'huge-ctl~huge-ctl-low', ControlArgs: null });
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    assert.equal(
      host.logs.find((l) => l.msg === 'shortcut report rejected'),
      undefined,
    );
    await waitFor('the shortcut report handed to the app', () => schedule().shortcuts > shortcuts, 10_000, 20);
    await waitFor('the shortcut report answered', () => (stats().queued === 0 && !stats().inFlight) || stats().failed > 0, 10_000, 20);
    assert.equal(stats().failed, 0, `the app refused a report: ${stats().lastError ?? ''}`);
  });

  test('GET /api/report of the host fits the Go types and the app accepts it as a report', async () => {
    const res = await fetch(`${host.url}/api/report`);
    const text = await res.text();
    assertFitsGo(text);
    const posted = await fetch(`${app.url}/api/report`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-scope-probe-id': 'fedcba9876543210' },
      body: text,
    });
    const answer = await posted.text();
    assert.ok(posted.status >= 200 && posted.status < 300, `app answered ${posted.status}: ${answer}`);
  });
});
