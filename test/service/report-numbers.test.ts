/**
 * Numbers and Go types (docs/spec/report-format.md#numbers-and-go-types): every number the host
 * writes fits the Go type of its field, where the numbers are combined (Sampling and Window sums,
 * legacy counters) and at validation (a plugin's number that cannot fit gets a precise status).
 * The same rules against the real Scope app are in scope-app-numbers.test.ts.
 */
import { describe, it, test } from 'node:test';
import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import { decodeReport, encodeReport, mergeReports, ReportError, type Report } from '../../src/shared/report/index.js';
import type { PluginRow } from '../../src/main/core/plugin-table.js';
import { startFakeApp } from '../helpers/fake-scope-app.js';
import { startTestHost } from '../helpers/host.js';
import { rawPlugin, reportHandler, specReport, type RawPlugin } from '../helpers/raw-plugin.js';
import { tempDir } from '../helpers/tmp.js';
import { waitFor } from '../helpers/wait.js';

const r = (text: string): Report => decodeReport(text);
/** A number field of a wire report exactly as written. */
const written = (text: string, key: string): string => new RegExp(`"${key}":(-?[0-9.eE+-]+)`).exec(text)![1]!;

describe('sums fit their Go types', () => {
  it('Sampling saturates at the largest uint64 a double holds, Window at the int64 maximum', () => {
    const polls = [1, 2, 3].map((i) => r(`{"ID":"${i}","Sampling":{"Count":9e18,"Total":9e18},"Window":9223372036854775000}`));
    const text = encodeReport(mergeReports(...polls));
    assert.equal(written(text, 'Count'), '18446744073709549568');
    assert.equal(written(text, 'Total'), '18446744073709549568');
    assert.equal(written(text, 'Window'), '9223372036854775807');
    assert.equal(written(encodeReport(mergeReports(polls[0]!, polls[1]!)), 'Count'), '18000000000000000000');
  });

  it('negative Windows saturate at the int64 minimum', () => {
    const a = r('{"ID":"a","Window":-9223372036854775808}');
    const b = r('{"ID":"b","Window":-5}');
    assert.equal(written(encodeReport(mergeReports(a, b)), 'Window'), '-9223372036854775808');
  });

  it('sums above 2^53 are exact, so the merge order does not change them', () => {
    const big = r('{"ID":"big","Sampling":{"Count":9007199254740992,"Total":0}}');
    const one = r('{"ID":"one","Sampling":{"Count":1,"Total":0}}');
    const two = r('{"ID":"two","Sampling":{"Count":1,"Total":0}}');
    const counts = [
      [big, one, two],
      [one, two, big],
      [two, big, one],
    ].map((rs) => written(encodeReport(mergeReports(...rs)), 'Count'));
    assert.deepEqual(counts, ['9007199254740994', '9007199254740994', '9007199254740994']);
  });

  it('legacy counters add up exactly and stay within Go int', () => {
    const node = (counters: string) =>
      JSON.parse(
        encodeReport(
          r(
            `{"Host":{"nodes":{"h;<host>":{"latest":{"count_x":{"timestamp":"2020-01-01T00:00:00Z","value":"9223372036854775000"}},"counters":{"x":${counters}}}}}}`,
          ),
        ),
      ).Host.nodes['h;<host>'].latest.count_x.value as string;
    assert.equal(node('9223372036854775000'), '9223372036854775807');
    assert.equal(node('7'), '9223372036854775007');
  });
});

