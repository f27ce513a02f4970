/**
 * buildReportBytes (src/shared/report/build-report.ts): a plugin's reports since the last publish
 * are merged together first. The merge is associative, so that must give the very bytes the flat
 * merge of every report gives, with every metric sample kept.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { packGroups, packParts } from '../../../../src/shared/parts.js';
import { buildReportBytes } from '../../../../src/shared/report/build-report.js';

/** Plugin `id`'s report at second `s`: one sample of its metric, its latest value, a node of that second. */
function report(id: string, s: number): string {
  const date = `2026-12-07T04:00:0${s}Z`;
  return JSON.stringify({
    Host: {
      nodes: {
        'h;<host>': {
          latest: { [`${id}_state`]: { timestamp: date, value: `${id} at ${s}` } },
          metrics: { [`${id}_load`]: { samples: [{ date, value: s }] } },
        },
        [`${id}-${s};<host>`]: {},
      },
    },
    Plugins: [],
  });
}

test("a plugin's reports merged first give the bytes of the flat merge, every sample kept", () => {
  const plugins = [[report('a', 1), report('a', 2), report('a', 3)], [report('b', 1)], [report('c', 2), report('c', 3)]];
  const stamp = { specs: [], tsEpochNs: '1796616000000000000', windowNs: '3000000000', gzip: true };
  const byPlugin = buildReportBytes({ ...stamp, parts: [packGroups(plugins)] });
  const flat = buildReportBytes({ ...stamp, parts: [packParts(plugins.flat())] });
  const json = gunzipSync(byPlugin).toString('utf8');
  assert.equal(json, gunzipSync(flat).toString('utf8'));

  const host = JSON.parse(json).Host.nodes['h;<host>'];
  assert.deepEqual(
    host.metrics.a_load.samples.map((x: { value: number }) => x.value),
    [1, 2, 3],
  );
  assert.equal(host.latest.a_state.value, 'a at 3');
  assert.deepEqual(Object.keys(JSON.parse(json).Host.nodes).sort(), [
    'a-1;<host>',
    'a-2;<host>',
    'a-3;<host>',
    'b-1;<host>',
    'c-2;<host>',
    'c-3;<host>',
    'h;<host>',
  ]);
});
