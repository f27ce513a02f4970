/** encodeReport: the wire format of docs/spec/report-format.md, stable bytes, round trips of upstream data. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  TOPOLOGIES,
  decodeReport,
  emptyReport,
  encodeReport,
  mergeReports,
  stampReport,
  timestampFromEpochNs,
  type Report,
} from '../../../../src/shared/report/index.js';

const DATA = new URL('../../../fixtures/upstream/', import.meta.url);
const readData = (name: string): string => readFileSync(new URL(name, DATA), 'utf8');
const FILES = ['upstream-probe-report-head.json', 'iowait-plugin-report-head.json', 'iowait-plugin-report-seed.json'];

/** JSON with every object's keys sorted, for comparisons that ignore key order. */
function sortedJson(text: string): string {
  const sort = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(sort)
      : v !== null && typeof v === 'object'
        ? Object.fromEntries(
            Object.keys(v)
              .sort()
              .map((k) => [k, sort((v as Record<string, unknown>)[k])]),
          )
        : v;
  return JSON.stringify(sort(JSON.parse(text)));
}

describe('encodeReport: wire format', () => {
  it('emptyReport() encodes like upstream MakeReport(): 23 topologies in struct order with their defaults', () => {
    const text = encodeReport(emptyReport());
    const keys = Object.keys(JSON.parse(text));
    assert.deepEqual(keys, ['TS', ...TOPOLOGIES.map((t) => t.key), 'Sampling', 'Window', 'Shortcut', 'Plugins', 'ID']);
    assert.ok(text.startsWith('{"TS":"0001-01-01T00:00:00Z","Endpoint":{},"Process":{"shape":"square","label":"process","label_plural":"processes"},'));
    assert.ok(
      text.includes(
        '"Namespace":{},"ContainerImage":{"shape":"hexagon","label":"image","label_plural":"images"},"Host":{"shape":"circle","label":"host","label_plural":"hosts"},',
      ),
    );
    assert.ok(text.includes('"VolumeSnapshot":{"shape":"dottedcylinder","tag":"camera","label":"volume snapshot","label_plural":"volume snapshots"}'));
    assert.ok(
      text.endsWith(
        '"Job":{"shape":"dottedtriangle","label":"job","label_plural":"jobs"},"Sampling":{"Count":0,"Total":0},"Window":0,"Shortcut":false,"Plugins":[],"ID":""}',
      ),
    );
  });

  it('writes the default topologies exactly as the upstream probe did', () => {
    const upstream = JSON.parse(readData('upstream-probe-report-head.json')) as Record<string, unknown>;
    const ours = JSON.parse(encodeReport(emptyReport())) as Record<string, unknown>;
    for (const t of TOPOLOGIES) if (t.key !== 'Host') assert.deepEqual(ours[t.key], upstream[t.key], t.key);
  });

  it('writes a node in HEAD field order with null sets/parents/children, escaping < > & like Go', () => {
    const r = decodeReport('{"Host":{"nodes":{"x;<host>":{"children":[{"id":"c&d"}]}}}}');
    const text = encodeReport(r);
    assert.ok(
      text.includes(
        '"nodes":{"x;\\u003chost\\u003e":{"id":"x;\\u003chost\\u003e","topology":"host","sets":null,"parents":null,"children":[{"id":"c\\u0026d","sets":null,"parents":null,"children":null}]}}',
      ),
      text,
    );
  });

  it('leaves no reference to the report text in the last-match state, where an idle builder thread would keep it', () => {
    const r = decodeReport('{"Host":{"nodes":{"x;<host>":{"latest":{"k":{"value":"' + 'v'.repeat(4096) + '"}}}}}}');
    const text = encodeReport(r);
    assert.ok(text.includes('\\u003chost\\u003e'));
    // RegExp.input is V8's handle on the last match's subject.
    const lastSubject = (RegExp as unknown as { input: string }).input;
    assert.ok(lastSubject.length < 100, `the last match still holds ${lastSubject.length} characters`);
  });

  it('writes full nodes, controls and templates with upstream keys and omitempty rules', () => {
    const r = decodeReport(
      JSON.stringify({
        Container: {
          nodes: {
            'c;<container>': {
              latest: { b: { timestamp: '2021-04-23T10:00:00.5Z', value: '2' }, a: { timestamp: '2021-04-23T10:00:00Z', value: 'x' } },
              sets: { z: ['1'], y: ['2', '1'] },
              adjacency: ['b', 'a'],
              parents: { host: ['h;<host>'] },
              metrics: { m: { samples: [{ date: '2021-04-23T10:00:00.5Z', value: 0.25 }], min: 0, max: 1.5 } },
            },
          },
          controls: { stop: { id: 'stop', human: 'Stop', icon: 'fa-stop', rank: 0 } },
          metadata_templates: { os: { id: 'os', label: 'OS', priority: 12, from: 'latest' }, n: { id: 'n' } },
          metric_templates: { m: { id: 'm', label: 'M', format: 'percent', priority: 0.1 } },
          table_templates: { t: { id: 't', label: 'T', prefix: 'p-' } },
        },
        DNS: { '1.2.3.4': { forward: ['a'] } },
      }),
    );
    const c = JSON.parse(encodeReport(r)).Container;
    assert.equal(
      JSON.stringify(c.nodes['c;<container>']),
      '{"id":"c;<container>","topology":"container","sets":{"y":["1","2"],"z":["1"]},"adjacency":["a","b"],' +
        '"latest":{"a":{"timestamp":"2021-04-23T10:00:00Z","value":"x"},"b":{"timestamp":"2021-04-23T10:00:00.5Z","value":"2"}},' +
        '"metrics":{"m":{"samples":[{"date":"2021-04-23T10:00:00.5Z","value":0.25}],"min":0,"max":1.5}},' +
        '"parents":{"host":["h;<host>"]},"children":null}',
    );
    assert.equal(JSON.stringify(c.controls), '{"stop":{"id":"stop","human":"Stop","icon":"fa-stop","rank":0}}');
    assert.equal(JSON.stringify(c.metadata_templates), '{"n":{"id":"n"},"os":{"id":"os","label":"OS","priority":12,"from":"latest"}}');
    assert.equal(JSON.stringify(c.metric_templates), '{"m":{"id":"m","label":"M","format":"percent","priority":0.1}}');
    assert.equal(JSON.stringify(c.table_templates), '{"t":{"id":"t","label":"T","prefix":"p-","type":"","columns":null,"fixedRows":null}}');
    assert.deepEqual(Object.keys(c), ['shape', 'label', 'label_plural', 'nodes', 'controls', 'metadata_templates', 'metric_templates', 'table_templates']);
    assert.match(encodeReport(r), /"Job":\{[^}]*\},"DNS":\{"1\.2\.3\.4":\{"forward":\["a"\]\}\},"Sampling"/);
  });

  it('writes plugin specs with alphabetical keys, empty optionals omitted, interfaces always present', () => {
    const r = {
      ...emptyReport(),
      Plugins: [
        { id: 'b', label: 'B', interfaces: null },
        { id: 'a', label: 'A', interfaces: ['reporter'], status: 'ok', api_version: '1', description: '' },
      ],
    };
    assert.match(
      encodeReport(r),
      /"Plugins":\[\{"api_version":"1","id":"a","interfaces":\["reporter"\],"label":"A","status":"ok"\},\{"id":"b","interfaces":null,"label":"B"\}\]/,
    );
  });

  it('keeps nanoseconds and large windows exact', () => {
    const ts = timestampFromEpochNs(1_800_000_000_123_456_789n);
    const r = stampReport(emptyReport(), { ts, windowNs: 2n ** 62n + 1n, shortcut: true });
    const text = encodeReport(r);
    assert.match(text, /^\{"TS":"2027-01-15T08:00:00\.123456789Z",/);
    assert.match(text, /"Window":4611686018427387905,"Shortcut":true,/);
  });

  it('escapes U+2028/2029 and never writes NaN or Infinity', () => {
    const r = decodeReport('{"Host":{"nodes":{"h;<host>":{"latest":{"k":{"value":"a\u2028b\u2029c"}}}}}}');
    const text = encodeReport(r);
    assert.ok(text.includes('"a\\u2028b\\u2029c"'));
    assert.doesNotMatch(text, /NaN|Infinity/);
  });
});

