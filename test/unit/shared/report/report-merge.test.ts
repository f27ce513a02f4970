/**
 * Table tests for every rule of docs/spec/report-format.md#merge-rules, HEAD and 2016 inputs. Each
 * case merges in both orders and checks the results encode identically (upstream differs on every
 * tie).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  ACTIVE_CONTROLS,
  ZERO_TIME,
  decodeReport,
  emptyReport,
  encodeReport,
  mergeReports,
  stampReport,
  type Report,
} from '../../../../src/shared/report/index.js';

const DATA = new URL('../../../fixtures/upstream/', import.meta.url);
const readData = (name: string): string => readFileSync(new URL(name, DATA), 'utf8');

const r = (o: object): Report => decodeReport(JSON.stringify(o));

/** Merges in every order of the inputs, asserts one encoding, returns the merge. */
function merge(...reports: Report[]): Report {
  const before = reports.map(encodeReport);
  const results = orders(reports).map((rs) => mergeReports(...rs));
  const bytes = encodeReport(results[0]!);
  for (const m of results) assert.equal(encodeReport(m), bytes, 'merge order changed the result');
  assert.deepEqual(reports.map(encodeReport), before, 'inputs were mutated');
  return results[0]!;
}

function orders<T>(xs: T[]): T[][] {
  if (xs.length <= 1) return [xs];
  return xs.flatMap((x, i) => orders([...xs.slice(0, i), ...xs.slice(i + 1)]).map((rest) => [x, ...rest]));
}

const latest = (value: string, timestamp = '2020-01-01T00:00:00Z') => ({ timestamp, value });
const hostNode = (node: object, key = 'h;<host>') => ({ Host: { nodes: { [key]: node } } });
const node = (m: Report, key = 'h;<host>', topo: 'Host' | 'Container' = 'Host') => m[topo].nodes.get(key)!;

describe('merge: report fields', () => {
  it('TS: the earliest non-zero', () => {
    const a = r({ TS: '2021-04-23T10:00:01Z' });
    const b = r({ TS: '2021-04-23T11:00:00.5+01:00' });
    const zero = r({ TS: '0001-01-01T00:00:00Z', ID: 'z' });
    assert.equal(merge(a, b, zero).TS, '2021-04-23T10:00:00.5Z');
    assert.equal(merge(zero, r({ ID: 'y' })).TS, ZERO_TIME);
  });

  it('DNS: per address, union of forward and of reverse', () => {
    const a = r({ DNS: { '10.0.0.1': { forward: ['b', 'a'] }, '10.0.0.2': { reverse: ['x'] } } });
    const b = r({ DNS: { '10.0.0.1': { forward: ['c', 'a'], reverse: ['r'] } } });
    const m = merge(a, b);
    assert.deepEqual(m.DNS.get('10.0.0.1'), { forward: ['a', 'b', 'c'], reverse: ['r'] });
    assert.deepEqual(m.DNS.get('10.0.0.2'), { forward: [], reverse: ['x'] });
  });

  it('Window and Sampling: summed over distinct reports, never double-counted', () => {
    const a = r({ ID: 'a', Window: 3_000_000_000, Sampling: { Count: 1, Total: 2 } });
    const b = r({ ID: 'b', Window: 2_000_000_000, Sampling: { Count: 3, Total: 4 } });
    const ab = merge(a, b);
    assert.equal(ab.Window, 5_000_000_000n);
    assert.deepEqual(ab.Sampling, { Count: 4, Total: 6 });
    // upstream would give 6 s / 8 s here
    assert.equal(mergeReports(a, a).Window, 3_000_000_000n);
    assert.equal(mergeReports(ab, a).Window, 5_000_000_000n);
    assert.equal(mergeReports(ab, ab, b).Window, 5_000_000_000n);
    // The same bytes decoded twice are the same member.
    const text = JSON.stringify({ Window: 7 });
    assert.equal(mergeReports(decodeReport(text), decodeReport(text)).Window, 7n);
  });

  it('ID: a single member keeps its ID; a merge gets one derived from the member IDs', () => {
    const a = r({ ID: 'a' });
    const b = r({ ID: 'b' });
    assert.equal(mergeReports(a, emptyReport()).ID, 'a');
    const ab = merge(a, b);
    assert.match(ab.ID, /^\d+$/);
    assert.equal(mergeReports(mergeReports(a, b), a).ID, ab.ID);
    assert.notEqual(mergeReports(a, r({ ID: 'c' })).ID, ab.ID);
    assert.equal(emptyReport().ID, '');
  });

  it('Shortcut: true only when every merged report is a shortcut', () => {
    const s1 = r({ ID: '1', Shortcut: true });
    const s2 = r({ ID: '2', Shortcut: true });
    assert.equal(merge(s1, s2).Shortcut, true);
    assert.equal(merge(s1, r({ ID: '3' })).Shortcut, false);
  });

  it('emptyReport() is the identity', () => {
    const up = decodeReport(readData('upstream-probe-report-head.json'));
    assert.equal(encodeReport(mergeReports(up, emptyReport())), encodeReport(up));
    assert.equal(encodeReport(mergeReports()), encodeReport(emptyReport()));
    assert.equal(mergeReports(up), up);
  });
});

