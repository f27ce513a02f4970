/** The status/counters split between shards and main (src/shared/plugin-state.ts). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode, errorData } from '../../../src/shared/errors.js';
import type { PluginCounters, PluginState } from '../../../src/shared/protocol.js';
import { packCounters, sameState, unpackCounters } from '../../../src/shared/plugin-state.js';
import { PluginTable } from '../../../src/main/core/plugin-table.js';

const base: PluginState = {
  key: '/run/p.sock',
  id: 'p',
  seq: 3,
  phase: 'polling',
  era: 'report',
  spec: { id: 'p', label: 'P', interfaces: ['reporter'], status: 'ok' },
  lastError: null,
  controls: ['p~a'],
};

test('sameState compares by value, so a new but equal spec from the next poll is no change', () => {
  assert.equal(sameState(base, { ...base, seq: 4 }), true, 'seq numbers changes, it is not one itself');
  assert.equal(sameState(base, { ...base, spec: { ...base.spec, interfaces: ['reporter'] }, controls: ['p~a'] }), true);
});

test('sameState sees every field main shows', () => {
  const error = errorData(ErrorCode.TIMEOUT, 'timed out');
  const changes: Partial<PluginState>[] = [
    { phase: 'stopped' },
    { era: 'handshake' },
    { lastError: error },
    { controls: [] },
    { controls: ['p~b'] },
    { spec: { ...base.spec, status: 'error: timed out' } },
    { spec: { ...base.spec, label: 'Q' } },
    { spec: { ...base.spec, description: 'd' } },
    { spec: { ...base.spec, api_version: '2' } },
    { spec: { ...base.spec, interfaces: null } },
    { spec: { ...base.spec, interfaces: ['reporter', 'controller'] } },
  ];
  for (const change of changes) assert.equal(sameState(base, { ...base, ...change }), false, JSON.stringify(change));
  const failing = { ...base, lastError: error };
  assert.equal(sameState(failing, { ...failing, lastError: errorData(ErrorCode.TIMEOUT, 'timed out') }), true);
  assert.equal(sameState(failing, { ...failing, lastError: errorData(ErrorCode.TIMEOUT, 'timed out after 500 ms') }), false);
});

test('counters survive packing, nulls included', () => {
  const a: PluginCounters = { lastOkAt: 1_700_000_000_123, lastErrorAt: null, lastLatencyMs: 1.25, consecutiveFailures: 0, polls: 42 };
  const b: PluginCounters = { lastOkAt: null, lastErrorAt: 1_700_000_000_456, lastLatencyMs: null, consecutiveFailures: 7, polls: 7 };
  const packed = packCounters([
    { key: 'a', counters: a },
    { key: 'b', counters: b },
  ]);
  assert.equal(packed.values.length, 10);
  const out = new Map<string, PluginCounters>();
  unpackCounters(packed, (key, c) => out.set(key, c));
  assert.deepEqual(
    [...out],
    [
      ['a', a],
      ['b', b],
    ],
  );
  assert.throws(() => unpackCounters({ keys: ['a'], values: new Float64Array(4) }, () => {}), /4 values for 1 plugins/);
});

test('the plugin table drops a state older than the one it holds (batches and counter reads may cross)', () => {
  const table = new PluginTable();
  table.update([{ key: base.key, id: 'p', shard: 0 }], []);
  const failing = { ...base, seq: 5, lastError: errorData(ErrorCode.TIMEOUT, 'timed out'), spec: { ...base.spec, status: 'error: timed out' } };
  table.apply(failing);
  table.apply({ ...base, seq: 4 });
  assert.equal(table.get(base.key)?.state.spec.status, 'error: timed out', 'the late, older ok state is dropped');
  table.apply({ ...base, seq: 6 });
  assert.equal(table.get(base.key)?.state.spec.status, 'ok');
  // A crashed worker's replacement counts from 1 again: its states must apply.
  table.markShardDown(0, 'boom');
  assert.match(table.get(base.key)?.state.spec.status ?? '', /worker thread crashed/);
  table.apply({ ...base, seq: 1 });
  assert.equal(table.get(base.key)?.state.spec.status, 'ok');
});
