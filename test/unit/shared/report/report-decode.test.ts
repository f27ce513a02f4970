import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import {
  ACTIVE_CONTROLS,
  ReportError,
  TOPOLOGIES,
  ZERO_TIME,
  compareTimestamps,
  decodeReport,
  nowTimestamp,
  type Report,
} from '../../../../src/shared/report/index.js';

const DATA = new URL('../../../fixtures/upstream/', import.meta.url);
const readData = (name: string): string => readFileSync(new URL(name, DATA), 'utf8');

/** Asserts `fn` throws a ReportError with this code, path and (optionally) message. */
function rejects(fn: () => unknown, code: string, path: string, message?: string | RegExp): ReportError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof ReportError, `expected a ReportError, got ${String(caught)}`);
  assert.equal(caught.code, code);
  assert.equal(caught.path, path);
  if (typeof message === 'string') assert.equal(caught.message, message);
  else if (message) assert.match(caught.message, message);
  return caught;
}

const host = (r: Report, key: string) => r.Host.nodes.get(key)!;

describe('decodeReport: HEAD form', () => {
  it('decodes the iowait plugin report (HEAD) with ids from the map keys and legacy latestControls', () => {
    const r = decodeReport(readData('iowait-plugin-report-head.json'));
    const node = host(r, 'vm;<host>');
    assert.equal(node.id, 'vm;<host>'); // a node without id gets its map key
    assert.equal(node.topology, 'host'); // and topology from the enclosing topology
    // uc-40: one dead, one live control → only the live one, with its timestamp
    assert.deepEqual(node.latest.get(ACTIVE_CONTROLS), { timestamp: '2026-11-24T20:08:42.379621842Z', value: 'switchToIOWait' });
    assert.deepEqual(node.metrics.get('idle'), {
      samples: [{ date: '2026-11-24T20:08:42.379613323Z', value: 87.74 }],
      min: 0,
      max: 100,
    });
    assert.deepEqual([...r.Host.controls.keys()], ['switchToIOWait', 'switchToIdle']);
    assert.deepEqual(r.Host.controls.get('switchToIdle'), {
      id: 'switchToIdle',
      human: 'Switch to idle',
      icon: 'fa-beer',
      confirmation: '',
      rank: 1,
      probeId: '',
    });
    assert.deepEqual(r.Host.metric_templates.get('idle'), { id: 'idle', label: 'Idle', format: 'percent', group: '', priority: 0.1 });
    assert.deepEqual(r.Plugins, [
      {
        id: 'iowait',
        label: 'iowait',
        description: 'Adds a graph of CPU IO Wait to hosts',
        interfaces: ['reporter', 'controller'],
        api_version: '1',
      },
    ]);
    assert.equal(r.TS, ZERO_TIME);
    assert.equal(r.Window, 0n);
    assert.equal(r.Shortcut, false);
    // Pre-labelled topologies keep their defaults; the other 22 are untouched defaults.
    assert.equal(r.Host.shape, 'circle');
    assert.equal(r.Pod.label_plural, 'pods');
    assert.equal(r.Endpoint.shape, '');
  });

  it('decodes the upstream probe report with its ID, Window and nanosecond timestamps', () => {
    const r = decodeReport(readData('upstream-probe-report-head.json'));
    assert.equal(r.ID, '7650247661981366142');
    assert.equal(r.Window, 3000219570n);
    assert.equal(r.TS, '2026-11-24T19:28:06.971298646Z');
    const node = host(r, 'vm;<host>');
    assert.deepEqual(node.sets.get('local_networks'), ['127.0.0.1/8', '192.0.2.2/24']);
    assert.deepEqual(node.parents.get('host'), ['vm;<host>']);
    assert.equal(node.latest.get(ACTIVE_CONTROLS)!.value, 'iowait~switchToIdle');
    assert.equal(node.metrics.get('load1')!.samples[1]!.date, '2026-11-24T19:28:07.97135392Z');
    assert.equal(r.Host.controls.size, 3);
    assert.equal(r.Host.metadata_templates.get('uptime')!.dataType, 'duration');
    assert.equal(r.Plugins[0]!.status, 'ok');
  });

  it('gives a report without ID a deterministic ID derived from its text, same for string and bytes', () => {
    const text = readData('iowait-plugin-report-head.json');
    const a = decodeReport(text);
    const b = decodeReport(new TextEncoder().encode(text));
    assert.match(a.ID, /^\d+$/);
    assert.ok(BigInt(a.ID) < 2n ** 63n);
    assert.equal(a.ID, b.ID);
    assert.notEqual(decodeReport(text.replace('87.74', '87.75')).ID, a.ID);
  });

  it('normalises string sets: sorted in Go byte order, duplicates removed', () => {
    const r = decodeReport(
      JSON.stringify({
        Host: {
          nodes: {
            'h;<host>': {
              sets: { ips: ['b', 'a', 'b', 'c', 'a'], astral: ['\u{1F600}', '\uFF61'] },
              adjacency: ['z;<host>', 'y;<host>', 'z;<host>'],
              parents: { container: ['c2', 'c1', 'c2'] },
            },
          },
        },
        DNS: { '10.0.0.1': { forward: ['web', 'api', 'web'], reverse: null } },
      }),
    );
    const node = host(r, 'h;<host>');
    assert.deepEqual(node.sets.get('ips'), ['a', 'b', 'c']);
    // UTF-8 byte order (Go), not UTF-16 code unit order: U+FF61 (EF BD A1) < U+1F600 (F0 9F 98 80).
    assert.deepEqual(node.sets.get('astral'), ['\uFF61', '\u{1F600}']);
    assert.deepEqual(node.adjacency, ['y;<host>', 'z;<host>']);
    assert.deepEqual(node.parents.get('container'), ['c1', 'c2']);
    assert.deepEqual(r.DNS.get('10.0.0.1'), { forward: ['api', 'web'], reverse: [] });
  });

  it('reads latest entries like upstream: last duplicate key wins, numbers as strings, missing timestamp = zero time', () => {
    const r = decodeReport(
      '{"Host":{"nodes":{"h;<host>":{"latest":{' +
        '"dup":{"timestamp":"2020-01-01T00:00:02Z","value":"first"},' +
        '"n":{"timestamp":"2020-01-01T00:00:00Z","value":42},' +
        '"missing":{"value":"x"},' +
        '"dup":{"timestamp":"2020-01-01T00:00:01Z","value":"second"},' +
        '"off":{"timestamp":"2020-01-01T01:00:00.250+01:00","value":"y"},' +
        '"active_controls":{"timestamp":"2020-01-01T00:00:00Z","value":"b;a;;b"}}}}}}',
    );
    const latest = host(r, 'h;<host>').latest;
    assert.deepEqual(latest.get('dup'), { timestamp: '2020-01-01T00:00:01Z', value: 'second' });
    assert.equal(latest.get('n')!.value, '42');
    assert.equal(latest.get('missing')!.timestamp, ZERO_TIME);
    assert.equal(latest.get('off')!.timestamp, '2020-01-01T00:00:00.25Z');
    assert.equal(latest.get(ACTIVE_CONTROLS)!.value, 'a;b');
  });

  it('computes missing min/max from the samples and sorts samples, one per instant', () => {
    const r = decodeReport(
      JSON.stringify({
        Host: {
          nodes: {
            'h;<host>': {
              metrics: {
                cpu: {
                  samples: [
                    { date: '2020-01-01T00:00:03Z', value: 5 },
                    { date: '2020-01-01T00:00:01Z', value: 7 },
                    { date: '2020-01-01T01:00:03+01:00', value: 9 },
                    { date: '2020-01-01T00:00:02Z', value: -0 },
                  ],
                },
                onlyMax: { samples: [{ date: '2020-01-01T00:00:01Z', value: 3 }], max: 100 },
                none: {},
              },
            },
          },
        },
      }),
    );
    const m = host(r, 'h;<host>').metrics;
    assert.deepEqual(m.get('cpu'), {
      samples: [
        { date: '2020-01-01T00:00:01Z', value: 7 },
        { date: '2020-01-01T00:00:02Z', value: 0 },
        // the same instant twice: the larger value stays, whatever the input order
        { date: '2020-01-01T00:00:03Z', value: 9 },
      ],
      min: 0,
      max: 9,
    });
    assert.ok(Object.is(m.get('cpu')!.samples[1]!.value, 0), '-0 became 0');
    assert.deepEqual(m.get('onlyMax'), { samples: [{ date: '2020-01-01T00:00:01Z', value: 3 }], min: 3, max: 100 });
    assert.deepEqual(m.get('none'), { samples: [], min: 0, max: 0 });
  });

  it('pins the defaults of pre-labelled topologies but takes what is empty by default', () => {
    const r = decodeReport(
      JSON.stringify({
        Host: { shape: 'square', tag: 'server', label: 'machine', label_plural: 'machines' },
        Endpoint: { shape: 'cloud', label: 'endpoint' },
        Namespace: { label_plural: 'namespaces' },
      }),
    );
    assert.deepEqual([r.Host.shape, r.Host.tag, r.Host.label, r.Host.label_plural], ['circle', 'server', 'host', 'hosts']);
    assert.deepEqual([r.Endpoint.shape, r.Endpoint.label, r.Endpoint.label_plural], ['cloud', 'endpoint', '']);
    assert.deepEqual([r.Namespace.label, r.Namespace.label_plural], ['', 'namespaces']);
  });

  it('sets topology from the enclosing topology always, and id from the key only when missing', () => {
    const r = decodeReport(
      JSON.stringify({
        Container: {
          nodes: {
            'a;<container>': { topology: 'host' },
            'b;<container>': { id: 'other;<container>' },
            'c;<container>': { id: '' },
          },
        },
      }),
    );
    const nodes = r.Container.nodes;
    assert.equal(nodes.get('a;<container>')!.topology, 'container');
    assert.equal(nodes.get('b;<container>')!.id, 'other;<container>');
    assert.equal(nodes.get('c;<container>')!.id, 'c;<container>');
  });

  it('moves release 1.11.6 top-level `nodes` (BugDNS) into DNS', () => {
    const r = decodeReport(JSON.stringify({ DNS: { '1.1.1.1': { forward: ['a'] } }, nodes: { '1.1.1.1': { forward: ['b'] }, '2.2.2.2': { reverse: ['c'] } } }));
    assert.deepEqual(r.DNS.get('1.1.1.1'), { forward: ['a', 'b'], reverse: [] });
    assert.deepEqual(r.DNS.get('2.2.2.2'), { forward: [], reverse: ['c'] });
  });

  it('collapses Plugins by id (later wins), sorts them, and keeps interfaces [] apart from null', () => {
    const r = decodeReport(
      JSON.stringify({
        Plugins: [
          { id: 'b', label: 'B1', interfaces: ['reporter'] },
          { id: 'a', label: 'A', interfaces: [] },
          { id: 'b', label: 'B2', interfaces: null, status: 'ok', extra: 1 },
          { id: 'c', label: 'C' },
        ],
      }),
    );
    assert.deepEqual(r.Plugins, [
      { id: 'a', label: 'A', interfaces: [] },
      { id: 'b', label: 'B2', interfaces: null, status: 'ok' },
      { id: 'c', label: 'C', interfaces: null },
    ]);
    assert.equal(r.Plugins.length, 3);
    assert.equal(decodeReport('{"Plugins":[{"id":"x","label":"x"},{"id":"x","label":"x"}]}').Plugins.length, 1);
    assert.equal(decodeReport('{}').Plugins.length, 0);
  });

  it('reads Sampling, Window (integer ns), Shortcut, TS and ID', () => {
    const r = decodeReport('{"TS":"2021-04-23T11:00:00.5+01:00","Sampling":{"Count":2,"Total":5},"Window":15000000000,"Shortcut":true,"ID":"42"}');
    assert.equal(r.TS, '2021-04-23T10:00:00.5Z');
    assert.deepEqual(r.Sampling, { Count: 2, Total: 5 });
    assert.equal(r.Window, 15_000_000_000n);
    assert.equal(r.Shortcut, true);
    assert.equal(r.ID, '42');
  });

  it('ignores unknown and wrong-case keys without visiting them, even 100000 nested arrays deep', () => {
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    const r = decodeReport(`{"host":{"nodes":{"x":1}},"Unknown":${deep},"Host":{"nodes":{"h;<host>":{"edges":${deep},"first":1}},"weird":${deep}}}`);
    assert.deepEqual([...r.Host.nodes.keys()], ['h;<host>']);
  });
});

