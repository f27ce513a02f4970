/**
 * The byte-level node counter used before parsing large bodies must agree with a count over the
 * parsed JSON, for any JSON (fast-check), and never under-count a valid report's nodes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { exceedsNodeCount } from '../src/shared/report/node-count.js';
import { TOPOLOGY_KEYS } from '../src/shared/report/types.js';

function parsedCount(value: unknown): number {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return 0;
  let n = 0;
  for (const [key, topology] of Object.entries(value)) {
    if (!(TOPOLOGY_KEYS as readonly string[]).includes(key)) continue;
    if (topology === null || typeof topology !== 'object' || Array.isArray(topology)) continue;
    const nodes = (topology as Record<string, unknown>)['nodes'];
    if (nodes !== null && typeof nodes === 'object' && !Array.isArray(nodes)) n += Object.keys(nodes).length;
  }
  return n;
}

const bytes = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));

test('counts exactly the keys of every <Topology>.nodes object', () => {
  const report = {
    Plugins: [{ id: 'x', nodes: { a: 1 } }],
    Host: { controls: { nodes: {} }, nodes: { 'a;<host>': { latest: { nodes: { timestamp: 't', value: 'v' } } }, 'b;<host>': {} } },
    Pod: [{ nodes: { p: 1 } }],
    Container: { nodes: { '"quoted\\": {tricky': { children: [{ id: 'c', nodes: { x: 1 } }] } } },
    Unknown: { nodes: { u: 1 } },
  };
  assert.equal(parsedCount(report), 3);
  assert.equal(exceedsNodeCount(bytes(report), 2), true);
  assert.equal(exceedsNodeCount(bytes(report), 3), false);
  assert.equal(exceedsNodeCount(bytes({ Host: { nodes: {} } }), 0), false);
  assert.equal(exceedsNodeCount(bytes({ Host: { nodes: { a: {} } } }), 0), true);
  assert.equal(exceedsNodeCount(bytes([{ Host: { nodes: { a: {} } } }]), 0), false);
  // Escaped key names are read as JSON.parse reads them.
  const escaped = new TextEncoder().encode('{"Ho\\u0073t":{"n\\u006fdes":{"a":{},"b":{}}}}');
  assert.equal(exceedsNodeCount(escaped, 1), true);
});

test('agrees with JSON.parse on generated reports (never under-counts)', () => {
  const topology = fc.oneof(
    fc.record({ nodes: fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 8 }), controls: fc.jsonValue() }, { requiredKeys: [] }),
    fc.jsonValue(),
  );
  const key = fc.oneof(fc.constantFrom(...TOPOLOGY_KEYS, 'Plugins', 'nodes', 'TS'), fc.string());
  fc.assert(
    fc.property(fc.dictionary(key, topology, { maxKeys: 6 }), fc.nat(20), (report, max) => {
      const n = parsedCount(report);
      assert.equal(exceedsNodeCount(bytes(report), max), n > max);
    }),
    { numRuns: 2000 },
  );
});