describe('merge: Plugins (uc-26 to uc-28)', () => {
  const spec = (id: string, extra: object = {}) => ({ id, label: id, interfaces: ['reporter'], ...extra });
  const plugins = (...ids: string[]) => r({ Plugins: ids.map((id) => spec(id)) });
  const ids = (m: Report) => m.Plugins.map((p) => p.id);

  it('is a union keyed by id, sorted ascending', () => {
    assert.deepEqual(ids(merge(plugins(), plugins())), []);
    assert.deepEqual(ids(merge(plugins('a'), plugins())), ['a']);
    assert.deepEqual(ids(merge(plugins('a'), plugins('b'))), ['a', 'b']);
    assert.deepEqual(ids(merge(plugins('a'), plugins('a'))), ['a']);
    assert.deepEqual(ids(merge(plugins('a', 'c'), plugins('a', 'b'))), ['a', 'b', 'c']);
    assert.deepEqual(ids(merge(plugins('a', 'c'), plugins('b', 'b', 'b'))), ['a', 'b', 'c']);
  });

  it('picks one spec per id by value when two hosts disagree (uc-41)', () => {
    const ok = r({ ID: 'h1', Plugins: [spec('io', { status: 'ok' })] });
    const failing = r({ ID: 'h2', Plugins: [spec('io', { status: 'error: context deadline exceeded' }), spec('z')] });
    const m = merge(ok, failing);
    assert.deepEqual(ids(m), ['io', 'z']);
    assert.equal(m.Plugins[0]!.status, 'ok'); // the larger encoding: "ok" > "error: ..."
  });
});

