/**
 * The shipped alerting rules (deploy/prometheus/scope-plugin-host.rules.yml) against Debian's real
 * Prometheus: `promtool check rules`, the timing unit tests (`promtool test rules`), and a real
 * Prometheus scraping a real host, first without a plugins root, then with failing plugins, until
 * each alert fires. That run uses a copy of the rules with every `for:` at 1 s and scrapes and
 * evaluates every second, so it takes seconds; the real durations are what the unit tests check.
 * Skips, saying why, where Prometheus is not installed (.ci/run installs it).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTestHost } from '../helpers/host.js';
import { rawPlugin } from '../helpers/raw-plugin.js';
import { tempDir } from '../helpers/tmp.js';
import { waitFor } from '../helpers/wait.js';

const RULES = fileURLToPath(new URL('../../deploy/prometheus/scope-plugin-host.rules.yml', import.meta.url));
const UNIT_TESTS = fileURLToPath(new URL('../prometheus/alerts.test.yml', import.meta.url));

function missing(tool: string): string | undefined {
  const r = spawnSync(tool, ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? undefined : `${tool} is not installed (Debian package prometheus): ${r.error?.message ?? r.stderr}`;
}

test('promtool check rules', { skip: missing('promtool') }, () => {
  const r = spawnSync('promtool', ['check', 'rules', RULES], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /SUCCESS: \d+ rules found/);
});

test('promtool test rules: each alert waits its for: duration', { skip: missing('promtool') }, () => {
  const r = spawnSync('promtool', ['test', 'rules', UNIT_TESTS], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 0, r.stdout + r.stderr);
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

interface Alert {
  labels: Record<string, string>;
  state: string;
}

test('a real Prometheus scraping a real host sees each alert fire', { skip: missing('prometheus'), timeout: 90_000 }, async (t) => {
  const dir = await tempDir();
  t.after(() => dir.cleanup());
  const root = join(dir.path, 'plugins');
  const host = await startTestHost({ pluginsRoot: root, pollIntervalMs: 200 });
  t.after(() => host.close());
  const target = new URL(host.url).host;

  const rules = (await readFile(RULES, 'utf8')).replace(/^(\s+)for: \S+$/gm, '$1for: 1s');
  await writeFile(join(dir.path, 'rules.yml'), rules);
  await writeFile(
    join(dir.path, 'prometheus.yml'),
    [
      'global: { scrape_interval: 1s, evaluation_interval: 1s }',
      'rule_files: [rules.yml]',
      'scrape_configs:',
      `  - { job_name: scope-plugin-host, static_configs: [{ targets: ["${target}"] }] }`,
      '',
    ].join('\n'),
  );
  const port = await freePort();
  let output = '';
  const prometheus = spawn(
    'prometheus',
    [`--config.file=${join(dir.path, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir.path, 'data')}`, `--web.listen-address=127.0.0.1:${port}`],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  prometheus.stdout.on('data', (d: Buffer) => (output += d.toString()));
  prometheus.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise((resolve) => prometheus.once('exit', resolve));
  t.after(async () => {
    prometheus.kill('SIGTERM');
    const timer = setTimeout(() => prometheus.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  });

  const firing = async (name: string): Promise<Alert | undefined> => {
    const res = await fetch(`http://127.0.0.1:${port}/api/v1/alerts`);
    const body = (await res.json()) as { data: { alerts: Alert[] } };
    return body.data.alerts.find((a) => a.labels['alertname'] === name && a.state === 'firing' && a.labels['instance'] === target);
  };
  const fired = (name: string) =>
    waitFor(`${name} firing`, () => firing(name), 30_000, 250).catch((err: Error) => {
      throw new Error(`${err.message}\nprometheus said:\n${output.slice(-2000)}`);
    });

  // No plugins root.
  const noRoot = await fired('ScopePluginHostNoPluginsRoot');
  assert.equal(noRoot.labels['state'], 'missing');
  await fired('ScopePluginsNoneDiscovered');

  // The root appears with two plugins that fail.
  await mkdir(root);
  const bad = [
    await rawPlugin(join(root, 'bad1.sock'), (_q, r) => r.writeHead(500).end()),
    await rawPlugin(join(root, 'bad2.sock'), (_q, r) => r.writeHead(200).end('not json')),
  ];
  t.after(() => Promise.all(bad.map((b) => b.close())));
  await fired('ScopePluginsFailing');
  await fired('ScopePluginsMostlyFailing');
  await waitFor('the no-root alert resolved', async () => (await firing('ScopePluginHostNoPluginsRoot')) === undefined, 30_000, 250);
});
