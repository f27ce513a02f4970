import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { COUNT_KEY, DEMO_CONTAINERS, TABLE_PREFIX, containerTableReport, startContainerTablePlugin } from '../../../src/examples/container-table-plugin.js';
import { handshakeEraReport, startHandshakeEraPlugin } from '../../../src/examples/handshake-era-plugin.js';
import { cpuPercents, iowaitReport, parseProcStat, startIowaitPlugin } from '../../../src/examples/iowait-plugin.js';
import { tempDir } from '../../helpers/tmp.js';
import { waitFor } from '../../helpers/wait.js';
import { getReport, postControl, unixRequest } from '../../helpers/kit-http.js';

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
const stat = (user: number, idle: number, iowait: number, guest = 0) =>
  `cpu  ${user} 0 100 ${idle} ${iowait} 0 10 0 ${guest} 0\ncpu0 1 2 3 4 5 6 7 8 9 10\nintr 123\n`;

describe('iowait', () => {
  let root: string;
  let cleanup: () => Promise<void>;
  before(async () => ({ path: root, cleanup } = await tempDir('ex-')));
  after(() => cleanup());

  test('parses the aggregate cpu line of /proc/stat, guest time not counted twice', () => {
    assert.deepEqual(parseProcStat(stat(1000, 5000, 200, 999)), { idle: 5000, iowait: 200, total: 1000 + 100 + 5000 + 200 + 10 });
    assert.throws(() => parseProcStat('intr 1 2 3\n'), /no aggregate/);
    assert.throws(() => parseProcStat('cpu  1 2 x 4 5\n'), /malformed/);
  });

  test('percentages between two samples, clamped, null when no time passed', () => {
    const a = parseProcStat(stat(1000, 5000, 200));
    const b = parseProcStat(stat(1100, 5250, 250)); // +100 user, +250 idle, +50 iowait = 400 ticks
    assert.deepEqual(cpuPercents(a, b), { iowait: 12.5, idle: 62.5 });
    assert.equal(cpuPercents(a, a), null);
    const backwards = parseProcStat(stat(1400, 5000, 100)); // iowait counter stepped back
    assert.deepEqual(cpuPercents(a, backwards), { iowait: 0, idle: 0 });
  });

  test('real /proc/stat gives percentages in [0, 100]', async () => {
    const p = await startIowaitPlugin({ root, hostname: 'real' });
    try {
      for (let i = 0; i < 3; i++) {
        const sample = (await getReport(p.socketPath)).json().Host.nodes['real;<host>'].metrics.iowait.samples[0];
        assert.ok(sample.value >= 0 && sample.value <= 100, `iowait ${sample.value}`);
        assert.ok(!Number.isNaN(Date.parse(sample.date)));
      }
    } finally {
      await p.close();
    }
  });

  test('report shape matches upstream iowait: one metric, template, two controls, one active', async () => {
    const statPath = join(root, 'stat');
    await writeFile(statPath, stat(1000, 5000, 200));
    const p = await startIowaitPlugin({ root, hostname: 'vm', statPath });
    try {
      await writeFile(statPath, stat(1100, 5250, 250));
      const report = (await getReport(p.socketPath)).json();
      assert.deepEqual(report.Plugins, [
        {
          api_version: '1',
          description: 'Adds a graph of CPU IO Wait to hosts',
          id: 'iowait',
          interfaces: ['reporter', 'controller'],
          label: 'iowait',
        },
      ]);
      const node = report.Host.nodes['vm;<host>'];
      assert.deepEqual(Object.keys(node.metrics), ['iowait']);
      assert.equal(node.metrics.iowait.samples[0].value, 12.5);
      assert.equal(node.metrics.iowait.min, 0);
      assert.equal(node.metrics.iowait.max, 100);
      assert.equal(node.latest.active_controls.value, 'switchToIdle');
      assert.deepEqual(report.Host.metric_templates, { iowait: { id: 'iowait', label: 'IO Wait', format: 'percent', priority: 0.1 } });
      assert.deepEqual(Object.keys(report.Host.controls).sort(), ['switchToIOWait', 'switchToIdle']);
      assert.ok(Object.values(report.Host.controls).every((c: any) => c.rank === 1 && c.id && c.human && c.icon));
    } finally {
      await p.close();
    }
  });

  test('the toggle checks node and control, flips the mode and hides the used control', async () => {
    const statPath = join(root, 'stat2');
    await writeFile(statPath, stat(1000, 5000, 200));
    const p = await startIowaitPlugin({ root, hostname: 'vm', statPath });
    try {
      await writeFile(statPath, stat(1100, 5250, 250));
      await getReport(p.socketPath);
      const wrongNode = await postControl(p.socketPath, { AppID: 'a', NodeID: 'other;<host>', Control: 'switchToIdle', ControlArgs: null });
      assert.match(wrongNode.json().error, /invalid node ID/);
      const wrongControl = await postControl(p.socketPath, { AppID: 'a', NodeID: 'vm;<host>', Control: 'switchToIOWait', ControlArgs: null });
      assert.match(wrongControl.json().error, /unexpected control/);
      assert.equal(p.mode, 'iowait', 'rejected controls change nothing');

      const ok = await postControl(p.socketPath, { AppID: 'a', NodeID: 'vm;<host>', Control: 'switchToIdle', ControlArgs: null });
      assert.equal(ok.status, 200);
      const shortcut = ok.json().shortcutReport;
      assert.equal(ok.json().error, undefined);
      assert.equal(shortcut.Plugins[0].id, 'iowait');
      const node = shortcut.Host.nodes['vm;<host>'];
      assert.equal(node.latest.active_controls.value, 'switchToIOWait');
      assert.deepEqual(Object.keys(node.metrics), ['idle']);
      assert.equal(node.metrics.idle.samples[0].value, 62.5, 'the idle figure of the last sample');
      assert.equal(p.mode, 'idle');

      const next = (await getReport(p.socketPath)).json().Host;
      assert.deepEqual(Object.keys(next.metric_templates), ['idle']);
      assert.equal(next.nodes['vm;<host>'].latest.active_controls.value, 'switchToIOWait');
      const back = await postControl(p.socketPath, { AppID: 'a', NodeID: 'vm;<host>', Control: 'switchToIOWait', ControlArgs: null });
      assert.equal(back.json().shortcutReport.Host.nodes['vm;<host>'].latest.active_controls.value, 'switchToIdle');
      assert.equal(p.mode, 'iowait');
    } finally {
      await p.close();
    }
  });

  test('iowaitReport is a valid upstream shape for either mode', () => {
    const r = iowaitReport('h', 'idle', 87.74, '2026-11-24T20:08:42.379Z') as any;
    assert.deepEqual(r.Host.nodes['h;<host>'].metrics.idle, {
      samples: [{ date: '2026-11-24T20:08:42.379Z', value: 87.74 }],
      min: 0,
      max: 100,
    });
  });
});