describe('merge: topology', () => {
  it('shape/tag/label: defaults of pre-labelled topologies stay; others take the larger non-empty value', () => {
    const a = r({ Host: { shape: 'square', tag: 'server' }, Endpoint: { shape: 'cloud', label: 'ep', label_plural: 'eps' } });
    const b = r({ Endpoint: { shape: 'square', label: 'endpoint' }, Namespace: { shape: 'octagon' } });
    const m = merge(a, b, emptyReport());
    assert.deepEqual([m.Host.shape, m.Host.tag, m.Host.label], ['circle', 'server', 'host']);
    assert.equal(m.Endpoint.shape, 'square');
    // label and label_plural travel as a pair
    assert.deepEqual([m.Endpoint.label, m.Endpoint.label_plural], ['ep', 'eps']);
    assert.equal(m.Namespace.shape, 'octagon');
  });

  it('nodes: keys from both sides; a shared key merges the nodes', () => {
    const m = merge(r(hostNode({ latest: { a: latest('1') } }, 'x;<host>')), r(hostNode({ latest: { b: latest('2') } }, 'y;<host>')));
    assert.deepEqual([...m.Host.nodes.keys()].sort(), ['x;<host>', 'y;<host>']);
  });

  it('controls: whole-object, the same winner in every order (upstream: by map size/argument)', () => {
    const c1 = r({ Pod: { controls: { stop: { id: 'stop', human: 'Stop', icon: 'fa-stop', rank: 1 } } } });
    const c2 = r({
      Pod: { controls: { stop: { id: 'stop', human: 'Halt', icon: 'fa-stop', rank: 2 }, start: { id: 'start', human: 'Start', icon: 'fa-play' } } },
    });
    const m = merge(c1, c2);
    assert.deepEqual([...m.Pod.controls.keys()].sort(), ['start', 'stop']);
    assert.equal(m.Pod.controls.get('stop')!.human, 'Stop'); // '"Stop"' > '"Halt"' in the encoding order
  });

  it('metadata/metric templates: strictly higher priority wins, equal priority decided by value', () => {
    const a = r({
      Host: {
        metadata_templates: { os: { id: 'os', label: 'OS', priority: 12, from: 'latest' } },
        metric_templates: { cpu: { id: 'cpu', label: 'CPU', priority: 1 }, mem: { id: 'mem', label: 'Memory', priority: 2 } },
      },
    });
    const b = r({
      Host: {
        metadata_templates: { os: { id: 'os', label: 'Operating system', priority: 13 } },
        metric_templates: { cpu: { id: 'cpu', label: 'Processor', priority: 1 } },
      },
    });
    const m = merge(a, b);
    assert.equal(m.Host.metadata_templates.get('os')!.label, 'Operating system');
    assert.equal(m.Host.metric_templates.get('cpu')!.label, 'Processor');
    assert.equal(m.Host.metric_templates.get('mem')!.label, 'Memory');
  });

  it('table templates: string fields by max, columns and fixedRows the longer one', () => {
    const a = r({
      Container: {
        table_templates: {
          tc: {
            id: 'tc',
            label: 'Traffic Control',
            prefix: 'tc-',
            type: 'property-list',
            columns: [{ id: 'a', label: 'A', dataType: '' }],
            fixedRows: { x: 'X', y: 'Y' },
          },
        },
      },
    });
    const b = r({
      Container: {
        table_templates: {
          tc: { id: 'tc', label: 'Traffic', prefix: 'tc-', type: 'multicolumn-table', columns: [{ id: 'a' }, { id: 'b' }], fixedRows: { z: 'Z' } },
        },
      },
    });
    const t = merge(a, b).Container.table_templates.get('tc')!;
    assert.equal(t.label, 'Traffic Control');
    assert.equal(t.type, 'property-list');
    assert.deepEqual(
      t.columns!.map((c) => c.id),
      ['a', 'b'],
    );
    assert.deepEqual([...t.fixedRows!.keys()], ['x', 'y']);
  });
});

