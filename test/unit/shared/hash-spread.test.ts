/**
 * `spreadHash(path) % n` must spread real plugin layouts evenly (the poll schedule takes it modulo
 * the slots of the interval). Regression: `fnv1a(path) % 2` put every `<id>/<id>.sock` plugin in
 * one bucket (bit 0 of FNV-1a is a parity of the input).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fnv1a, spreadHash } from '../../../src/shared/hash.js';

function buckets(paths: string[], n: number, hash: (s: string) => number): number[] {
  const counts = new Array<number>(n).fill(0);
  for (const p of paths) counts[hash(p) % n]!++;
  return counts;
}

const ids = Array.from({ length: 3000 }, (_, i) => `fake-${String(i).padStart(4, '0')}`);
const layouts: Record<string, string[]> = {
  '<id>/<id>.sock': ids.map((id) => `/var/run/scope/plugins/${id}/${id}.sock`),
  '<id>.sock': ids.map((id) => `/var/run/scope/plugins/${id}.sock`),
  'words/<id>/<id>.sock': ['iowait', 'traffic-control', 'http-statistics', 'volume-count'].flatMap((w) =>
    ids.slice(0, 750).map((id) => `/run/p/${w}-${id}/${w}-${id}.sock`),
  ),
};

test('fnv1a alone puts every <id>/<id>.sock path in one of 2 buckets (why spreadHash exists)', () => {
  assert.ok(buckets(layouts['<id>/<id>.sock']!, 2, fnv1a).includes(0));
});

for (const [name, paths] of Object.entries(layouts)) {
  test(`spreadHash spreads ${name} evenly over 2, 3, 4 and 8 shards`, () => {
    for (const n of [2, 3, 4, 8]) {
      const counts = buckets(paths, n, spreadHash);
      const even = paths.length / n;
      for (const c of counts) assert.ok(Math.abs(c - even) < even * 0.15, `${n} shards: ${counts.join(',')}`);
    }
  });
}

test('spreadHash is stable (shard assignment survives restarts)', () => {
  assert.equal(spreadHash('/var/run/scope/plugins/iowait/iowait.sock'), spreadHash('/var/run/scope/plugins/iowait/iowait.sock'));
  assert.equal(spreadHash(''), spreadHash(''));
});
