/**
 * Property tests on generated reports: the merge is commutative, associative and idempotent, and
 * every permutation of the inputs encodes to the same bytes. The generator draws from tiny
 * vocabularies so that keys, instants and IDs collide often, with values that differ: exactly the
 * ties upstream breaks by map size or argument order.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compareStrings, compareTimestamps, decodeReport, emptyReport, encodeReport, mergeReports, type Report } from '../../../../src/shared/report/index.js';

// Four instants, each in several spellings (offsets, trailing zeros): equal instants must tie.
const TIMES = [
  ['2020-01-01T00:00:00Z', '2020-01-01T01:00:00+01:00', '2020-01-01T00:00:00.000Z'],
  ['2020-01-01T00:00:00.5Z', '2019-12-31T23:30:00.500-00:30'],
  ['2020-01-01T00:00:00.500000001Z'],
  ['2020-01-01T00:00:01Z', '2020-01-01T00:00:01.000000000+00:00'],
];
const time = fc.constantFrom(...TIMES.flat());
const key = fc.constantFrom('a', 'b', 'c');
const value = fc.constantFrom('', 'x', 'y', 'xy', '<&>', '\u{1F600}', '\uFF61');
const num = fc.oneof(fc.constantFrom(0, 1, 2, -1, 0.5, 100), fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }));
const strings = fc.array(value, { maxLength: 3 });
const record = <T>(arb: fc.Arbitrary<T>) => fc.dictionary(key, arb, { maxKeys: 3 });

const metric = fc.record(
  {
    samples: fc.array(fc.record({ date: time, value: num }), { maxLength: 3 }),
    min: num,
    max: num,
  },
  { requiredKeys: [] },
);

const node = fc.record(
  {
    sets: record(strings),
    adjacency: strings,
    latest: record(fc.record({ timestamp: time, value })),
    metrics: record(metric),
    parents: record(strings),
    latestControls: record(fc.record({ timestamp: time, value: fc.record({ dead: fc.boolean() }) })),
    children: fc.array(fc.record({ id: key, latest: record(fc.record({ timestamp: time, value })) }), { maxLength: 2 }),
  },
  { requiredKeys: [] },
);
const activeControls = fc.record({ timestamp: time, value: fc.constantFrom('', 'a', 'b;a', 'c;a;b', 'p~x') });
const nodeWithControls = fc
  .tuple(node, fc.option(activeControls))
  .map(([n, ac]) => (ac === null ? n : { ...n, latest: { ...(n.latest ?? {}), active_controls: ac } }));

const topology = fc.record(
  {
    shape: fc.constantFrom('', 'circle', 'square'),
    tag: fc.constantFrom('', 'camera'),
    label: fc.constantFrom('', 'l1', 'l2'),
    label_plural: fc.constantFrom('', 'p1', 'p2'),
    nodes: fc.dictionary(fc.constantFrom('n1;<host>', 'n2;<host>'), nodeWithControls, { maxKeys: 2 }),
    controls: record(fc.record({ id: key, human: value, icon: value, rank: fc.constantFrom(0, 1) }, { requiredKeys: [] })),
    metadata_templates: record(fc.record({ id: key, label: value, priority: fc.constantFrom(0, 1, 2), from: value }, { requiredKeys: [] })),
    metric_templates: record(fc.record({ id: key, label: value, priority: fc.constantFrom(0, 1, 2), format: value }, { requiredKeys: [] })),
    table_templates: record(
      fc.record(
        {
          id: key,
          label: value,
          prefix: value,
          type: value,
          columns: fc.array(fc.record({ id: key, label: value }), { maxLength: 2 }),
          fixedRows: record(value),
        },
        { requiredKeys: [] },
      ),
    ),
  },
  { requiredKeys: [] },
);

const spec = fc.record(
  {
    id: key,
    label: value,
    interfaces: fc.option(fc.constantFrom(['reporter'], ['reporter', 'controller'], [])),
    status: fc.constantFrom('ok', 'error: x'),
    api_version: fc.constantFrom('1', ''),
  },
  { requiredKeys: ['id'] },
);

const wireReport = fc.record(
  {
    TS: time,
    Host: topology,
    Container: topology,
    Endpoint: topology,
    Namespace: topology,
    DNS: record(fc.record({ forward: strings, reverse: strings }, { requiredKeys: [] })),
    Sampling: fc.record({ Count: fc.nat(5), Total: fc.nat(5) }),
    Window: fc.nat(5_000_000_000),
    Shortcut: fc.boolean(),
    Plugins: fc.array(spec, { maxLength: 3 }),
    // A few fixed IDs make different reports claim the same identity; absent = derived from text.
    ID: fc.constantFrom('1', '2'),
  },
  { requiredKeys: [] },
);

const report = wireReport.map((w) => decodeReport(JSON.stringify(w)));
const enc = encodeReport;

function permutations<T>(xs: readonly T[]): T[][] {
  if (xs.length <= 1) return [[...xs]];
  return xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((rest) => [x, ...rest]));
}

/** Every invariant a merged report must keep: sorted sets, sorted unique samples, sorted Plugins. */
function assertNormalised(r: Report): void {
  const sorted = (xs: readonly string[]) => xs.every((x, i) => i === 0 || compareStrings(xs[i - 1]!, x) < 0);
  for (const t of ['Host', 'Container', 'Endpoint', 'Namespace'] as const) {
    for (const n of r[t].nodes.values()) {
      for (const s of [...n.sets.values(), ...n.parents.values(), n.adjacency]) assert.ok(sorted(s));
      for (const m of n.metrics.values()) {
        assert.ok(m.samples.every((s, i) => i === 0 || compareTimestamps(m.samples[i - 1]!.date, s.date) < 0));
        assert.ok(Number.isFinite(m.min) && Number.isFinite(m.max));
      }
      const ac = n.latest.get('active_controls');
      if (ac !== undefined && ac.value !== '') assert.ok(sorted(ac.value.split(';')));
    }
  }
  assert.ok(sorted(r.Plugins.map((p) => p.id)));
}