describe('merge: node and latest', () => {
  it('sets, parents, adjacency: unions', () => {
    const a = r(hostNode({ sets: { ips: ['b', 'a'] }, parents: { container: ['c1'] }, adjacency: ['z;<host>'] }));
    const b = r(hostNode({ sets: { ips: ['c', 'a'], names: ['n'] }, parents: { container: ['c0'], pod: ['p'] }, adjacency: ['y;<host>'] }));
    const n = node(merge(a, b));
    assert.deepEqual(Object.fromEntries(n.sets), { ips: ['a', 'b', 'c'], names: ['n'] });
    assert.deepEqual(Object.fromEntries(n.parents), { container: ['c0', 'c1'], pod: ['p'] });
    assert.deepEqual(n.adjacency, ['y;<host>', 'z;<host>']);
  });

  it('latest: newest wins, compared as instants whatever the offset', () => {
    const a = r(hostNode({ latest: { k: latest('old', '2020-01-01T00:00:00.5Z'), only_a: latest('a') } }));
    const b = r(hostNode({ latest: { k: latest('new', '2020-01-01T01:00:00.500000001+01:00') } }));
    const n = node(merge(a, b));
    assert.deepEqual(n.latest.get('k'), { timestamp: '2020-01-01T00:00:00.500000001Z', value: 'new' });
    assert.equal(n.latest.get('only_a')!.value, 'a');
  });

  it('latest: equal timestamps with different values → the larger value, in every order and whatever the map sizes', () => {
    const a = r(hostNode({ latest: { k: latest('A') } }));
    const b = r(hostNode({ latest: { k: latest('B'), extra: latest('e') } }));
    const c = r(hostNode({ latest: { k: latest('AA') } }));
    assert.equal(node(merge(a, b, c)).latest.get('k')!.value, 'B');
    assert.equal(node(merge(a, c)).latest.get('k')!.value, 'AA');
  });

  it('counters at HEAD are latest entries: newest wins, not summed; self-merge keeps the value', () => {
    const three = r(hostNode({ latest: { count_x: latest('3', '2020-01-01T00:00:01Z') } }));
    const four = r(hostNode({ latest: { count_x: latest('4', '2020-01-01T00:00:02Z') } }));
    assert.equal(node(merge(three, four)).latest.get('count_x')!.value, '4');
    assert.equal(node(mergeReports(three, three)).latest.get('count_x')!.value, '3');
  });

  it('host active_controls: union of members with the newest timestamp, even on a timestamp tie', () => {
    const a = r(hostNode({ latest: { active_controls: latest('host_exec', '2020-01-01T00:00:01Z') } }));
    const b = r(hostNode({ latest: { active_controls: latest('iowait~switchToIdle;a~x', '2020-01-01T00:00:02Z') } }));
    const tie = r(hostNode({ latest: { active_controls: latest('zz', '2020-01-01T00:00:02Z') } }));
    assert.deepEqual(node(merge(a, b)).latest.get(ACTIVE_CONTROLS), { timestamp: '2020-01-01T00:00:02Z', value: 'a~x;host_exec;iowait~switchToIdle' });
    // upstream loses the union to `tie` in one order
    assert.equal(node(merge(a, b, tie)).latest.get(ACTIVE_CONTROLS)!.value, 'a~x;host_exec;iowait~switchToIdle;zz');
  });

  it('active_controls outside Host: the newer entry replaces the other wholesale', () => {
    const key = 'c;<container>';
    const docker = r({ Container: { nodes: { [key]: { latest: { active_controls: latest('docker_stop', '2020-01-01T00:00:01Z') } } } } });
    const plugin = r({ Container: { nodes: { [key]: { latest: { active_controls: latest('tc~slow', '2020-01-01T00:00:02Z') } } } } });
    assert.equal(node(merge(docker, plugin), key, 'Container').latest.get(ACTIVE_CONTROLS)!.value, 'tc~slow');
  });

  it('children: per id the whole node, chosen by value', () => {
    const a = r(hostNode({ children: [{ id: 'c1', topology: 'container', latest: { v: latest('1') } }] }));
    const b = r(hostNode({ children: [{ id: 'c1', topology: 'container', latest: { v: latest('2') } }, { id: 'c2' }] }));
    const children = node(merge(a, b)).children;
    assert.deepEqual([...children.keys()].sort(), ['c1', 'c2']);
    assert.equal(children.get('c1')!.latest.get('v')!.value, '2');
  });
});

