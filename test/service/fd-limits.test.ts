/**
 * The host under a low open-file limit, as a real process under `prlimit --nofile=N:N`, with real
 * plugins on unix sockets (the fake fleet, in its own process with its own limit) and real TCP
 * connections to the API. Every descriptor the process holds comes out of the one limit: API
 * clients, plugin connections, threads. The API must keep answering, and when the plugins do not
 * all fit, the same plugins (the last ones in socket-path order) must get a status saying so and
 * never be dialled, while the others are polled as usual.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { get } from 'node:http';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { fakePlugins, startFleet, type Fleet } from '../../bench/fleet/client.js';
import type { PluginRow } from '../../src/main/core/plugin-table.js';
import { ErrorCode } from '../../src/shared/errors.js';
import { readOpenFileLimit } from '../../src/main/fd-budget.js';
import { prlimitMissing, startHostProcess, type HostProcess } from '../helpers/host-process.js';
import { tempDir } from '../helpers/tmp.js';
import { waitFor } from '../helpers/wait.js';

const IDLE_CONNECTIONS = 1100;
const ownLimit = readOpenFileLimit()?.soft ?? 0;
const skip =
  prlimitMissing() ?? (ownLimit < IDLE_CONNECTIONS + 200 ? `the test process needs ${IDLE_CONNECTIONS + 200} descriptors and has ${ownLimit}` : undefined);

/** `GET path` on a connection of its own (no keep-alive pool), within `timeoutMs`. */
function getFresh(url: string, path: string, timeoutMs = 5_000): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = get(url + path, { agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer to ${path} within ${timeoutMs} ms`)));
    req.on('error', reject);
  });
}

async function plugins(host: HostProcess): Promise<PluginRow[]> {
  const { status, body } = await getFresh(host.url, '/api/plugins');
  assert.equal(status, 200);
  return JSON.parse(body) as PluginRow[];
}

function openDescriptors(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

describe('more plugins than descriptors (400 plugins, nofile 256)', { skip }, () => {
  const COUNT = 400;
  let dir: { path: string; cleanup(): Promise<void> };
  let fleet: Fleet;
  let host: HostProcess;

  before(async () => {
    dir = await tempDir('sph-fd-');
    const root = join(dir.path, 'p');
    fleet = startFleet({ root, plugins: fakePlugins(COUNT) });
    await fleet.ready;
    const config = join(dir.path, 'host.json');
    // The second shard starts after the descriptor plan was made: its threads come out of the reserve.
    await writeFile(config, JSON.stringify({ workers: 2, pluginsPerWorker: 50, pollIntervalMs: 500 }));
    host = await startHostProcess(['--config', config, '--plugins-root', root], { nofile: 256 });
  });

  after(async () => {
    await host?.stop();
    await fleet?.stop();
    await dir?.cleanup();
  });

  test('the API answers, the first plugins in path order are polled, the rest say why and are never dialled', async () => {
    for (let i = 0; i < 5; i++) assert.equal((await getFresh(host.url, '/healthz', 3_000)).status, 200);
    const plan = host.logs.find((l) => l.msg === 'open-file limit');
    assert.ok(plan, 'the limit in force is logged at start');
    assert.equal(plan['nofileSoft'], 256);
    assert.equal(plan['nofileHard'], 256);
    const budget = plan['pluginDescriptors'] as number;
    assert.ok(budget > 50 && budget < COUNT, `plugin descriptors: ${budget}`);

    const rows = await waitFor(
      'the polled plugins to be ok',
      async () => {
        const r = await plugins(host);
        return r.filter((p) => p.status === 'ok').length === budget ? r : false;
      },
      20_000,
    );
    assert.equal(rows.length, COUNT);
    const bySocket = [...rows].sort((a, b) => (a.socket < b.socket ? -1 : 1));
    const refusal =
      `error: too many plugins for the open-file limit (nofile 256): the host polls the first ${budget} plugins ` +
      'in socket-path order and this one comes later; raise LimitNOFILE or ulimit -n';
    bySocket.forEach((row, i) => {
      if (i < budget) assert.equal(row.status, 'ok', row.socket);
      else {
        assert.equal(row.status, refusal, row.socket);
        assert.equal(row.errorCode, ErrorCode.FD_LIMIT);
      }
    });

    for (let i = 0; i < 5; i++) assert.equal((await getFresh(host.url, '/healthz', 3_000)).status, 200);
    const metrics = (await getFresh(host.url, '/metrics')).body;
    assert.match(metrics, new RegExp(`^scope_plugin_host_plugins_not_polled_fd_limit ${COUNT - budget}$`, 'm'));

    const requests = await fleet.collectLogs();
    const refused = bySocket.slice(budget).map((r) => r.id);
    assert.deepEqual(
      refused.filter((id) => (requests.get(id)?.length ?? 0) > 0),
      [],
      'refused plugins were contacted',
    );
    assert.equal(host.logs.filter((l) => /too many plugins for the open-file limit/.test(l.msg)).length, 1, 'said once');
    assert.ok(!host.logs.some((l) => /too many open files/.test(JSON.stringify(l))), 'no plugin met EMFILE');
    assert.ok(openDescriptors(host.pid) < 256);
  });
});

describe('1,100 idle TCP connections to the API (nofile 1024)', { skip }, () => {
  let dir: { path: string; cleanup(): Promise<void> };
  let fleet: Fleet;
  let host: HostProcess;
  const idle: Socket[] = [];
  let closedByHost = 0;

  before(async () => {
    dir = await tempDir('sph-fd-');
    const root = join(dir.path, 'p');
    fleet = startFleet({ root, plugins: fakePlugins(20) });
    await fleet.ready;
    const config = join(dir.path, 'host.json');
    await writeFile(config, JSON.stringify({ workers: 2, pollIntervalMs: 500 }));
    host = await startHostProcess(['--config', config, '--plugins-root', root], { nofile: 1024 });
  });

  after(async () => {
    for (const s of idle) s.destroy();
    await host?.stop();
    await fleet?.stop();
    await dir?.cleanup();
  });

  test('/healthz and the API keep answering, and plugins that need new connections get them', async () => {
    const { hostname, port } = new URL(host.url);
    for (let i = 0; i < IDLE_CONNECTIONS; i++) {
      const s = connect(Number(port), hostname);
      s.on('error', () => {});
      s.on('close', () => closedByHost++);
      idle.push(s);
    }
    // Connections beyond the kernel's accept queue arrive a SYN retry later: wait until none do.
    let seen = -1;
    await waitFor(
      'the flood to settle',
      () => {
        const settled = closedByHost === seen;
        seen = closedByHost;
        return settled;
      },
      15_000,
      1_500,
    );

    for (let i = 0; i < 5; i++) assert.equal((await getFresh(host.url, '/healthz', 3_000)).status, 200);
    assert.ok(openDescriptors(host.pid) < 1024, 'descriptors left');
    // 20 more plugins, each needing a new connection while the idle clients are still there.
    await fleet.addPlugins(fakePlugins(40).slice(20));
    const rows = await waitFor(
      'all 40 plugins to be ok',
      async () => {
        const r = await plugins(host);
        return r.length === 40 && r.every((p) => p.status === 'ok') ? r : false;
      },
      15_000,
    );
    assert.equal(rows.length, 40);
    const metrics = (await getFresh(host.url, '/metrics')).body;
    assert.match(metrics, /^scope_plugin_host_api_connections_dropped_total\{reason="evicted"\} \d+$/m);
  });
});