describe('report merge properties (fast-check)', () => {
  it('commutative: merge(a, b) and merge(b, a) encode identically', () => {
    fc.assert(
      fc.property(report, report, (a, b) => {
        assert.equal(enc(mergeReports(a, b)), enc(mergeReports(b, a)));
      }),
      { numRuns: 300 },
    );
  });

  it('associative: (a·b)·c = a·(b·c) = merge(a, b, c)', () => {
    fc.assert(
      fc.property(report, report, report, (a, b, c) => {
        const flat = enc(mergeReports(a, b, c));
        assert.equal(enc(mergeReports(mergeReports(a, b), c)), flat);
        assert.equal(enc(mergeReports(a, mergeReports(b, c))), flat);
      }),
      { numRuns: 300 },
    );
  });

  it('idempotent: a·a = a, (a·b)·b = a·b, and a copy decoded again merges as the same report', () => {
    fc.assert(
      fc.property(wireReport, report, (w, b) => {
        const a = decodeReport(JSON.stringify(w));
        assert.equal(enc(mergeReports(a, a)), enc(a));
        assert.equal(enc(mergeReports(a, decodeReport(JSON.stringify(w)))), enc(a));
        const ab = mergeReports(a, b);
        assert.equal(enc(mergeReports(ab, b)), enc(ab));
        assert.equal(enc(mergeReports(ab, a, ab)), enc(ab));
      }),
      { numRuns: 300 },
    );
  });

  it('emptyReport() is the identity', () => {
    fc.assert(
      fc.property(report, (a) => {
        assert.equal(enc(mergeReports(a, emptyReport())), enc(a));
      }),
      { numRuns: 200 },
    );
  });

  it('every permutation of 4 inputs, flat or folded, encodes to the same bytes', () => {
    fc.assert(
      fc.property(fc.array(report, { minLength: 4, maxLength: 4 }), (rs) => {
        const expected = enc(mergeReports(...rs));
        for (const p of permutations(rs)) {
          assert.equal(enc(mergeReports(...p)), expected);
          assert.equal(enc(p.reduce((acc, r) => mergeReports(acc, r), emptyReport())), expected);
        }
        assertNormalised(mergeReports(...rs));
      }),
      { numRuns: 60 },
    );
  });

  it('never mutates inputs, and decode(encode(m)) re-encodes to the same bytes', () => {
    fc.assert(
      fc.property(report, report, (a, b) => {
        const before = [enc(a), enc(b)];
        const m = mergeReports(a, b);
        assert.deepEqual([enc(a), enc(b)], before);
        const text = enc(m);
        assert.equal(enc(decodeReport(text)), text);
      }),
      { numRuns: 200 },
    );
  });
});
