/**
 * `scope-plugin-host check-plugin`: the built command in a child process against real plugin
 * sockets (the kit for good plugins, raw `node:http` servers for broken ones). For the broken ones
 * the same sockets are also given to a running host, and the command must print the very status
 * the host lists on /api/plugins.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { servePlugin, hostNodeId, metric, timestamp, activeControls } from '../../src/kit/index.js';
import { CLI, collect, runCli } from '../helpers/cli.js';
import { startTestHost } from '../helpers/host.js';
import { rawPlugin, reportHandler, specReport, type RawHandler } from '../helpers/raw-plugin.js';
import { tempDir } from '../helpers/tmp.js';
import { waitFor } from '../helpers/wait.js';

/** `label   value` lines of one check, by label (continuation lines appended to the last label). */
function fields(stdout: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let last = '';
  for (const line of stdout.split('\n')) {
    if (line === '' || line.startsWith('--- ')) continue;
    const label = line.slice(0, 11).trim();
    if (label !== '') last = label;
    out.set(last, [...(out.get(last) ?? []), line.slice(11)]);
  }
  return out;
}

test('check-plugin: an ok controller plugin, exit 0, with nodes, metrics and controls as merged', async () => {
  const dir = await tempDir('sph-chk-');
  const server = await servePlugin({
    id: 'fine',
    root: dir.path,
    spec: { label: 'Fine plugin' },
    report: () => ({
      Host: {
        nodes: {
          [hostNodeId('a')]: { metrics: { load: metric([{ date: timestamp(), value: 1 }]) }, latest: { active_controls: activeControls(['restart']) } },
          [hostNodeId('b')]: { metrics: { load: metric([{ date: timestamp(), value: 2 }]) } },
        },
        controls: { restart: { id: 'restart', human: 'Restart', icon: 'fa-repeat', rank: 1 } },
      },
    }),
    control: () => ({}),
  });
  try {
    const out = await runCli(['check-plugin', server.socketPath]);
    assert.equal(out.code, 0, out.stdout + out.stderr);
    assert.equal(out.stderr, '');
    const f = fields(out.stdout);
    assert.deepEqual(f.get('status'), ['ok']);
    assert.deepEqual(f.get('plugin'), ['fine ("Fine plugin"), interfaces reporter, controller, api_version "1"']);
    assert.match(f.get('era')![0]!, /^report /);
    assert.match(f.get('handshake')![0]!, /^GET \/: HTTP 404 in \d+\.\d ms/);
    assert.match(f.get('poll')![0]!, /^GET \/report: HTTP 200 in \d+\.\d ms, \d+ bytes/);
    assert.deepEqual(f.get('nodes'), ['Host 2']);
    assert.deepEqual(f.get('metrics'), ['Host: load on 2 nodes']);
    // A controller's controls are namespaced with its id, as the host's merged report has them.
    assert.deepEqual(f.get('controls'), ['Host: fine~restart "Restart", active on 1 node']);
    assert.equal(JSON.parse(f.get('spec')![0]!).status, 'ok');
  } finally {
    await server.close();
    await dir.cleanup();
  }
});

const BROKEN: { id: string; handler: RawHandler; status: string | RegExp; code: string }[] = [
  {
    id: 'crashing',
    handler: reportHandler({ oops: true }, 500),
    status: 'error: plugin returned non-200 status code: 500 Internal Server Error',
    code: 'PLUGIN_HTTP_STATUS',
  },
  {
    id: 'twins',
    handler: reportHandler({
      Plugins: [
        { id: 'twins', label: 'a', api_version: '1', interfaces: ['reporter'] },
        { id: 'other', label: 'b', api_version: '1', interfaces: ['reporter'] },
      ],
    }),
    status: 'error: report must contain exactly one plugin (found 2)',
    code: 'PLUGIN_SPEC_COUNT',
  },
  {
    id: 'renamed',
    handler: reportHandler(specReport({ id: 'something', label: 'x', interfaces: ['reporter'] })),
    status: 'error: plugin must not change its id (is "something", should be "renamed")',
    code: 'PLUGIN_ID_CHANGED',
  },
  {
    id: 'future',
    handler: reportHandler(specReport({ id: 'future', label: 'x', interfaces: ['reporter'], api_version: '2' })),
    status: 'error: incorrect API version: expected "1", got "2"',
    code: 'PLUGIN_API_VERSION',
  },
  {
    id: 'garbled',
    handler: reportHandler('{"Plugins": ['),
    status: /^error: decoding error: /,
    code: 'PLUGIN_DECODE',
  },
];