describe('decodeReport: 2016 (SEED) form', () => {
  it('decodes the SEED iowait plugin report: no min/max, no Plugins', () => {
    const r = decodeReport(readData('iowait-plugin-report-seed.json'));
    const node = host(r, 'seedhost;<host>');
    assert.equal(node.id, 'seedhost;<host>');
    assert.deepEqual(node.metrics.get('iowait'), { samples: [{ date: '2026-11-24T20:08:42Z', value: 0.14 }], min: 0.14, max: 0.14 });
    assert.deepEqual(r.Plugins, []);
    assert.equal(r.Host.metric_templates.get('iowait')!.priority, 0.1);
  });

  it('decodes a SEED probe report: counters, node controls, edges, first/last, exponent floats', () => {
    const before = nowTimestamp();
    const r = decodeReport(
      '{"Endpoint":{"nodes":{}},"Process":{"nodes":{}},"Container":{"nodes":{}},"Pod":{"nodes":{}},' +
        '"Service":{"nodes":{}},"ContainerImage":{"nodes":{}},' +
        '"Host":{"nodes":{"myhost;\\u003chost\\u003e":{' +
        '"id":"myhost;\\u003chost\\u003e","topology":"host","counters":{"restarts":2},' +
        '"sets":{"local_networks":["10.0.0.0/8"]},"adjacency":null,"edges":{"x":{"egress_packet_count":1}},' +
        '"controls":{"timestamp":"2016-03-04T17:40:49.1Z","controls":["host_exec"]},' +
        '"latest":{"host_name":{"timestamp":"2016-03-04T17:40:49.1Z","value":"myhost"},' +
        '"count_restarts":{"timestamp":"2016-03-04T17:40:49.1Z","value":"3"}},' +
        '"metrics":{"iowait":{"samples":[{"date":"2016-03-04T17:40:48Z","value":1E-02}],"min":0E+00,"max":0E+00},' +
        '"load1":{"samples":[{"date":"2016-03-04T17:40:48Z","value":5E-01}],"min":0E+00,"max":5E-01,' +
        '"first":"2016-03-04T17:40:48Z","last":"2016-03-04T17:40:48Z"}},' +
        '"parents":{},"children":null}},' +
        '"metric_templates":{"iowait":{"id":"iowait","label":"IO Wait","format":"percent","priority":1E-01}}},' +
        '"Overlay":{"nodes":{}},"Sampling":{"Count":0,"Total":0},"Window":0,"Shortcut":false,' +
        '"Plugins":[{"description":"Adds a graph of CPU IO Wait to hosts","id":"iowait","interfaces":["reporter"],"label":"iowait"}],' +
        '"ID":"123"}',
    );
    const node = host(r, 'myhost;<host>');
    assert.deepEqual(node.latest.get(ACTIVE_CONTROLS), { timestamp: '2016-03-04T17:40:49.1Z', value: 'host_exec' });
    // counters become count_<name>, added to the latest entry, stamped at decode time
    const count = node.latest.get('count_restarts')!;
    assert.equal(count.value, '5');
    assert.ok(compareTimestamps(count.timestamp, before) >= 0);
    assert.deepEqual(node.metrics.get('iowait'), { samples: [{ date: '2016-03-04T17:40:48Z', value: 0.01 }], min: 0, max: 0 });
    assert.deepEqual(node.metrics.get('load1'), { samples: [{ date: '2016-03-04T17:40:48Z', value: 0.5 }], min: 0, max: 0.5 });
    assert.deepEqual(node.adjacency, []);
    assert.equal(node.parents.size, 0);
    assert.equal(r.Host.metric_templates.get('iowait')!.priority, 0.1);
    assert.equal(r.ID, '123');
    assert.deepEqual(r.Plugins[0]!.interfaces, ['reporter']);
    assert.equal(r.Pod.shape, 'heptagon');
  });

  it('converts latestControls: live IDs sorted, newest live timestamp, zero time when all are dead', () => {
    const r = decodeReport(
      JSON.stringify({
        Host: {
          nodes: {
            'a;<host>': {
              latest: { active_controls: { timestamp: '2030-01-01T00:00:00Z', value: 'replaced' } },
              latestControls: {
                z: { timestamp: '2020-01-01T00:00:01Z', value: { dead: false } },
                y: { timestamp: '2020-01-01T00:00:03Z', value: { dead: true } },
                x: { timestamp: '2020-01-01T00:00:02Z', value: { dead: false } },
              },
            },
            'b;<host>': { latestControls: { y: { timestamp: '2020-01-01T00:00:03Z', value: { dead: true } } } },
          },
        },
      }),
    );
    assert.deepEqual(host(r, 'a;<host>').latest.get(ACTIVE_CONTROLS), { timestamp: '2020-01-01T00:00:02Z', value: 'x;z' });
    assert.deepEqual(host(r, 'b;<host>').latest.get(ACTIVE_CONTROLS), { timestamp: ZERO_TIME, value: '' });
  });
});

