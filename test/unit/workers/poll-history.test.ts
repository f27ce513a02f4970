/** The actor's ring of recent exchanges: bounded, oldest first, outcomes kept by name. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { POLL_HISTORY, PollHistory } from '../../../src/workers/poll-history.js';

test('keeps the last POLL_HISTORY exchanges, oldest first', () => {
  const h = new PollHistory();
  assert.deepEqual(h.data(), { atMs: [], latencyMs: [], outcome: [] });
  const total = POLL_HISTORY * 2 + 7;
  const t0 = Date.now();
  for (let i = 0; i < total; i++) h.record(t0 + i * 1000, i / 4, i % 10 === 0 ? 'PLUGIN_TIMEOUT' : i % 10 === 1 ? 'PLUGIN_HTTP_STATUS' : 'ok');
  const d = h.data();
  assert.equal(h.size, POLL_HISTORY);
  assert.equal(d.atMs.length, POLL_HISTORY);
  const first = total - POLL_HISTORY;
  // Times are kept to a tenth of a second.
  d.atMs.forEach((at, k) => assert.ok(Math.abs(at - (t0 + (first + k) * 1000)) <= 50, `entry ${k}: ${at}`));
  assert.deepEqual(
    d.latencyMs,
    Array.from({ length: POLL_HISTORY }, (_, k) => (first + k) / 4),
  );
  assert.deepEqual(
    d.outcome,
    Array.from({ length: POLL_HISTORY }, (_, k) => ((first + k) % 10 === 0 ? 'PLUGIN_TIMEOUT' : (first + k) % 10 === 1 ? 'PLUGIN_HTTP_STATUS' : 'ok')),
  );
});

test('a partly filled ring lists only what was recorded', () => {
  const h = new PollHistory();
  const t0 = Date.now();
  h.record(t0, 1.5, 'ok');
  h.record(t0 + 2000, 2.25, 'PLUGIN_CONNECT');
  const d = h.data();
  assert.deepEqual({ latencyMs: d.latencyMs, outcome: d.outcome }, { latencyMs: [1.5, 2.25], outcome: ['ok', 'PLUGIN_CONNECT'] });
  assert.equal(d.atMs.length, 2);
  assert.ok(Math.abs(d.atMs[1]! - d.atMs[0]! - 2000) <= 100);
});