describe('integers written exactly, within their Go types', () => {
  it('the int64 minimum is written as its digits, not as a rounded -9223372036854776000', () => {
    const text = encodeReport(
      r('{"Host":{"controls":{"c":{"id":"c","rank":-9223372036854775808}},"metadata_templates":{"t":{"id":"t","truncate":9223372036854775000}}}}'),
    );
    assert.equal(written(text, 'rank'), '-9223372036854775808');
    assert.equal(written(text, 'truncate'), '9223372036854774784');
  });

  it('the largest Go literals (which round up to 2^63 / 2^64 as doubles) are held at the largest value that fits', () => {
    const text = encodeReport(
      r('{"Sampling":{"Count":18446744073709551615,"Total":1},"Window":9223372036854775807,"Host":{"controls":{"c":{"id":"c","rank":9223372036854775807}}}}'),
    );
    assert.equal(written(text, 'Count'), '18446744073709549568');
    assert.equal(written(text, 'Window'), '9223372036854774784');
    assert.equal(written(text, 'rank'), '9223372036854774784');
  });

  it('integral values in other notations are written as plain integers (the app refuses 1.0 and 1e3 for an int)', () => {
    const text = encodeReport(r('{"Sampling":{"Count":1e3,"Total":2.0},"Window":1.5e9,"Host":{"controls":{"c":{"id":"c","rank":1.0}}}}'));
    assert.deepEqual(
      ['Count', 'Total', 'Window', 'rank'].map((k) => written(text, k)),
      ['1000', '2', '1500000000', '1'],
    );
  });

  const refused: [string, string, string][] = [
    ['{"Sampling":{"Count":1.5}}', 'Sampling.Count', '1.5 is not an integer (Go uint64)'],
    ['{"Sampling":{"Total":-1}}', 'Sampling.Total', '-1 is out of range for Go uint64'],
    ['{"Sampling":{"Count":3e19}}', 'Sampling.Count', '30000000000000000000 is out of range for Go uint64'],
    ['{"Sampling":{"Count":1e400}}', 'Sampling.Count', 'out of range for Go uint64'],
    ['{"Window":1e19}', 'Window', '10000000000000000000 is out of range for Go int64'],
    ['{"Window":0.5}', 'Window', '0.5 is not an integer (Go int64)'],
    ['{"Host":{"controls":{"c":{"rank":2.5}}}}', 'Host.controls.c.rank', '2.5 is not an integer (Go int)'],
    ['{"Host":{"metadata_templates":{"t":{"truncate":-1e400}}}}', 'Host.metadata_templates.t.truncate', 'out of range for Go int'],
    ['{"Host":{"metric_templates":{"t":{"priority":1e400}}}}', 'Host.metric_templates.t.priority', 'out of range for Go float64'],
  ];
  for (const [text, path, problem] of refused) {
    it(`refuses ${text}`, () => {
      assert.throws(
        () => decodeReport(text),
        (err: unknown) => err instanceof ReportError && err.code === 'REPORT_BAD_NUMBER' && err.path === path && err.problem === problem,
      );
    });
  }
});

test('through the host: published sums saturate, a plugin with a non-integer Count gets a precise status, the others go on', async (t) => {
  const dir = await tempDir();
  const app = await startFakeApp();
  const plugins: RawPlugin[] = [];
  let n = 0;
  for (const id of ['huge-a', 'huge-b']) {
    plugins.push(
      await rawPlugin(join(dir.path, `${id}.sock`), (req, res) => {
        // A new TS each poll: every poll is a distinct report whose Sampling is added.
        const body = specReport(
          { id, label: id, interfaces: ['reporter'] },
          { TS: new Date(Date.UTC(2030, 0, 1, 0, 0, 0, ++n)).toISOString(), Sampling: { Count: 9e18, Total: 9e18 }, Window: 9223372036854775000 },
        );
        reportHandler(body)(req, res);
      }),
    );
  }
  const halfId = 'half';
  const half = specReport({ id: halfId, label: halfId, interfaces: ['reporter'] }, { Sampling: { Count: 1.5 } });
  plugins.push(await rawPlugin(join(dir.path, 'half.sock'), reportHandler(half)));
  const host = await startTestHost({ pluginsRoot: dir.path, pollIntervalMs: 100, publish: { apps: [app.url], intervalMs: 800 } });
  try {
    const rows = async () => (await host.get<PluginRow[]>('/api/plugins')).body;
    const row = await waitFor('half refused', async () => (await rows()).find((p) => p.id === halfId && p.status !== undefined && p.status !== 'ok'));
    assert.equal(row.status, 'error: decoding error: Sampling.Count: 1.5 is not an integer (Go uint64)');
    assert.equal(row.errorCode, 'PLUGIN_DECODE');
    await waitFor('two publications', () => app.received.length >= 2, 15_000);
    const published = gunzipSync(app.received[1]!.body).toString('utf8');
    t.diagnostic(`published Sampling ${/"Sampling":\{[^}]*\}/.exec(published)![0]}`);
    assert.equal(written(published, 'Count'), '18446744073709549568');
    assert.equal(written(published, 'Total'), '18446744073709549568');
    const plugged = (JSON.parse(published) as { Plugins: { id: string; status: string }[] }).Plugins.map((p) => [p.id, p.status]);
    assert.deepEqual(plugged.slice(1), [
      ['huge-a', 'ok'],
      ['huge-b', 'ok'],
    ]);
    const api = await (await fetch(`${host.url}/api/report`)).text();
    t.diagnostic(`GET /api/report Window ${written(api, 'Window')}`);
    assert.equal(written(api, 'Window'), '9223372036854775807');
  } finally {
    await host.close();
    for (const p of plugins) await p.close();
    await app.close();
    await dir.cleanup();
  }
});
