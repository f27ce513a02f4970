/**
 * The byte-level node counter used before parsing large bodies must agree with a count over the
 * parsed JSON, for any JSON (fast-check), and never under-count a valid report's nodes, nested
 * `children` included (docs/spec/report-format.md#node-limits).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { exceedsNodeCount, exceedsParsedNodeCount } from '../../../../src/shared/report/node-count.js';
import { MAX_CHILD_DEPTH } from '../../../../src/shared/report/decode-node.js';
import { decodeReport } from '../../../../src/shared/report/index.js';
import { TOPOLOGY_KEYS } from '../../../../src/shared/report/types.js';

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Nodes the decoder would build: keys of every <Topology>.nodes and object elements of `children`. */
function parsedCount(value: unknown): number {
  if (!isObject(value)) return 0;
  const nested = (node: unknown, level: number): number => {
    if (level > MAX_CHILD_DEPTH || !isObject(node) || !Array.isArray(node['children'])) return 0;
    return (node['children'] as unknown[]).filter(isObject).reduce((n: number, c) => n + 1 + nested(c, level + 1), 0);
  };
  let n = 0;
  for (const [key, topology] of Object.entries(value)) {
    if (!(TOPOLOGY_KEYS as readonly string[]).includes(key)) continue;
    if (!isObject(topology)) continue;
    const nodes = topology['nodes'];
    if (isObject(nodes)) for (const node of Object.values(nodes)) n += 1 + nested(node, 1);
  }
  return n;
}

const bytes = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));

test('counts the keys of every <Topology>.nodes object and the nodes nested in their children', () => {
  const report = {
    Plugins: [{ id: 'x', nodes: { a: 1 } }],
    Host: { controls: { nodes: {} }, nodes: { 'a;<host>': { latest: { nodes: { timestamp: 't', value: 'v' } } }, 'b;<host>': {} } },
    Pod: [{ nodes: { p: 1 } }],
    Container: { nodes: { '"quoted\\": {tricky': { children: [{ id: 'c', nodes: { x: 1 } }] } } },
    Unknown: { nodes: { u: 1 } },
  };
  assert.equal(parsedCount(report), 4);
  assert.equal(exceedsNodeCount(bytes(report), 3), 'children');
  assert.equal(exceedsNodeCount(bytes(report), 4), false);
  assert.equal(exceedsParsedNodeCount(report, 3), 'children');
  assert.equal(exceedsParsedNodeCount(report, 4), false);
  assert.equal(exceedsNodeCount(bytes({ Host: { nodes: {} } }), 0), false);
  assert.equal(exceedsNodeCount(bytes({ Host: { nodes: { a: {} } } }), 0), 'nodes');
  assert.equal(exceedsNodeCount(bytes([{ Host: { nodes: { a: {} } } }]), 0), false);
  // Escaped key names are read as JSON.parse reads them.
  const escaped = new TextEncoder().encode('{"Ho\\u0073t":{"n\\u006fdes":{"a":{},"b":{}}}}');
  assert.equal(exceedsNodeCount(escaped, 1), 'nodes');
});

test('agrees with JSON.parse on generated reports (never under-counts)', () => {
  // Nodes with nested children (up to a few levels), next to arbitrary JSON anywhere.
  const { node } = fc.letrec((tie) => ({
    node: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.jsonValue(),
      fc.record({ id: fc.string(), children: fc.array(tie('node'), { maxLength: 4 }), latest: fc.jsonValue() }, { requiredKeys: [] }),
    ),
  }));
  const topology = fc.oneof(
    fc.record({ nodes: fc.dictionary(fc.string(), node, { maxKeys: 8 }), controls: fc.jsonValue() }, { requiredKeys: [] }),
    fc.jsonValue(),
  );
  const key = fc.oneof(fc.constantFrom(...TOPOLOGY_KEYS, 'Plugins', 'nodes', 'TS', 'children'), fc.string());
  fc.assert(
    fc.property(fc.dictionary(key, topology, { maxKeys: 6 }), fc.nat(20), (report, max) => {
      const n = parsedCount(report);
      assert.equal(exceedsNodeCount(bytes(report), max) !== false, n > max);
      assert.equal(exceedsParsedNodeCount(report, max) !== false, n > max);
    }),
    { numRuns: 2000 },
  );
});

test('children nested deeper than the decoder follows: counted as deep as it reads, the byte scan stops there', () => {
  const chain = (levels: number) => {
    let node: Record<string, unknown> = { id: 'leaf' };
    for (let i = 0; i < levels; i++) node = { id: `n${i}`, children: [node] };
    return { Host: { nodes: { top: node } } };
  };
  const deep = chain(MAX_CHILD_DEPTH + 8);
  assert.equal(parsedCount(deep), 1 + MAX_CHILD_DEPTH);
  assert.equal(exceedsParsedNodeCount(deep, MAX_CHILD_DEPTH), 'children');
  assert.equal(exceedsParsedNodeCount(deep, MAX_CHILD_DEPTH + 1), false);
  assert.equal(exceedsNodeCount(bytes(deep), 1e6), 'too-deep');
  // Exactly as deep as the decoder reads: counted, not refused.
  const deepest = chain(MAX_CHILD_DEPTH);
  assert.equal(exceedsNodeCount(bytes(deepest), MAX_CHILD_DEPTH), 'children');
  assert.equal(exceedsNodeCount(bytes(deepest), MAX_CHILD_DEPTH + 1), false);
  assert.doesNotThrow(() => decodeReport(JSON.stringify(deepest)));
  assert.throws(() => decodeReport(JSON.stringify(chain(MAX_CHILD_DEPTH + 1))), { code: 'REPORT_TOO_DEEP' });
  // Sibling arrays close their level again.
  const wide = { Host: { nodes: { a: { children: [{ children: [{}] }, { children: [{}] }] }, b: { children: [{}] } } } };
  assert.equal(exceedsNodeCount(bytes(wide), 7), false);
  assert.equal(exceedsNodeCount(bytes(wide), 6), 'children');
  const siblings = { Host: { nodes: { a: { children: Array.from({ length: MAX_CHILD_DEPTH * 2 }, () => ({ children: [{}] })) } } } };
  assert.equal(exceedsNodeCount(bytes(siblings), 1e6), false);
});

test('the byte scan keeps no state for deep nesting outside node paths', () => {
  const deep = new TextEncoder().encode(
    `{"Host":{"nodes":{"a":{"latest":${'['.repeat(1e6)}${']'.repeat(1e6)}}}},"x":${'[{"a":'.repeat(1e5)}1${'}]'.repeat(1e5)}}`,
  );
  assert.equal(exceedsNodeCount(deep, 1), false);
  assert.equal(exceedsNodeCount(deep, 0), 'nodes');
});