describe('container-table', () => {
  test('table rows live in latest under <prefix><rowID>___<columnID>', () => {
    const r = containerTableReport(DEMO_CONTAINERS, 'T') as any;
    const tmpl = r.Container.table_templates[TABLE_PREFIX];
    assert.equal(tmpl.type, 'multicolumn-table');
    assert.equal(tmpl.prefix, TABLE_PREFIX);
    const columns = tmpl.columns.map((c: { id: string }) => c.id);
    assert.deepEqual(columns, ['port', 'protocol', 'process']);
    const db = r.Container.nodes[`${DEMO_CONTAINERS[1]!.id};<container>`];
    assert.equal(db.topology, 'container');
    assert.deepEqual(db.latest, {
      [COUNT_KEY]: { timestamp: 'T', value: '1' },
      [`${TABLE_PREFIX}tcp-5432___port`]: { timestamp: 'T', value: '5432' },
      [`${TABLE_PREFIX}tcp-5432___protocol`]: { timestamp: 'T', value: 'tcp' },
      [`${TABLE_PREFIX}tcp-5432___process`]: { timestamp: 'T', value: 'postgres' },
    });
    // Every table key of every node names a declared column; rows are unique per container.
    for (const node of Object.values<any>(r.Container.nodes)) {
      const keys = Object.keys(node.latest).filter((k) => k.startsWith(TABLE_PREFIX));
      for (const k of keys) assert.ok(columns.includes(k.split('___')[1]), k);
      assert.equal(keys.length, Number(node.latest[COUNT_KEY].value) * columns.length);
    }
  });

  test('serves the demo containers, or a file re-read on every poll', async () => {
    const tmp = await tempDir('ex-');
    const file = join(tmp.path, 'containers.json');
    await writeFile(file, JSON.stringify([{ id: 'abcdef012345', name: 'one', ports: [{ port: 8080, protocol: 'tcp', process: 'node' }] }]));
    const demo = await startContainerTablePlugin({ root: tmp.path });
    const fromFile = await startContainerTablePlugin({ socketPath: join(tmp.path, 'f.sock'), containersFile: file });
    try {
      const r = (await getReport(demo.socketPath)).json();
      assert.equal(Object.keys(r.Container.nodes).length, DEMO_CONTAINERS.length);
      assert.equal(r.Plugins[0].id, 'container-table');
      const one = (await getReport(fromFile.socketPath)).json().Container.nodes['abcdef012345;<container>'];
      assert.equal(one.latest[`${TABLE_PREFIX}tcp-8080___process`].value, 'node');
      await writeFile(file, '{"not":"a list"}');
      const bad = await getReport(fromFile.socketPath);
      assert.equal(bad.status, 500);
      assert.match(bad.json().error, /expected a JSON array/);
    } finally {
      await Promise.all([demo.close(), fromFile.close()]);
      await tmp.cleanup();
    }
  });
});