describe('decodeReport: rejections', () => {
  it('notJSON → REPORT_NOT_JSON, message reads after "decoding error: "', () => {
    const err = rejects(() => decodeReport('notJSON'), 'REPORT_NOT_JSON', '', /^not JSON: /);
    assert.ok(!`decoding error: ${err.message}`.includes('undefined'));
    rejects(() => decodeReport(''), 'REPORT_NOT_JSON', '');
    rejects(() => decodeReport(new Uint8Array([0x7b, 0x7d, 0x20, 0x7b])), 'REPORT_NOT_JSON', '');
  });

  it('rejects invalid UTF-8 instead of replacing it', () => {
    const bytes = new TextEncoder().encode('{"ID":"ab"}');
    bytes[7] = 0xff;
    rejects(() => decodeReport(bytes), 'REPORT_BAD_UTF8', '', 'not valid UTF-8');
  });

  it('names the JSON path of a bad timestamp', () => {
    rejects(
      () => decodeReport('{"Host":{"nodes":{"a;<host>":{"latest":{"x":{"timestamp":"2016-07-20T15:51:05Z01:00","value":"v"}}}}}}'),
      'REPORT_BAD_TIME',
      'Host.nodes["a;<host>"].latest.x.timestamp',
      'Host.nodes["a;<host>"].latest.x.timestamp: not an RFC 3339 time: "2016-07-20T15:51:05Z01:00"',
    );
    rejects(
      () => decodeReport('{"Process":{"nodes":{"h;1":{"metrics":{"cpu":{"samples":[{"date":"2020-01-01T00:00:00Z","value":1},{"date":"yesterday"}]}}}}}}'),
      'REPORT_BAD_TIME',
      'Process.nodes["h;1"].metrics.cpu.samples[1].date',
    );
    rejects(() => decodeReport('{"TS":"2020"}'), 'REPORT_BAD_TIME', 'TS');
  });

  it('rejects wrong types where upstream fails the whole report', () => {
    rejects(() => decodeReport('[]'), 'REPORT_BAD_TYPE', '', 'expected a JSON object, got an array');
    rejects(() => decodeReport('null'), 'REPORT_BAD_TYPE', '');
    rejects(() => decodeReport('{"Plugins":{"id":"x"}}'), 'REPORT_BAD_TYPE', 'Plugins', 'Plugins: expected an array, got an object');
    rejects(() => decodeReport('{"Window":"15s"}'), 'REPORT_BAD_TYPE', 'Window');
    rejects(() => decodeReport('{"Host":[]}'), 'REPORT_BAD_TYPE', 'Host');
    rejects(() => decodeReport('{"Host":{"nodes":{"a;<host>":null}}}'), 'REPORT_BAD_TYPE', 'Host.nodes["a;<host>"]');
    rejects(() => decodeReport('{"Host":{"nodes":{"a;<host>":{"sets":{"s":["a",1]}}}}}'), 'REPORT_BAD_TYPE', 'Host.nodes["a;<host>"].sets.s[1]');
    rejects(() => decodeReport('{"Plugins":[{"id":"x","interfaces":["reporter",7]}]}'), 'REPORT_BAD_TYPE', 'Plugins[0].interfaces[1]');
    rejects(() => decodeReport('{"Host":{"nodes":{"a;<host>":{"latest":{"k":{"value":true}}}}}}'), 'REPORT_BAD_TYPE', 'Host.nodes["a;<host>"].latest.k.value');
    rejects(() => decodeReport('{"Pod":{"controls":{"c":{"rank":"1"}}}}'), 'REPORT_BAD_TYPE', 'Pod.controls.c.rank');
    rejects(() => decodeReport('{"Shortcut":"yes"}'), 'REPORT_BAD_TYPE', 'Shortcut');
    rejects(() => decodeReport('{"ID":7}'), 'REPORT_BAD_TYPE', 'ID');
  });

  it('never lets NaN or Infinity through: non-finite and non-integer numbers are REPORT_BAD_NUMBER', () => {
    rejects(
      () => decodeReport('{"Host":{"nodes":{"a;<host>":{"metrics":{"m":{"samples":[{"date":"2020-01-01T00:00:00Z","value":1e400}]}}}}}}'),
      'REPORT_BAD_NUMBER',
      'Host.nodes["a;<host>"].metrics.m.samples[0].value',
    );
    rejects(
      () => decodeReport('{"Host":{"nodes":{"a;<host>":{"metrics":{"m":{"min":-1e999}}}}}}'),
      'REPORT_BAD_NUMBER',
      'Host.nodes["a;<host>"].metrics.m.min',
    );
    rejects(() => decodeReport('{"Window":1.5}'), 'REPORT_BAD_NUMBER', 'Window');
    rejects(() => decodeReport('{"Window":1e300}'), 'REPORT_BAD_NUMBER', 'Window');
    rejects(() => decodeReport('{"Sampling":{"Count":-1}}'), 'REPORT_BAD_NUMBER', 'Sampling.Count');
    rejects(() => decodeReport('{"Host":{"metric_templates":{"t":{"priority":1e999}}}}'), 'REPORT_BAD_NUMBER', 'Host.metric_templates.t.priority');
    rejects(
      () => decodeReport('{"Host":{"nodes":{"a;<host>":{"latest":{"k":{"value":1e999}}}}}}'),
      'REPORT_BAD_NUMBER',
      'Host.nodes["a;<host>"].latest.k.value',
    );
  });

  it('bounds the depth of nested children', () => {
    let child = '{"id":"leaf"}';
    for (let i = 0; i < 40; i++) child = `{"id":"c${i}","children":[${child}]}`;
    rejects(
      () => decodeReport(`{"Host":{"nodes":{"a;<host>":{"children":[${child}]}}}}`),
      'REPORT_TOO_DEEP',
      'Host.nodes["a;<host>"]' + '.children[0]'.repeat(32) + '.children',
    );
  });

  it('refuses more than maxNodes nodes (all topologies together) with REPORT_TOO_MANY_NODES', () => {
    const text = JSON.stringify({ Host: { nodes: { 'a;<host>': {}, 'b;<host>': {} } }, Container: { nodes: { 'c;<container>': {} } } });
    assert.equal(decodeReport(text, { maxNodes: 3 }).Container.nodes.size, 1);
    rejects(() => decodeReport(text, { maxNodes: 2 }), 'REPORT_TOO_MANY_NODES', '', /more than 2 nodes/);
    assert.equal(decodeReport(text).Host.nodes.size, 2); // no limit by default
  });

  it('decodes children as a set keyed by id', () => {
    const r = decodeReport('{"Host":{"nodes":{"a;<host>":{"children":[{"id":"c1","topology":"container"},{"id":"c1","topology":"pod"},{"id":"c0"}]}}}}');
    const children = host(r, 'a;<host>').children;
    assert.deepEqual([...children.keys()].sort(), ['c0', 'c1']);
    assert.equal(children.get('c1')!.topology, 'pod');
  });
});