describe('merge: metrics', () => {
  const metric = (samples: [string, number][], extra: object = {}) => ({
    samples: samples.map(([s, value]) => ({ date: `2020-01-01T00:00:0${s}Z`, value })),
    ...extra,
  });
  const withMetric = (m: object, id: string) => r({ ID: id, ...hostNode({ metrics: { cpu: m } }) });
  const cpu = (m: Report) => node(m).metrics.get('cpu')!;

  it('concatenates series one after the other, and merges interleaved series by time', () => {
    const m1 = cpu(
      merge(
        withMetric(
          metric([
            ['1', 1],
            ['2', 2],
          ]),
          'a',
        ),
        withMetric(metric([['3', 3]]), 'b'),
      ),
    );
    assert.deepEqual(
      m1.samples.map((s) => s.value),
      [1, 2, 3],
    );
    const m2 = cpu(
      merge(
        withMetric(
          metric([
            ['1', 1],
            ['3', 3],
          ]),
          'a',
        ),
        withMetric(
          metric([
            ['2', 2],
            ['4', 4],
          ]),
          'b',
        ),
      ),
    );
    assert.deepEqual(
      m2.samples.map((s) => s.value),
      [1, 2, 3, 4],
    );
    assert.deepEqual([m2.min, m2.max], [1, 4]);
  });

  it('same instant, different values → the larger value in every order (upstream: the receiver’s)', () => {
    const m = cpu(merge(withMetric(metric([['2', 2]]), 'a'), withMetric(metric([['2', 20]]), 'b')));
    assert.deepEqual(
      m.samples.map((s) => s.value),
      [20],
    );
  });

  it('min/max: min of mins and max of maxes as sent; computed when omitted, never 0 by default', () => {
    const given = withMetric(metric([['1', 50]], { min: 0, max: 100 }), 'a');
    const omitted = withMetric(metric([['2', 60]]), 'b');
    assert.deepEqual([cpu(merge(given, omitted)).min, cpu(merge(given, omitted)).max], [0, 100]);
    const o2 = withMetric(metric([['3', 70]]), 'c');
    assert.deepEqual([cpu(merge(omitted, o2)).min, cpu(merge(omitted, o2)).max], [60, 70]);
  });

  it('a metric without samples does not clamp one with samples; a key on one side is copied as is', () => {
    const empty = withMetric({ min: -5, max: 500 }, 'a');
    const full = withMetric(metric([['1', 3]]), 'b');
    assert.deepEqual(cpu(merge(empty, full)), { samples: [{ date: '2020-01-01T00:00:01Z', value: 3 }], min: 3, max: 3 });
    const other = r({ ID: 'c', ...hostNode({ metrics: { mem: metric([['1', 9]]) } }) });
    const m = merge(full, other);
    assert.deepEqual(cpu(m), cpu(full));
    // SEED merged a one-sided key into a zero Metric (min ≤ 0); we keep it as sent.
    assert.deepEqual(node(m).metrics.get('mem'), { samples: [{ date: '2020-01-01T00:00:01Z', value: 9 }], min: 9, max: 9 });
  });
});

describe('merge: HEAD and 2016 inputs together', () => {
  it('merges the upstream probe report, the HEAD iowait plugin and the SEED iowait plugin', () => {
    const up = decodeReport(readData('upstream-probe-report-head.json'));
    const head = decodeReport(readData('iowait-plugin-report-head.json'));
    const seed = decodeReport(readData('iowait-plugin-report-seed.json'));
    const m = merge(up, head, seed);
    const vm = node(m, 'vm;<host>');
    // Host union of the probe's (rewritten) and the plugin's (raw) active controls
    assert.equal(vm.latest.get(ACTIVE_CONTROLS)!.value, 'iowait~switchToIdle;switchToIOWait');
    assert.deepEqual([...vm.metrics.keys()].sort(), ['host_cpu_usage_percent', 'host_mem_usage_bytes', 'idle', 'iowait', 'load1']);
    assert.ok(m.Host.nodes.has('seedhost;<host>'));
    assert.equal(m.Host.controls.size, 5);
    assert.equal(m.TS, '2026-11-24T19:28:06.971298646Z');
    assert.equal(m.Window, 3000219570n);
    // Two specs for one id: the larger encoding wins (the plugin's own, without status: '}' > ',').
    assert.deepEqual(
      m.Plugins.map((p) => [p.id, p.status]),
      [['iowait', undefined]],
    );
  });

  it('stampReport sets TS, Window and Shortcut on a copy, and a stamped report still counts once', () => {
    const a = r({ ID: 'a', Window: 5 });
    const s = stampReport(a, { ts: '2020-01-01T00:00:00Z' as never, windowNs: 3_000_000_000n, shortcut: true });
    assert.deepEqual([s.TS, s.Window, s.Shortcut], ['2020-01-01T00:00:00Z', 3_000_000_000n, true]);
    assert.deepEqual([a.TS, a.Window, a.Shortcut], [ZERO_TIME, 5n, false]);
    assert.equal(mergeReports(s, s).Window, 3_000_000_000n);
  });
});