test('check-plugin: broken plugins exit 1 with the exact status the host lists', { timeout: 60_000 }, async () => {
  const dir = await tempDir('sph-chk-');
  const plugins = await Promise.all(BROKEN.map((b) => rawPlugin(join(dir.path, `${b.id}.sock`), b.handler)));
  const host = await startTestHost({ pluginsRoot: dir.path, pollIntervalMs: 200 });
  try {
    const listed = await waitFor('every broken plugin listed with an error', async () => {
      const { body } = await host.get<{ id: string; status: string }[]>('/api/plugins');
      return body.length === BROKEN.length && body.every((r) => r.status.startsWith('error: ')) && body;
    });
    for (const b of BROKEN) {
      const out = await runCli(['check-plugin', join(dir.path, `${b.id}.sock`)]);
      assert.equal(out.code, 1, `${b.id}: ${out.stdout}${out.stderr}`);
      const f = fields(out.stdout);
      const status = f.get('status')![0]!;
      if (typeof b.status === 'string') assert.equal(status, b.status, b.id);
      else assert.match(status, b.status, b.id);
      assert.deepEqual(f.get('code'), [b.code], b.id);
      assert.equal(status, listed.find((r) => r.id === b.id)?.status, `${b.id}: the host lists the same status`);
      assert.equal(f.get('nodes'), undefined, `${b.id}: a failing plugin contributes no nodes`);
    }
  } finally {
    await host.close();
    await Promise.all(plugins.map((p) => p.close()));
    await dir.cleanup();
  }
});

test('check-plugin: nothing on the socket, a hung plugin, an invalid id, a bad command line', { timeout: 30_000 }, async () => {
  const dir = await tempDir('sph-chk-');
  const hung = await rawPlugin(join(dir.path, 'hung.sock'), () => {});
  try {
    const missing = await runCli(['check-plugin', join(dir.path, 'absent.sock')]);
    assert.equal(missing.code, 1);
    assert.match(
      fields(missing.stdout).get('status')![0]!,
      /^error: Get "http:\/\/plugin\/\?api_version=1&probe_id=[0-9a-f]+": dial unix .*absent\.sock: connect: no such file or directory$/,
    );
    assert.match(fields(missing.stdout).get('era')![0]!, /^undecided/);

    const slow = await runCli(['check-plugin', hung.socketPath]);
    assert.equal(slow.code, 1);
    assert.match(fields(slow.stdout).get('status')![0]!, /^error: Get "http:\/\/plugin\/\?.*": context deadline exceeded/);
    assert.deepEqual(fields(slow.stdout).get('code'), ['PLUGIN_TIMEOUT']);

    const invalid = await runCli(['check-plugin', join(dir.path, 'bad_name.sock')]);
    assert.equal(invalid.code, 1);
    assert.match(fields(invalid.stdout).get('status')![0]!, /^ignored: invalid plugin id "bad_name" /);

    const usage = await runCli(['check-plugin']);
    assert.equal(usage.code, 2);
    assert.equal(usage.stderr, 'scope-plugin-host check-plugin: expected one plugin socket path, got 0 (see --help)\n');
  } finally {
    await hung.close();
    await dir.cleanup();
  }
});

test('check-plugin --watch: checks every interval until SIGINT, exit status of the last check', { timeout: 30_000 }, async () => {
  const dir = await tempDir('sph-chk-');
  let fail = false;
  const server = await servePlugin({
    id: 'flappy',
    root: dir.path,
    spec: { label: 'flappy' },
    report: () => {
      if (fail) throw new Error('down');
      return {};
    },
  });
  try {
    const child = spawn(process.execPath, [CLI, 'check-plugin', '--watch', server.socketPath], { stdio: ['ignore', 'pipe', 'pipe'] });
    const ended = collect(child, 20_000);
    let seen = '';
    child.stdout!.on('data', (d: Buffer) => (seen += d.toString()));
    await waitFor('two ok checks', () => (seen.match(/^status +ok$/gm)?.length ?? 0) >= 2);
    fail = true;
    await waitFor('a failing check', () => /^status +error: plugin returned non-200 status code: 500/m.test(seen));
    child.kill('SIGINT');
    const end = await ended;
    assert.equal(end.code, 1, 'the last check failed');
    assert.equal((end.stdout.match(/^--- \d{4}-/gm) ?? []).length >= 3, true);
    // The era is decided once: only the first check asks GET /.
    assert.equal((end.stdout.match(/^handshake /gm) ?? []).length, 1);
  } finally {
    await server.close();
    await dir.cleanup();
  }
});
