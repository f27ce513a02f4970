/**
 * Config reload on the real `scope-plugin-host` process: SIGHUP and `POST /-/reload` re-read the
 * file; live keys change without a restart and without any plugin losing its state; restart-only
 * keys are named in one log line and keep their values; a refused file changes nothing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startFakeApp } from '../helpers/fake-scope-app.js';
import { startHostProcess, type HostProcess } from '../helpers/host-process.js';
import { rawPlugin, reportHandler, specReport } from '../helpers/raw-plugin.js';
import { tempDir } from '../helpers/tmp.js';
import { waitFor } from '../helpers/wait.js';

const CLI = fileURLToPath(new URL('../../dist/main/cli.js', import.meta.url));

interface Row {
  id: string;
  status: string;
  errorCode: string | null;
  polls: number;
  lastOkAt: string | null;
}

async function rows(host: HostProcess): Promise<Row[]> {
  return (await (await fetch(`${host.url}/api/plugins`)).json()) as Row[];
}

async function slowRow(host: HostProcess): Promise<Row | undefined> {
  return (await rows(host)).find((r) => r.id === 'slow');
}

test('SIGHUP and POST /-/reload: live keys change, plugins keep their state, restart-only keys named once, a bad file refused', async (t) => {
  const dir = await tempDir();
  t.after(() => dir.cleanup());
  const root = join(dir.path, 'plugins');
  // Answers after 250 ms: ok under a 1000 ms deadline, PLUGIN_TIMEOUT under 100 ms.
  const answer = reportHandler(specReport({ id: 'slow', label: 'slow', interfaces: ['reporter'] }));
  const slow = await rawPlugin(join(root, 'slow.sock'), (req, res) => void setTimeout(() => answer(req, res), 250));
  t.after(() => slow.close());
  const app = await startFakeApp();
  t.after(() => app.close());

  const file = join(dir.path, 'host.json');
  const base = { pluginsRoot: root, workers: 2, pollIntervalMs: 1000, timeoutMs: 1000, logLevel: 'info' };
  await writeFile(file, JSON.stringify(base));
  const host = await startHostProcess(['--config', file]);
  t.after(() => host.stop());
  const before = await waitFor('slow polled ok twice', async () => {
    const row = await slowRow(host);
    return row?.status === 'ok' && row.polls >= 2 && row;
  });

  // SIGHUP: live keys and two restart-only ones.
  const changed = {
    ...base,
    pluginsRoot: join(dir.path, 'elsewhere'),
    workers: 1,
    pollIntervalMs: 100,
    timeoutMs: 100,
    logLevel: 'debug',
    maxConcurrentPollsPerWorker: 4,
    metrics: { perPlugin: true },
    publish: { apps: [app.url], intervalMs: 200 },
  };
  await writeFile(file, JSON.stringify(changed));
  process.kill(host.pid, 'SIGHUP');
  const reloaded = await waitFor('config reloaded', () => host.logs.find((l) => l.msg === 'config reloaded'));
  assert.deepEqual([...(reloaded['changed'] as string[])].sort(), [
    'logLevel',
    'maxConcurrentPollsPerWorker',
    'metrics.perPlugin',
    'pollIntervalMs',
    'publish.apps',
    'publish.intervalMs',
    'timeoutMs',
  ]);
  const restart = host.logs.filter((l) => String(l.msg).includes('change only at restart'));
  assert.equal(restart.length, 1, 'one line for the restart-only keys');
  assert.deepEqual(restart[0]!['keys'], ['pluginsRoot', 'workers']);
  assert.equal(restart[0]!.msg, 'config reload: pluginsRoot, workers change only at restart; keeping the running values');

  // The new deadline reaches the plugin's existing actor: it times out now; its counters go on.
  const failing = await waitFor('slow times out under the new deadline', async () => {
    const row = await slowRow(host);
    return row?.errorCode === 'PLUGIN_TIMEOUT' && row;
  });
  assert.ok(failing.polls > before.polls, `polls continue (${before.polls} -> ${failing.polls}), the actor was not restarted`);
  assert.equal(failing.lastOkAt !== null && failing.lastOkAt >= before.lastOkAt!, true, 'last ok kept');
  const health = (await (await fetch(`${host.url}/healthz`)).json()) as { root: { path: string } };
  assert.equal(health.root.path, root, 'pluginsRoot kept its running value');
  const metrics = await (await fetch(`${host.url}/metrics`)).text();
  assert.match(metrics, /^scope_plugin_host_plugin_up\{plugin="slow",/m, 'per-plugin series on');
  await waitFor('the new app gets a report', () => app.received.length > 0);
  // logLevel debug: a new socket's discovery is logged at debug level now.
  const fresh = await rawPlugin(join(root, 'fresh.sock'), answer);
  t.after(() => fresh.close());
  await waitFor('a debug line', () => host.logs.some((l) => l.level === 20 && l.msg === 'plugin socket added'));

  // A refused file: the same lines as at start, one per problem, and the running config stays.
  const bad = { ...changed, timeoutMs: 0, pollIntervalMs: 'fast' };
  await writeFile(file, JSON.stringify(bad));
  const cli = spawnSync(process.execPath, [CLI, '--config', file], { encoding: 'utf8', timeout: 10_000 });
  assert.equal(cli.status, 2);
  const refused = await fetch(`${host.url}/-/reload`, { method: 'POST' });
  assert.equal(refused.status, 500);
  const body = (await refused.json()) as { error: string; errors: string[]; code: string };
  assert.equal(body.errors.length, 2, cli.stderr);
  assert.equal(body.errors.map((line) => `scope-plugin-host: ${line}\n`).join(''), cli.stderr, 'the lines the command prints at start');
  assert.equal(body.error, body.errors.join('\n'));
  assert.equal(body.code, 'HOST_CONFIG_INVALID');
  const logged = host.logs.filter((l) => l.msg === 'config reload refused; the running config stays').map((l) => l['error']);
  assert.deepEqual(logged, body.errors, 'one log line per problem');
  assert.match(await (await fetch(`${host.url}/metrics`)).text(), /^scope_plugin_host_config_last_reload_successful 0$/m);
  assert.equal((await slowRow(host))?.errorCode, 'PLUGIN_TIMEOUT', 'still the running 100 ms deadline');

  // POST /-/reload from loopback with a good file: the plugin recovers, no restart.
  await writeFile(file, JSON.stringify({ ...changed, timeoutMs: 1000 }));
  const ok = await fetch(`${host.url}/-/reload`, { method: 'POST' });
  assert.equal(ok.status, 200);
  assert.deepEqual(await ok.json(), { status: 'reloaded', changed: ['timeoutMs'], restartRequired: ['pluginsRoot', 'workers'] });
  const recovered = await waitFor('slow ok again', async () => {
    const row = await slowRow(host);
    return row?.status === 'ok' && row;
  });
  assert.ok(recovered.polls > failing.polls);
  assert.match(await (await fetch(`${host.url}/metrics`)).text(), /^scope_plugin_host_config_last_reload_successful 1$/m);

  // Publishing off again: the app hears nothing more (it got a report every 200 ms before).
  const { publish: _publish, ...unpublished } = changed;
  await writeFile(file, JSON.stringify({ ...unpublished, timeoutMs: 1000 }));
  const off = await fetch(`${host.url}/-/reload`, { method: 'POST' });
  assert.deepEqual(((await off.json()) as { changed: string[] }).changed, ['publish.apps', 'publish.intervalMs']);
  const sent = app.received.length;
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  assert.equal(app.received.length, sent, 'no report after publishing was turned off');
  assert.doesNotMatch(await (await fetch(`${host.url}/metrics`)).text(), /^scope_plugin_host_publish_reports_total\{/m);
  assert.equal(host.logs.filter((l) => l.msg === 'shard worker crashed; restarting').length, 0);
});