describe('handshake-era', () => {
  test('answers the seed handshake; its report has no Plugins and seed-style dates', async () => {
    const tmp = await tempDir('ex-');
    const p = await startHandshakeEraPlugin({ root: tmp.path, hostname: 'seedhost' });
    try {
      const hs = await unixRequest(p.socketPath, '/?api_version=1&probe_id=x');
      assert.deepEqual(hs.json(), {
        api_version: '1',
        description: 'A 2016-style plugin: handshake on GET /, no spec in reports',
        interfaces: ['reporter'],
        name: 'handshake-era',
      });
      const report = (await getReport(p.socketPath)).json();
      assert.equal(report.Plugins, undefined);
      const sample = report.Host.nodes['seedhost;<host>'].metrics.seed_load1.samples[0];
      assert.match(sample.date, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      assert.ok(sample.value >= 0);
    } finally {
      await p.close();
      await tmp.cleanup();
    }
    assert.deepEqual(Object.keys((handshakeEraReport('h', 0.5) as any).Host.nodes), ['h;<host>']);
  });
});

describe('runnable examples', () => {
  for (const name of ['iowait', 'container-table', 'handshake-era']) {
    test(`${name}: --root, serves, SIGTERM closes, removes its socket dir and exits 0`, async () => {
      const tmp = await tempDir('ex-');
      const child = spawn(process.execPath, ['--import', 'tsx', `src/examples/${name}.ts`, '--root', tmp.path], {
        cwd: repoRoot,
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      try {
        let out = '';
        child.stdout.on('data', (d: Buffer) => (out += d.toString()));
        const socketPath = join(tmp.path, name, `${name}.sock`);
        await waitFor(`${name} listening`, () => out.includes(`listening on ${socketPath}`), 20_000);
        assert.equal((await getReport(socketPath)).status, 200);
        const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        assert.equal(await exited, 0);
        assert.equal(existsSync(join(tmp.path, name)), false);
      } finally {
        child.kill('SIGKILL');
        await tmp.cleanup();
      }
    });
  }
});