describe('encodeReport: round trips of upstream data', () => {
  for (const file of FILES) {
    it(`${file}: decode → encode → decode is a fixpoint`, () => {
      const once = encodeReport(decodeReport(readData(file)));
      assert.equal(encodeReport(decodeReport(once)), once);
      assert.equal(encodeReport(decodeReport(Buffer.from(once))), once);
    });
  }

  it('the upstream probe report re-encodes to the same JSON value (keys order aside)', () => {
    const text = readData('upstream-probe-report-head.json');
    assert.equal(sortedJson(encodeReport(decodeReport(text))), sortedJson(text));
  });

  it('re-encodes the iowait plugin report with id/topology filled in and latestControls converted', () => {
    const text = encodeReport(decodeReport(readData('iowait-plugin-report-head.json')));
    assert.ok(
      text.includes(
        '"nodes":{"vm;\\u003chost\\u003e":{"id":"vm;\\u003chost\\u003e","topology":"host","sets":null,' +
          '"latest":{"active_controls":{"timestamp":"2026-11-24T20:08:42.379621842Z","value":"switchToIOWait"}},',
      ),
    );
    assert.doesNotMatch(text, /latestControls/);
  });

  it('encodes equal merges to identical bytes whatever the input order', () => {
    const reports: Report[] = FILES.map((f) => decodeReport(readData(f)));
    const a = encodeReport(mergeReports(...reports));
    const b = encodeReport(mergeReports(...[...reports].reverse()));
    const c = encodeReport(mergeReports(reports[1]!, mergeReports(reports[2]!, reports[0]!)));
    assert.equal(a, b);
    assert.equal(a, c);
  });
});