describe('decodeReport: fuzz', () => {
  const onlyReportErrors = (input: string | Uint8Array) => {
    try {
      decodeReport(input);
    } catch (err) {
      if (!(err instanceof ReportError)) throw err;
    }
  };

  it('throws nothing but ReportError for any JSON value', () => {
    fc.assert(
      fc.property(fc.json(), (text) => onlyReportErrors(text)),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(fc.jsonValue(), (v) => onlyReportErrors(JSON.stringify(v))),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(fc.anything(), (v) => {
        const text = JSON.stringify(v);
        if (text !== undefined) onlyReportErrors(text);
      }),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.uint8Array(), (bytes) => onlyReportErrors(bytes)),
      { numRuns: 300 },
    );
  });

  it('throws nothing but ReportError for random values placed at every known key', () => {
    // A skeleton with a known key at each level; the fuzz replaces one value at a time.
    const slots: ((v: unknown) => unknown)[] = [
      (v) => ({ TS: v }),
      (v) => ({ Window: v }),
      (v) => ({ Sampling: v }),
      (v) => ({ Sampling: { Count: v } }),
      (v) => ({ Plugins: v }),
      (v) => ({ Plugins: [v] }),
      (v) => ({ Plugins: [{ id: 'x', interfaces: v }] }),
      (v) => ({ DNS: { a: v } }),
      (v) => ({ nodes: v }),
      ...TOPOLOGIES.slice(0, 3).map((t) => (v: unknown) => ({ [t.key]: v })),
      (v) => ({ Host: { nodes: v } }),
      (v) => ({ Host: { nodes: { n: v } } }),
      (v) => ({ Host: { controls: { c: v } } }),
      (v) => ({ Host: { metadata_templates: { c: v } } }),
      (v) => ({ Host: { metric_templates: { c: v } } }),
      (v) => ({ Host: { table_templates: { c: v } } }),
      (v) => ({ Host: { table_templates: { c: { columns: [v], fixedRows: v } } } }),
      ...['id', 'sets', 'adjacency', 'latest', 'metrics', 'parents', 'children', 'controls', 'latestControls', 'counters'].map((k) => (v: unknown) => ({
        Host: { nodes: { n: { [k]: v } } },
      })),
      (v) => ({ Host: { nodes: { n: { latest: { k: v } } } } }),
      (v) => ({ Host: { nodes: { n: { latest: { k: { timestamp: v, value: v } } } } } }),
      (v) => ({ Host: { nodes: { n: { metrics: { m: v } } } } }),
      (v) => ({ Host: { nodes: { n: { metrics: { m: { samples: [v], min: v } } } } } }),
      (v) => ({ Host: { nodes: { n: { metrics: { m: { samples: [{ date: v, value: v }] } } } } } }),
      (v) => ({ Host: { nodes: { n: { latestControls: { c: v } } } } }),
      (v) => ({ Host: { nodes: { n: { latestControls: { c: { value: v } } } } } }),
      (v) => ({ Host: { nodes: { n: { children: [v] } } } }),
    ];
    fc.assert(
      fc.property(fc.nat(slots.length - 1), fc.jsonValue({ maxDepth: 3 }), (i, v) => onlyReportErrors(JSON.stringify(slots[i]!(v)))),
      { numRuns: 2000 },
    );
  });
});
